"""SMTP delivery for the outbox: raises on failure, so the outbox retries."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app


class MailNotConfigured(RuntimeError):
    """No ``MAIL_SERVER``: the message stays in the outbox until one is configured."""


def send_now(to: str, subject: str, body: str) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise MailNotConfigured("no MAIL_SERVER configured")
    message = EmailMessage()
    message["From"] = config.get("MAIL_SENDER", "kampus@localhost")
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="kampus")
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)
