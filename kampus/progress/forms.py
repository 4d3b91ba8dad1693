"""Forms of the study pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class ReflectionForm(FlaskForm):
    text = TextAreaField(
        _l("Your reflection"),
        validators=[DataRequired(_l("Write your reflection before saving.")), Length(max=10000)],
    )


class RatingForm(FlaskForm):
    rating = RadioField(
        _l("Rating"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired(_l("Choose a rating from 1 to 5."))],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=5000)])
