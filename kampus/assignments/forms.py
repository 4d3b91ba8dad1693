"""Forms for path templates and assignments."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length, Optional

from kampus.forms import MultiCheckboxField


class TemplateForm(FlaskForm):
    title_fi = StringField(
        _l("Name in Finnish"), validators=[DataRequired(_l("Give the template a Finnish name.")), Length(max=200)]
    )
    title_sv = StringField(_l("Name in Swedish (optional)"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Name in English (optional)"), validators=[Optional(), Length(max=200)])
    description_fi = TextAreaField(_l("Description in Finnish (optional)"), validators=[Optional(), Length(max=2000)])
    description_sv = TextAreaField(_l("Description in Swedish (optional)"), validators=[Optional(), Length(max=2000)])
    description_en = TextAreaField(_l("Description in English (optional)"), validators=[Optional(), Length(max=2000)])
    target_group = SelectField(_l("Target group (optional)"), choices=[], validate_choice=True)
    themes = MultiCheckboxField(_l("Whole themes"), choices=[], validate_choice=False)
    modules = MultiCheckboxField(_l("Single modules"), choices=[], validate_choice=False)


class AssignmentForm(FlaskForm):
    template = SelectField(_l("Path template"), choices=[], coerce=int, validate_choice=False)
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    people = SelectMultipleField(
        _l("Or named people"),
        choices=[],
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    due = DateField(_l("Due date"), validators=[DataRequired(_l("Give a due date."))])
    note = TextAreaField(_l("Note to the learners (optional)"), validators=[Optional(), Length(max=2000)])


class ExtendForm(FlaskForm):
    due = DateField(_l("New due date"), validators=[DataRequired(_l("Give a due date."))])
