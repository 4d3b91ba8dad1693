"""Forms of the token pages: a name that says where the token is used, and its scope."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(_l("Give the token a name that says where it is used.")), Length(max=100)],
    )
    scope = RadioField(
        _l("Permission"),
        choices=[("read", _l("Read only")), ("write", _l("Read and write"))],
        default="read",
        validators=[DataRequired(_l("Choose read or write."))],
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking is a button."""
