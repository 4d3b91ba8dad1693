"""Signing in and out, the account page, invitation and password-reset links.

Failed sign-ins are limited per address (``LOGIN_ADDRESS_RATE_LIMIT``) and per
(account, address) pair (``LOGIN_RATE_LIMIT``); only failures count, so a school
whose staff all sign in from one address at eight o'clock is not locked out, and
when a limit is reached the sign-in page itself says so (status 429). Failures
at one account from many addresses never lock its owner out: they slow every
further attempt at that account down (:mod:`kampus.auth.throttle`).

Signing out, "sign out everywhere", a password change or reset and deactivation
rotate the person's secret, which ends every session and remember-me cookie of
theirs on every device.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from kampus.auth import services, throttle, tokens
from kampus.auth.access import home_url, require_login
from kampus.auth.forms import (
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    SetPasswordForm,
    SsoEmailForm,
    WeeklyTimeForm,
    show_domain_error,
)
from kampus.auth.models import AnonymousUser, User, normalise_email, parse_session_id, session_holds
from kampus.errors import DomainError
from kampus.extensions import db, limiter, login_manager
from kampus.security import safe_next
from kampus.sso import services as sso_services

bp = Blueprint("auth", __name__)

login_manager.anonymous_user = AnonymousUser
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Sessions and remember-me cookies carry ``id:fingerprint`` (of the per-user secret); rotating
    the secret (sign-out, password change, deactivation) ends every session of that person."""
    parsed = parse_session_id(user_id)
    if parsed is None:
        return None
    identifier, fingerprint = parsed
    user = db.session.get(User, identifier)
    if user is None or not session_holds(user.active, user.secret, user.password_hash, fingerprint):
        return None
    return user


def login_rate_limit() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT", "5 per minute")


def login_address_rate_limit() -> str:
    return current_app.config.get("LOGIN_ADDRESS_RATE_LIMIT", "20 per minute")


def login_pair_key() -> str:
    """One account tried from one address."""
    return f"login-pair:{get_remote_address()}|" + normalise_email(request.form.get("email"))[:254]


def failed_attempt(response) -> bool:
    """A sign-in that did not succeed (success redirects)."""
    return response.status_code != 302


def wrong_credentials_message() -> str:
    return _("The e-mail address or password is not correct.")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_address_rate_limit, key_func=get_remote_address, methods=["POST"], deduct_when=failed_attempt)
@limiter.limit(
    login_rate_limit, key_func=login_pair_key, methods=["POST"], deduct_when=failed_attempt, scope="login-pair"
)
def login():
    next_url = request.args.get("next")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(next_url, home_url()))
    form = LoginForm()
    if request.method == "POST" and (request.form.get("action") == "sso" or not request.form.get("password")):
        # E-mail first: an address of an organisation with its own sign-in goes there, no password asked.
        email_form = SsoEmailForm()
        if email_form.validate_on_submit():
            provider = sso_services.provider_for_email(email_form.email.data)
            if provider is not None:
                return redirect(
                    url_for(
                        "sso.start",
                        slug=provider.slug,
                        next=safe_next(next_url, "") or None,
                        login_hint=normalise_email(email_form.email.data),
                    )
                )
            if request.form.get("action") == "sso":
                form.email.errors = [
                    _("%(email)s has no organisation sign-in. Sign in with your password.", email=email_form.email.data)
                ]
                return _login_page(form, next_url)
        elif request.form.get("action") == "sso":  # the organisation button without an address: ask only for it
            form.email.errors = [_("Enter your e-mail address.")]
            return _login_page(form, next_url)
    if form.validate_on_submit():
        account = normalise_email(form.email.data)
        throttle.slow_down(account)
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.record_failure(account)
            form.password.errors.append(wrong_credentials_message())
        elif not user.active:
            form.email.errors.append(_("This account has been deactivated. Ask your organisation's manager."))
        elif (required := sso_services.sso_required_for(user)) is not None:
            assert user.organisation is not None  # sso_required_for gives None to a person without one
            form.email.errors.append(
                _(
                    "%(organisation)s signs its staff in through %(provider)s, not with a password. "
                    "Choose “Sign in with your organisation”.",
                    organisation=user.organisation.name,
                    provider=required.name,
                )
            )
        else:
            db.session.commit()  # a rehashed password
            throttle.forget_failures(account)
            _start_session(user, remember=bool(form.remember.data))
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(next_url, home_url()))
    return _login_page(form, next_url)


def _login_page(form: LoginForm, next_url: str | None, status: int = 200, **context):
    form.password.data = ""
    return render_template(
        "auth/login.html", form=form, next_url=next_url, sso_providers=sso_services.enabled_providers(), **context
    ), status


@bp.errorhandler(429)
def too_many_attempts(error):
    """The sign-in page with the reason, rather than a bare 429."""
    if request.endpoint != "auth.login":
        return render_template(
            "errors/error.html",
            code=429,
            title=_("Too many attempts"),
            message=_("Too many attempts in a short time. Wait a minute and try again."),
        ), 429
    return _login_page(
        LoginForm(),
        request.args.get("next"),
        429,
        blocked_message=_("Too many failed sign-in attempts. Wait a minute and try again."),
    )


def _end_sessions_here_and_everywhere() -> None:
    """Rotate the signed-in person's secret (every copy of their session and remember-me
    cookie stops working), then clear this browser's session."""
    if current_user.is_authenticated:
        services.sign_out_everywhere(current_user._get_current_object())
        db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.post("/logout")
def logout():
    _end_sessions_here_and_everywhere()
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.landing"))


@bp.post("/account/sign-out-everywhere")
def sign_out_everywhere():
    """The account page's button: every device and browser where this person is signed in."""
    require_login()
    _end_sessions_here_and_everywhere()
    flash(_("You have signed out on every device. Sign in again to go on."), "success")
    return redirect(url_for("auth.login"))


# --- the account page ----------------------------------------------------------


def _account_page(
    user: User,
    profile: ProfileForm | None = None,
    password: PasswordChangeForm | None = None,
    status=200,
    weekly: WeeklyTimeForm | None = None,
):
    profile = profile or ProfileForm(formdata=None, obj=user)
    password = password or PasswordChangeForm(formdata=None)
    weekly = weekly or WeeklyTimeForm(formdata=None, minutes_per_week=user.minutes_per_week)
    return render_template(
        "auth/account.html", user=user, profile=profile, password_form=password, weekly_form=weekly
    ), status


def account_page(user: User, *, weekly: WeeklyTimeForm, status: int = 400):
    """The account page again with a rejected weekly-time form (its handler is the planner's, in paths)."""
    return _account_page(user, weekly=weekly, status=status)


@bp.route("/account", methods=["GET", "POST"])
def account():
    user = require_login()
    if request.method == "GET":
        return _account_page(user)
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(
                user, name=form.name.data, language=form.language.data, target_group=form.target_group.data
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            session["lang"] = user.language
            db.session.commit()
            flash(_("Your details were saved."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(user, profile=form)


@bp.post("/account/password")
def change_password():
    user = require_login()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            login_user(user)  # the session carries the new fingerprint; other sessions end
            flash(_("Your password was changed."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(user, password=form)


# --- links sent by e-mail --------------------------------------------------------


def _link_refused(error: Exception):
    if isinstance(error, tokens.LinkExpired):
        title, message = (
            _("The link has expired"),
            _(
                "Links are valid for seven days. Ask your organisation's manager for a new invitation, "
                "or request a new password link."
            ),
        )
    else:
        title, message = (
            _("The link does not work"),
            _(
                "The link is incomplete or it has already been used. Check that you copied the whole address, "
                "or ask for a new link."
            ),
        )
    return render_template("auth/link_refused.html", title=title, message=message), 400


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        user = tokens.read_token(tokens.INVITATION, token)
    except (tokens.LinkExpired, tokens.LinkInvalid) as error:
        return _link_refused(error)
    form = InvitationForm(data={"name": user.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.accept_invitation(user, name=form.name.data, password=form.password.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()  # the new password rotated the secret: the link and any old session end
            _start_session(user)
            flash(_("Your account is ready. Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), home_url()))
    return render_template("auth/invitation.html", form=form, user=user, token=token, next_url=request.args.get("next"))


def _start_session(user: User, *, remember: bool = False) -> None:
    """A fresh session for ``user`` (no fixation), keeping only the chosen language."""
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, key_func=get_remote_address, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        # No password links for staff whose organisation requires its own sign-in (they have no use for one).
        if user is not None and user.active and user.has_signed_up and sso_services.sso_required_for(user) is None:
            services.send_password_reset(user)
            db.session.commit()  # the mail leaves after the commit (the outbox)
        # The same answer whether or not the address has an account.
        flash(_("If the address has an account, a link to choose a new password is on its way to it."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = tokens.read_token(tokens.PASSWORD_RESET, token)
    except (tokens.LinkExpired, tokens.LinkInvalid) as error:
        return _link_refused(error)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password was changed. Sign in with the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, token=token)
