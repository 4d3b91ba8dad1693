"""Forms: a learner's request for recognition, a manager's decision, the organisation's setting."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kampus.recognition.models import COMMENT_MAX, EVIDENCE_MAX, LINK_MAX


class RequestForm(FlaskForm):
    evidence = TextAreaField(
        _l("What shows that you already know this?"),
        validators=[
            DataRequired(_l("Describe what you have done that shows you know this.")),
            Length(max=EVIDENCE_MAX, message=_l("Keep the description under %(max)d characters.")),
        ],
    )
    link = StringField(_l("Link to your evidence (optional)"), validators=[Optional(), Length(max=LINK_MAX)])


class DecisionForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment to the learner (required when rejecting)"),
        validators=[Optional(), Length(max=COMMENT_MAX, message=_l("Keep the comment under %(max)d characters."))],
    )


class SettingsForm(FlaskForm):
    require_approval = BooleanField(_l("Self-assessment recognitions need a manager's approval"))
