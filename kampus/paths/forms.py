"""Forms of the learner's paths and self-assessment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def fill_goal_choices(form) -> dict:
    """Offer every theme and published module as a goal on ``form`` (its ``themes`` and
    ``modules`` fields); returns what the goal picker macro draws: ``overview`` and
    ``grouped`` (theme slug → its published modules in order)."""
    from kampus.catalogue.services import catalogue_graph, modules_by_slug, theme_overview
    from kampus.templating import localized

    overview = theme_overview()
    graph = catalogue_graph()
    rows = modules_by_slug([s for s, d in graph.nodes(data=True) if d.get("status") == "published"])
    grouped = {
        item.theme.slug: sorted((m for m in rows.values() if m.theme_id == item.theme.id), key=lambda m: m.position)
        for item in overview
    }
    form.themes.choices = [(item.theme.slug, localized(item.theme.title)) for item in overview]
    form.modules.choices = [(m.slug, localized(m.title)) for ms in grouped.values() for m in ms]
    return {"overview": overview, "grouped": grouped}


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


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""
