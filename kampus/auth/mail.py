"""Sending e-mail: SMTP when ``MAIL_SERVER`` is configured, else the log.

Later features (reminders) reuse :func:`send_mail`. Without a mail server the
message is not sent and only its recipient and subject are logged: a body may
hold a secret link (an invitation, a password reset), and links, tokens and
passwords are never written to any log. Callers say that the mail did not go
(and show an invitation, never a password link, to the manager who asked).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send a plain-text message; True when it went to the SMTP server, False when only logged.

    SMTP failures are logged and reported as False rather than raised: the
    caller shows the link instead, and the request's data is still saved.
    """
    config = current_app.config
    if not mail_configured():
        current_app.logger.info("mail not sent (no MAIL_SERVER configured) to %s: %s", to, subject)
        return False
    message = EmailMessage()
    message["From"] = config.get("MAIL_SENDER", "kampus@localhost")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)), timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        current_app.logger.warning("mail to %s failed: %s", to, subject, exc_info=True)
        return False
    return True
