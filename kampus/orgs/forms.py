"""Forms of the manager pages.

Fields that carry ids of teams or people are not validated against a list of
choices here: the view loads them through the manager's organisation, so an id
from elsewhere gives 404 rather than a form error.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from kampus.auth.forms import PersonForm


class InviteForm(PersonForm):
    team = SelectField(_l("Team (optional)"), choices=[], validate_choice=False)


class SettingsForm(FlaskForm):
    """The organisation's own settings (managers)."""

    content_language = SelectField(_l("Default language of the material"), choices=[])


class TeamNameForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(_l("Enter a name for the team.")), Length(max=120)])


class AddMemberForm(FlaskForm):
    """One add button per person found by the team page's search (no list of the whole staff)."""

    user_id = HiddenField(validators=[DataRequired(_l("Choose a person."))])


class ImportUploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class ImportConfirmForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])
