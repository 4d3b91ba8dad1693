"""Forms every feature uses: a form of only the CSRF token, and a list of checkboxes."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
