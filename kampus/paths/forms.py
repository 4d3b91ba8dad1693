"""Forms of the learner's paths and self-assessment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from kampus.forms import MultiCheckboxField


class PathForm(FlaskForm):
    title = StringField(_l("Name of the path"), validators=[DataRequired(_l("Give the path a name.")), Length(max=200)])
    themes = MultiCheckboxField(_l("Whole themes"), choices=[], validate_choice=False)
    modules = MultiCheckboxField(_l("Single modules"), choices=[], validate_choice=False)
    minutes_per_week = IntegerField(
        _l("Weekly study time in minutes (optional)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=2400, message=_l("Weekly time must be between 1 and 2,400 minutes.")),
        ],
    )
    due = DateField(_l("Target date (optional)"), validators=[Optional()])
