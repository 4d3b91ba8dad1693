"""A local SMTP server for the account tests: links go only by e-mail (never to a log),
so tests read them from the messages this inbox receives."""

from __future__ import annotations

import email
import email.policy
import re
import socket

import pytest


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def take(self) -> list[email.message.EmailMessage]:
        taken, self.messages = self.messages, []
        return taken

    def links(self, pattern: str = r"https?://\S+") -> list[str]:
        """Every link matching ``pattern`` in the bodies of the messages taken now."""
        return [link for message in self.take() for link in re.findall(pattern, message.get_content())]


@pytest.fixture
def inbox():
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def mail_app(make_app, inbox):
    """An app that mails through :func:`inbox` (links built from the test client's host)."""
    app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port)
    with app.app_context():
        yield app
