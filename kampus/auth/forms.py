"""Forms of the account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional


def show_domain_error(form, error, default: str | None = None) -> None:
    """Show a service's refusal (:class:`kampus.errors.DomainError`) beside its field, else beside
    the ``default`` field, or above the form."""
    field = error.field if error.field and error.field in form else default
    if field:
        form[field].errors = list(form[field].errors) + [error.message]
    else:
        form.form_errors.append(error.message)


def language_choices():
    from kampus.i18n import LANGUAGE_NAMES

    return [(code, name) for code, name in LANGUAGE_NAMES.items()]


def target_group_choices():
    return [
        ("teaching", _l("Teaching")),
        ("guidance", _l("Guidance and support")),
        ("management", _l("Management")),
        ("it", _l("IT staff")),
        ("other", _l("Other")),
    ]


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class SsoEmailForm(FlaskForm):
    """The sign-in page's e-mail alone: the first step towards an organisation's own sign-in."""

    email = EmailField(validators=[DataRequired(), Length(max=254)])


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    language = SelectField(_l("Language of the service"), choices=language_choices)
    target_group = SelectField(_l("My work"), choices=target_group_choices)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    new_password_again = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new_password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class SetPasswordForm(FlaskForm):
    """Choosing a password through a reset link."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class InvitationForm(SetPasswordForm):
    """The invitee's sign-up: name and password."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter an e-mail address like name@example.fi.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "username"},
    )


class WeeklyTimeForm(FlaskForm):
    """The person's weekly study time (the bounds are the planner's rule:
    :func:`kampus.paths.services.check_weekly_minutes`)."""

    minutes_per_week = IntegerField(
        _l("Weekly study time in minutes"),
        validators=[Optional()],
    )


class PersonForm(FlaskForm):
    """Someone to invite or appoint: their e-mail address and, optionally, their name."""

    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter the person's e-mail address.")),
            Email(_l("Enter an e-mail address like name@example.fi.")),
            Length(max=254),
        ],
    )
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=200)])
