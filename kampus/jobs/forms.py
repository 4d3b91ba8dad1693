"""The form that starts a background job: the CSRF token and a key fresh for each page, so
a double submit of the same page starts one job (:func:`kampus.jobs.progress.start`)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length


class StartJobForm(FlaskForm):
    submit_key = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])
