"""Account services: creating people, signing in, passwords, invitation and
reset links. Services flush; views and commands commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from kampus.auth import passwords, tokens
from kampus.auth.mail import send_mail
from kampus.auth.models import TARGET_GROUPS, USER_LANGUAGES, User, normalise_email
from kampus.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.links import external_url


def find_user_by_email(email: str | None) -> User | None:
    """The person with this address, whatever its case; None when there is none."""
    address = normalise_email(email)
    if not address:
        return None
    return db.session.scalar(select(User).where(User.email == address))


def check_password_rules(password: str, field: str = "password", *, user_inputs: tuple[str | None, ...] = ()) -> None:
    """Refuse a password that is short, common, contains the person's e-mail or name
    (``user_inputs``), or is easy to guess (:func:`kampus.auth.passwords.password_problem`)."""
    problem = passwords.password_problem(password, user_inputs=user_inputs)
    if problem == passwords.TOO_SHORT:
        raise DomainError(_("Choose a password of at least %(num)d characters.", num=MIN_PASSWORD_LENGTH), field=field)
    if problem == passwords.COMMON:
        raise DomainError(_("This password is on a list of common passwords. Choose another one."), field=field)
    if problem == passwords.PERSONAL:
        raise DomainError(_("Do not use your name or e-mail address in your password."), field=field)
    if problem == passwords.GUESSABLE:
        raise DomainError(
            _(
                "This password is easy to guess (repeated or sequential characters, a keyboard pattern, a common "
                "word). Try a few unrelated words in a row."
            ),
            field=field,
        )


def create_user(
    email: str,
    *,
    name: str = "",
    password: str | None = None,
    password_hash: str | None = None,
    organisation=None,
    is_manager: bool = False,
    is_admin: bool = False,
    language: str | None = None,
    target_group: str = "other",
) -> User:
    """Add a person. Without a password they are *invited*: they choose one through the link.

    Without a ``language`` they get their organisation's default content language (else Finnish).

    Raises DomainError (field ``email``) when the address is taken or malformed.
    """
    address = normalise_email(email)
    if "@" not in address or address.startswith("@") or address.endswith("@") or " " in address:
        raise DomainError(_("Enter an e-mail address like name@example.fi."), field="email")
    if find_user_by_email(address) is not None:
        raise DomainError(_("%(email)s already has an account.", email=address), field="email")
    if is_manager and organisation is None:
        raise DomainError(_("A manager needs an organisation."), field="organisation")
    if password is not None:
        check_password_rules(password, user_inputs=(address, name))
        password_hash = hash_password(password)
    user = new_user(
        address,
        name=name,
        password_hash=password_hash,
        organisation=organisation,
        is_manager=is_manager,
        is_admin=is_admin,
        language=language,
        target_group=target_group,
    )
    db.session.flush()
    return user


def new_user(
    email: str,
    *,
    name: str = "",
    password_hash: str | None = None,
    organisation=None,
    is_manager: bool = False,
    is_admin: bool = False,
    language: str | None = None,
    target_group: str = "other",
) -> User:
    """A new active person with every default, added to the session but not flushed, so that a
    batch (the staff import) flushes its people once.

    Checks nothing: the caller has checked the address (and that it is free) and the password,
    as :func:`create_user` does. Without a known ``language`` they get their organisation's
    default content language (else Finnish); an unknown ``target_group`` is "other".
    """
    user = User(
        email=normalise_email(email),
        name=(name or "").strip(),
        password_hash=password_hash,
        organisation=organisation,
        is_manager=is_manager,
        is_admin=is_admin,
        language=language if language in USER_LANGUAGES else getattr(organisation, "content_language", None) or "fi",
        target_group=target_group if target_group in TARGET_GROUPS else "other",
        active=True,
    )
    db.session.add(user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The person whose e-mail and password these are, else None (same answer for both mistakes).

    An inactive person is returned too: the caller says why they cannot sign in.
    """
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password or "") or user is None:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def set_password(user: User, password: str, field: str = "password") -> None:
    """Set a new password; every session and link of the person ends (the secret is rotated)."""
    check_password_rules(password, field, user_inputs=(user.email, user.name))
    user.password_hash = hash_password(password)
    user.rotate_secret()
    db.session.flush()


def sign_out_everywhere(user: User) -> None:
    """End every session and remember-me cookie of ``user`` on every device (and their open links)."""
    user.rotate_secret()
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a password after checking the current one. Raises DomainError beside the field at fault."""
    if not verify_password(user.password_hash, current_password or ""):
        raise DomainError(_("The current password is not correct."), field="current_password")
    set_password(user, new_password, field="new_password")


def update_profile(user: User, *, name: str, language: str, target_group: str) -> None:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter your name."), field="name")
    if language not in USER_LANGUAGES:
        raise DomainError(_("Choose a language from the list."), field="language")
    if target_group not in TARGET_GROUPS:
        raise DomainError(_("Choose a group from the list."), field="target_group")
    user.name, user.language, user.target_group = name, language, target_group
    db.session.flush()


def accept_invitation(user: User, *, name: str, password: str) -> None:
    """The invitee chooses their name and password; the invitation link stops working."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter your name."), field="name")
    user.name = name
    set_password(user, password)


def deactivate(user: User, *, acting: User | None) -> None:
    """``acting`` is None for an organisation's API token whose maker is gone."""
    if acting is not None and user.id == acting.id:
        raise DomainError(_("You cannot deactivate your own account."))
    user.active = False
    user.rotate_secret()  # a later reactivation does not bring old sessions or links back
    db.session.flush()


def reactivate(user: User) -> None:
    user.active = True
    db.session.flush()


# --- links -------------------------------------------------------------------


@dataclass(frozen=True)
class SentLink:
    """A link made for someone: ``mailed`` tells whether it went by e-mail. ``shareable`` is True only
    for invitations, which a manager may hand over themselves; a password link never leaves its
    owner's mailbox. Neither is ever written to a log."""

    user: User
    url: str
    mailed: bool
    shareable: bool = False


def invitation_url(user: User) -> str:
    return external_url("auth.accept_invitation", token=tokens.make_token(tokens.INVITATION, user))


def reset_url(user: User) -> str:
    return external_url("auth.reset_password", token=tokens.make_token(tokens.PASSWORD_RESET, user))


def send_invitation(user: User, *, inviter: User | None = None) -> SentLink:
    """Make an invitation link for ``user`` and queue it by mail (sent after the caller commits);
    without a mail server the caller shows it to the manager who invited (``shareable``)."""
    url = invitation_url(user)
    organisation = user.organisation.name if user.organisation else ""
    with force_locale(user.language):
        subject = _("Invitation to Kampus")
        body = render_template("emails/invitation.txt", user=user, url=url, inviter=inviter, organisation=organisation)
    return SentLink(user, url, send_mail(user.email, subject, body), shareable=True)


def send_password_reset(user: User) -> SentLink:
    """Queue a password link by mail to ``user``'s own address (sent after the caller commits);
    it is never shown to anyone else nor logged."""
    url = reset_url(user)
    with force_locale(user.language):
        subject = _("Choose a new Kampus password")
        body = render_template("emails/password_reset.txt", user=user, url=url)
    return SentLink(user, url, send_mail(user.email, subject, body))
