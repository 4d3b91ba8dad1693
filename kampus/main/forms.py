"""Forms of the public pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class AccessibilityFeedbackForm(FlaskForm):
    message = TextAreaField(
        _l("Your feedback"),
        validators=[
            DataRequired(_l("Write your feedback.")),
            Length(max=5000, message=_l("At most 5,000 characters.")),
        ],
    )
    page = StringField(_l("Page or service concerned (optional)"), validators=[Optional(), Length(max=500)])
    email = EmailField(
        _l("Your e-mail address for a reply (optional)"),
        validators=[Optional(), Email(_l("Enter an e-mail address like name@example.fi.")), Length(max=254)],
    )
