"""The authoring forms, and the conversion between the module form and an editor record.

The module form holds every field of a module in Finnish, Swedish and English,
its sections and its self-check questions (``FieldList`` of ``FormField``); a
question's choices are a nested list of (text, correct) pairs. Blank choice
rows are ignored, so the form can always offer one empty row to type into.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, SelectMultipleField,
    StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from kampus.catalogue.models import KINDS, LEVELS, TARGET_GROUPS

LANGUAGES = ("fi", "sv", "en")
DEFAULT_PASS_MARK = 70


class ChoiceForm(Form):
    text = StringField(_l("Choice"), validators=[Optional(), Length(max=500)])
    correct = BooleanField(_l("Correct answer"))


class QuestionForm(Form):
    id = HiddenField()
    prompt = TextAreaField(_l("Question"), validators=[DataRequired(_l("Write the question.")), Length(max=2000)])
    choices = FieldList(FormField(ChoiceForm))
    explanation = TextAreaField(_l("Explanation shown after answering"), validators=[Optional(), Length(max=4000)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        filled = [c for c in self.choices if (c.form.text.data or "").strip()]
        if len(filled) < 2:
            self.form_errors.append(_l("Give at least two choices."))
            ok = False
        elif not any(c.form.correct.data for c in filled):
            self.form_errors.append(_l("Mark at least one choice as correct."))
            ok = False
        return ok


class SectionForm(Form):
    id = HiddenField()
    title = StringField(_l("Section title"), validators=[DataRequired(_l("Give the section a title.")), Length(max=200)])
    body = TextAreaField(_l("Material (Markdown)"), validators=[DataRequired(_l("Write the section's material.")),
                                                                  Length(max=100_000)])


class ModuleForm(FlaskForm):
    edit_version = HiddenField()
    slug = StringField(_l("Short name in the address"), validators=[DataRequired(_l("Give the module a short name.")),
                                                                    Length(max=80)])
    theme = SelectField(_l("Theme"), choices=[], validators=[DataRequired(_l("Choose a theme."))])
    position = IntegerField(_l("Position in the theme"), default=1,
                            validators=[InputRequired(_l("Give a whole number from 1.")), NumberRange(min=1, max=10_000)])
    title_fi = StringField(_l("Title in Finnish"), validators=[DataRequired(_l("The Finnish title is required.")),
                                                               Length(max=200)])
    title_sv = StringField(_l("Title in Swedish"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    summary_fi = TextAreaField(_l("Summary in Finnish"), validators=[Optional(), Length(max=2000)])
    summary_sv = TextAreaField(_l("Summary in Swedish"), validators=[Optional(), Length(max=2000)])
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(), Length(max=2000)])
    level = SelectField(_l("Level"), choices=[(level, level) for level in LEVELS])
    minutes = IntegerField(_l("Estimated minutes"), default=30,
                           validators=[InputRequired(_l("Give a whole number from 1.")), NumberRange(min=1, max=100_000)])
    target_groups = SelectMultipleField(_l("Target groups"), choices=[(g, g) for g in TARGET_GROUPS])
    competences = StringField(_l("DigCompEdu competences (optional)"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=[])
    reflection = TextAreaField(_l("Reflection prompt (optional)"), validators=[Optional(), Length(max=4000)])
    pass_mark = IntegerField(_l("Pass mark in percent"), default=DEFAULT_PASS_MARK,
                             validators=[Optional(), NumberRange(min=1, max=100)])
    sections = FieldList(FormField(SectionForm))
    questions = FieldList(FormField(QuestionForm))


def form_to_record(form: ModuleForm, *, slug: str | None = None) -> dict:
    """The typed form as an editor record (the catalogue's import format, plus row ids)."""
    def text(value) -> str:
        return (value or "").replace("\r\n", "\n").strip()

    questions = []
    for entry in form.questions:
        q = entry.form
        filled = [c.form for c in q.choices if text(c.form.text.data)]
        questions.append({
            "id": q.id.data or None,
            "prompt": text(q.prompt.data),
            "choices": [text(c.text.data) for c in filled],
            "correct": [i for i, c in enumerate(filled) if c.correct.data],
            "explanation": text(q.explanation.data),
        })
    competences = [c.strip() for c in (form.competences.data or "").split(",") if c.strip()]
    return {
        "slug": slug if slug is not None else text(form.slug.data),
        "theme": form.theme.data,
        "position": form.position.data,
        "title": {lang: text(form[f"title_{lang}"].data) for lang in LANGUAGES if text(form[f"title_{lang}"].data)},
        "summary": {lang: text(form[f"summary_{lang}"].data) for lang in LANGUAGES if text(form[f"summary_{lang}"].data)},
        "level": form.level.data,
        "minutes": form.minutes.data,
        "target_groups": [g for g in TARGET_GROUPS if g in (form.target_groups.data or [])],
        "status": form.status.data,
        "competences": competences,
        "sections": [
            {"id": s.form.id.data or None, "title": text(s.form.title.data), "body": text(s.form.body.data) + "\n"}
            for s in form.sections
        ],
        "self_check": (
            {"pass_mark": form.pass_mark.data or DEFAULT_PASS_MARK, "questions": questions} if questions else None
        ),
        "reflection": text(form.reflection.data) or None,
    }


def module_to_data(module) -> dict:
    """A saved module as the form's data (for the first view of the editor)."""
    return {
        "edit_version": str(module.edit_version),
        "slug": module.slug,
        "theme": module.theme.slug,
        "position": module.position,
        **{f"title_{lang}": (module.title or {}).get(lang, "") for lang in LANGUAGES},
        **{f"summary_{lang}": (module.summary or {}).get(lang, "") for lang in LANGUAGES},
        "level": module.level,
        "minutes": module.minutes,
        "target_groups": list(module.target_groups or []),
        "competences": ", ".join(module.competences or []),
        "status": module.status,
        "reflection": module.reflection or "",
        "pass_mark": module.pass_mark or DEFAULT_PASS_MARK,
        "sections": [{"id": str(s.id), "title": s.title, "body": s.body} for s in module.sections],
        "questions": [
            {
                "id": str(q.id), "prompt": q.prompt, "explanation": q.explanation or "",
                "choices": [{"text": c, "correct": i in (q.correct or [])} for i, c in enumerate(q.choices or [])],
            }
            for q in module.questions
        ],
    }


def pad_choices(data: dict, minimum: int = 3) -> dict:
    """Drop blank choices and add empty rows: at least ``minimum``, always one blank to type into."""
    for question in data.get("questions", []):
        given = question.get("choices", [])
        choices = [c for c in given if (c.get("text") or "").strip()]
        blanks = max(1, minimum - len(choices), len(given) - len(choices))
        question["choices"] = choices + [{"text": "", "correct": False} for _ in range(blanks)]
    return data


def restructure(data: dict, action: str) -> dict:
    """Apply an editor button (``add-section``, ``up-question-2``, ``add-choice-0`` …) to the form's data."""
    verb, _, rest = action.partition("-")
    kind, _, index = rest.partition("-")
    lists = {"section": "sections", "question": "questions", "choice": "questions"}
    if kind not in lists:
        return data
    items = data.setdefault(lists[kind], [])
    try:
        i = int(index) if index else None
    except ValueError:
        return data
    if verb == "add" and kind == "section":
        items.append({"id": "", "title": "", "body": ""})
    elif verb == "add" and kind == "question":
        items.append({"id": "", "prompt": "", "explanation": "", "choices": []})
    elif verb == "add" and kind == "choice" and i is not None and 0 <= i < len(items):
        items[i].setdefault("choices", []).append({"text": "", "correct": False})
    elif i is None or not 0 <= i < len(items):
        return data
    elif verb == "remove":
        items.pop(i)
    elif verb == "up" and i > 0:
        items[i - 1], items[i] = items[i], items[i - 1]
    elif verb == "down" and i + 1 < len(items):
        items[i + 1], items[i] = items[i], items[i + 1]
    return data


class ThemeForm(FlaskForm):
    position = IntegerField(_l("Position"), validators=[InputRequired(_l("Give a whole number from 1.")),
                                                        NumberRange(min=1, max=1000)])
    title_fi = StringField(_l("Title in Finnish"), validators=[DataRequired(_l("The Finnish title is required.")),
                                                               Length(max=200)])
    title_sv = StringField(_l("Title in Swedish"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    description_fi = TextAreaField(_l("Description in Finnish"), validators=[Optional(), Length(max=4000)])
    description_sv = TextAreaField(_l("Description in Swedish"), validators=[Optional(), Length(max=4000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=4000)])


class PrerequisiteForm(FlaskForm):
    """Add a prerequisite to the module being edited (``before`` comes first)."""

    before = SelectField(_l("Module that comes first"), choices=[], validate_choice=False,
                         validators=[DataRequired(_l("Choose a module."))])
    kind = SelectField(_l("Kind"), choices=[(k, k) for k in KINDS], default="required")


class ChangeForm(FlaskForm):
    """A checked change carried to the confirmation: what, and the catalogue version it was checked on."""

    action = HiddenField(validators=[DataRequired()])
    before = HiddenField(validators=[DataRequired()])
    after = HiddenField(validators=[DataRequired()])
    kind = HiddenField(validators=[DataRequired()])
    version = HiddenField(validators=[DataRequired()])


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Catalogue file (YAML)"), validators=[FileRequired(_l("Choose a YAML file."))])


class ImportConfirmForm(FlaskForm):
    text = HiddenField(validators=[DataRequired()])
    name = HiddenField(validators=[DataRequired(), Length(max=200)])
    version = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (delete)."""
