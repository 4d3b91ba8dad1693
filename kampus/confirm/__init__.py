"""Confirmation before a destructive action (withdraw, delete, remove, revoke, deactivate).

Each destructive route answers GET with a page that says what will happen and
holds a form POSTing ``confirm=yes`` with the CSRF token to the same address;
the buttons elsewhere are links to that page, so it works without JavaScript.
The POST itself does nothing without the field (it sends the person to the
page instead), so no one-click form, ours or anyone's, can do it.
"""

from __future__ import annotations

from flask import redirect, render_template, request

CONFIRM_FIELD = "confirm"


def confirmed() -> bool:
    """True for a POST that carries the confirmation page's field."""
    return request.method == "POST" and request.form.get(CONFIRM_FIELD) == "yes"


def back_to_confirm_page():
    """The answer to a POST without confirmation: the confirmation page, nothing done."""
    return redirect(request.path, code=303)


def confirm_page(
    *,
    title: str,
    question: str,
    button: str,
    cancel_url: str,
    details: list[str] | tuple[str, ...] = (),
    reason_label: str | None = None,
) -> str:
    """The confirmation page for the current URL.

    ``details`` are sentences saying what happens and what is kept;
    ``reason_label`` adds a required text field ``reason`` (e.g. why a credential is revoked).
    """
    return render_template(
        "confirm.html",
        title=title,
        question=question,
        button=button,
        cancel_url=cancel_url,
        details=details,
        reason_label=reason_label,
        action=request.path,
    )
