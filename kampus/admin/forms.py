"""Forms of the administrators' pages: organisations and their managers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from kampus.auth.forms import PersonForm


class OrganisationNameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the organisation's name.")), Length(max=200)])


class OrganisationForm(OrganisationNameForm):
    """A new organisation: its name and its short name."""

    slug = StringField(_l("Short name"), validators=[DataRequired(_l("Enter a short name.")), Length(max=80)])


class AppointManagerForm(PersonForm):
    """The person to make a manager: their e-mail address and, for someone new, their name."""
