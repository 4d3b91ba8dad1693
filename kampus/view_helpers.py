"""Helpers that more than one feature's views use (they know Flask's flash, no feature)."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _


def flash_link(sent, *, what: str) -> None:
    """Tell the manager where the link (an :class:`kampus.auth.services.SentLink`) went: by e-mail,
    or (an invitation only) shown here when it could not be mailed. A password link is never shown
    to anyone but its owner."""
    if sent.mailed:
        flash(_("%(what)s sent by e-mail to %(email)s.", what=what, email=sent.user.email), "success")
    elif not sent.shareable:
        flash(_("The e-mail to %(email)s could not be sent.", email=sent.user.email), "error")
    else:
        flash(
            _(
                "No mail server is configured, so give this link to %(email)s yourself (valid for seven days): %(url)s",
                email=sent.user.email,
                url=sent.url,
            ),
            "link",
        )
