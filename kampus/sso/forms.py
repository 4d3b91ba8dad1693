"""The administrator's form for an organisation's OpenID Connect sign-in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class OidcProviderForm(FlaskForm):
    name = StringField(
        _l("Name shown on the sign-in page"),
        validators=[DataRequired(_l("Enter a name people recognise, like the organisation's name.")), Length(max=200)],
    )
    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(_l("Enter a short name.")), Length(max=80)],
    )
    email_domains = StringField(_l("E-mail domains"), validators=[Optional(), Length(max=2000)])
    issuer = StringField(_l("Issuer"), validators=[DataRequired(_l("Enter the issuer's address.")), Length(max=500)])
    client_id = StringField(
        _l("Client id"),
        validators=[DataRequired(_l("Enter the client id the identity provider gave.")), Length(max=255)],
    )
    auth_method = SelectField(
        _l("How Kampus proves who it is"),
        choices=[
            ("client_secret_basic", _l("Client secret (client_secret_basic)")),
            ("private_key_jwt", _l("Private key (private_key_jwt)")),
        ],
    )
    client_secret = PasswordField(_l("Client secret"), validators=[Optional(), Length(max=500)])
    private_key = TextAreaField(_l("Private key (PEM)"), validators=[Optional(), Length(max=10000)])
    scopes = StringField(_l("Scopes"), default="openid email profile", validators=[Optional(), Length(max=500)])
    email_claim = StringField(_l("Claim with the e-mail address"), default="email", validators=[Length(max=100)])
    name_claim = StringField(_l("Claim with the name"), default="name", validators=[Length(max=100)])
    roles_claim = StringField(_l("Claim with groups or roles"), validators=[Optional(), Length(max=100)])
    manager_values = TextAreaField(_l("Values that make a person a manager"), validators=[Length(max=5000)])
    trust_email = BooleanField(_l("The provider vouches for the e-mail addresses of these domains"))
    require_sso = BooleanField(_l("Staff must sign in here (no passwords, administrators excepted)"))
    enabled = BooleanField(_l("Switched on"), default=True)


class RemoveProviderForm(FlaskForm):
    """The remove button (CSRF only)."""
