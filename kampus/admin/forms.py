"""Forms of the administrators' pages: organisations and their managers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the organisation's name.")), Length(max=200)])
    slug = StringField(_l("Short name"), validators=[DataRequired(_l("Enter a short name.")), Length(max=80)])


class OrganisationNameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the organisation's name.")), Length(max=200)])


class AppointManagerForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter the person's e-mail address.")),
            Email(_l("Enter an e-mail address like name@example.fi.")),
            Length(max=254),
        ],
    )
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=200)])
