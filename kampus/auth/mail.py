"""E-mail from the web pages: every message goes through the job queue's outbox.

:func:`send_mail` writes the message into the current transaction
(:func:`kampus.jobs.outbox.queue_mail`); it leaves after the commit, by the one
SMTP sender (:func:`kampus.jobs.mail.send_now`), retried if the server is down.
A rollback sends nothing. Without a mail server nothing is queued and only the
recipient and subject are logged: a body may hold a secret link (an invitation,
a password reset), and links, tokens and passwords are never written to any log.
Callers then say that the mail did not go (and show an invitation, never a
password link, to the manager who asked).
"""

from __future__ import annotations

import uuid

from flask import current_app

from kampus.jobs.outbox import queue_mail


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(to: str, subject: str, body: str, *, key: str | None = None) -> bool:
    """Queue a plain-text message for after the commit; False (and nothing queued) without a mail server.

    ``key`` makes it once-only (the same key again queues nothing); by default every call is a new message.
    """
    if not mail_configured():
        current_app.logger.info("mail not sent (no MAIL_SERVER configured) to %s: %s", to, subject)
        return False
    queue_mail(to, subject, body, key=key or f"mail:{uuid.uuid4().hex}")
    return True
