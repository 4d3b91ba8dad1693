"""The account tests read links from the test SMTP server (links go only by e-mail, never to a log)."""

from __future__ import annotations

import pytest


@pytest.fixture
def inbox(smtp_sink):
    """The shared test SMTP server (:class:`tests.conftest.SmtpSink`)."""
    return smtp_sink


@pytest.fixture
def mail_app(make_app, inbox):
    """An app that mails through :func:`inbox` (links built from the test client's host)."""
    app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port)
    with app.app_context():
        yield app
