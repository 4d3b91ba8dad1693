"""The authoring forms, and the conversion between the module form and an editor record.

The module form holds every field of a module in Finnish, Swedish and English,
its sections and its self-check questions (``FieldList`` of ``FormField``); a
question's choices are a nested list of (texts, correct) rows. Every translated
text is three fields side by side: the Finnish one (required) keeps the plain
name (``sections-0-body``), the others add the language (``sections-0-body_sv``). Blank choice
rows are ignored, so the form can always offer one empty row to type into.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from kampus.catalogue.models import KINDS, LEVELS, TARGET_GROUPS
from kampus.i18n import as_map

LANGUAGES = ("fi", "sv", "en")
DEFAULT_PASS_MARK = 70


def _lang(lang: str) -> dict:
    return {"lang": lang}


class ChoiceForm(Form):
    text = StringField(_l("Choice in Finnish"), render_kw=_lang("fi"), validators=[Optional(), Length(max=500)])
    text_sv = StringField(_l("Choice in Swedish"), render_kw=_lang("sv"), validators=[Optional(), Length(max=500)])
    text_en = StringField(_l("Choice in English"), render_kw=_lang("en"), validators=[Optional(), Length(max=500)])
    correct = BooleanField(_l("Correct answer"))


class QuestionForm(Form):
    id = HiddenField()
    prompt = TextAreaField(
        _l("Question in Finnish"),
        render_kw=_lang("fi"),
        validators=[DataRequired(_l("Write the question.")), Length(max=2000)],
    )
    prompt_sv = TextAreaField(
        _l("Question in Swedish"), render_kw=_lang("sv"), validators=[Optional(), Length(max=2000)]
    )
    prompt_en = TextAreaField(
        _l("Question in English"), render_kw=_lang("en"), validators=[Optional(), Length(max=2000)]
    )
    choices = FieldList(FormField(ChoiceForm))
    explanation = TextAreaField(
        _l("Explanation in Finnish"), render_kw=_lang("fi"), validators=[Optional(), Length(max=4000)]
    )
    explanation_sv = TextAreaField(
        _l("Explanation in Swedish"), render_kw=_lang("sv"), validators=[Optional(), Length(max=4000)]
    )
    explanation_en = TextAreaField(
        _l("Explanation in English"), render_kw=_lang("en"), validators=[Optional(), Length(max=4000)]
    )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        filled = [c for c in self.choices if (c.form.text.data or "").strip()]
        if any(not (c.form.text.data or "").strip() and _has_translation(c.form, "text") for c in self.choices):
            self.form_errors.append(_l("A choice with a Swedish or English text needs its Finnish text too."))
            ok = False
        if len(filled) < 2:
            self.form_errors.append(_l("Give at least two choices."))
            ok = False
        elif not any(c.form.correct.data for c in filled):
            self.form_errors.append(_l("Mark at least one choice as correct."))
            ok = False
        return ok


class SectionForm(Form):
    id = HiddenField()
    title = StringField(
        _l("Section title in Finnish"),
        render_kw=_lang("fi"),
        validators=[DataRequired(_l("Give the section a title.")), Length(max=200)],
    )
    title_sv = StringField(
        _l("Section title in Swedish"), render_kw=_lang("sv"), validators=[Optional(), Length(max=200)]
    )
    title_en = StringField(
        _l("Section title in English"), render_kw=_lang("en"), validators=[Optional(), Length(max=200)]
    )
    body = TextAreaField(
        _l("Material in Finnish (Markdown)"),
        render_kw=_lang("fi"),
        validators=[DataRequired(_l("Write the section's material.")), Length(max=100_000)],
    )
    body_sv = TextAreaField(
        _l("Material in Swedish (Markdown)"), render_kw=_lang("sv"), validators=[Optional(), Length(max=100_000)]
    )
    body_en = TextAreaField(
        _l("Material in English (Markdown)"), render_kw=_lang("en"), validators=[Optional(), Length(max=100_000)]
    )


#: The form's field for a translated text in a language: the Finnish one (required) has the plain name.
def field_name(name: str, lang: str) -> str:
    return name if lang == "fi" else f"{name}_{lang}"


def _has_translation(form, name: str) -> bool:
    return any((form[field_name(name, lang)].data or "").strip() for lang in LANGUAGES if lang != "fi")


class ModuleForm(FlaskForm):
    edit_version = HiddenField()
    slug = StringField(
        _l("Short name in the address"), validators=[DataRequired(_l("Give the module a short name.")), Length(max=80)]
    )
    theme = SelectField(_l("Theme"), choices=[], validators=[DataRequired(_l("Choose a theme."))])
    position = IntegerField(
        _l("Position in the theme"),
        default=1,
        validators=[InputRequired(_l("Give a whole number from 1.")), NumberRange(min=1, max=10_000)],
    )
    title_fi = StringField(
        _l("Title in Finnish"), validators=[DataRequired(_l("The Finnish title is required.")), Length(max=200)]
    )
    title_sv = StringField(_l("Title in Swedish"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    summary_fi = TextAreaField(_l("Summary in Finnish"), validators=[Optional(), Length(max=2000)])
    summary_sv = TextAreaField(_l("Summary in Swedish"), validators=[Optional(), Length(max=2000)])
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(), Length(max=2000)])
    level = SelectField(_l("Level"), choices=[(level, level) for level in LEVELS])
    minutes = IntegerField(
        _l("Estimated minutes"),
        default=30,
        validators=[InputRequired(_l("Give a whole number from 1.")), NumberRange(min=1, max=100_000)],
    )
    target_groups = SelectMultipleField(_l("Target groups"), choices=[(g, g) for g in TARGET_GROUPS])
    competences = StringField(_l("DigCompEdu competences (optional)"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=[])
    reflection = TextAreaField(
        _l("Reflection prompt in Finnish (optional)"),
        render_kw={"lang": "fi"},
        validators=[Optional(), Length(max=4000)],
    )
    reflection_sv = TextAreaField(
        _l("Reflection prompt in Swedish"), render_kw={"lang": "sv"}, validators=[Optional(), Length(max=4000)]
    )
    reflection_en = TextAreaField(
        _l("Reflection prompt in English"), render_kw={"lang": "en"}, validators=[Optional(), Length(max=4000)]
    )
    pass_mark = IntegerField(
        _l("Pass mark in percent"), default=DEFAULT_PASS_MARK, validators=[Optional(), NumberRange(min=1, max=100)]
    )
    sections = FieldList(FormField(SectionForm))
    questions = FieldList(FormField(QuestionForm))


def _text(value) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def _map(form, name: str, *, markdown: bool = False) -> dict:
    """The ``{fi, sv, en}`` map of a translated field (``name``, ``name_sv``, ``name_en``), blanks left out."""
    texts = {lang: _text(form[field_name(name, lang)].data) for lang in LANGUAGES}
    return {lang: text + "\n" if markdown else text for lang, text in texts.items() if text}


def form_to_record(form: ModuleForm, *, slug: str | None = None) -> dict:
    """The typed form as an editor record (the catalogue's import format, plus row ids)."""
    questions = []
    for entry in form.questions:
        q = entry.form
        filled = [c.form for c in q.choices if _text(c.form.text.data)]
        questions.append(
            {
                "id": q.id.data or None,
                "prompt": _map(q, "prompt"),
                "choices": [_map(c, "text") for c in filled],
                "correct": [i for i, c in enumerate(filled) if c.correct.data],
                "explanation": _map(q, "explanation"),
            }
        )
    competences = [c.strip() for c in (form.competences.data or "").split(",") if c.strip()]
    return {
        "slug": slug if slug is not None else _text(form.slug.data),
        "theme": form.theme.data,
        "position": form.position.data,
        "title": {lang: _text(form[f"title_{lang}"].data) for lang in LANGUAGES if _text(form[f"title_{lang}"].data)},
        "summary": {
            lang: _text(form[f"summary_{lang}"].data) for lang in LANGUAGES if _text(form[f"summary_{lang}"].data)
        },
        "level": form.level.data,
        "minutes": form.minutes.data,
        "target_groups": [g for g in TARGET_GROUPS if g in (form.target_groups.data or [])],
        "status": form.status.data,
        "competences": competences,
        "sections": [
            {"id": s.form.id.data or None, "title": _map(s.form, "title"), "body": _map(s.form, "body", markdown=True)}
            for s in form.sections
        ],
        "self_check": (
            {"pass_mark": form.pass_mark.data or DEFAULT_PASS_MARK, "questions": questions} if questions else None
        ),
        "reflection": _map(form, "reflection") or None,
    }


def _fields(name: str, value) -> dict:
    """A stored translated text as the form's fields ``name``, ``name_sv``, ``name_en``."""
    texts = as_map(value)
    return {field_name(name, lang): texts.get(lang, "") for lang in LANGUAGES}


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
        **_fields("reflection", module.reflection),
        "pass_mark": module.pass_mark or DEFAULT_PASS_MARK,
        "sections": [
            {"id": str(s.id), **_fields("title", s.title), **_fields("body", s.body)} for s in module.sections
        ],
        "questions": [
            {
                "id": str(q.id),
                **_fields("prompt", q.prompt),
                **_fields("explanation", q.explanation),
                "choices": [
                    {**_fields("text", c), "correct": i in (q.correct or [])} for i, c in enumerate(q.choices or [])
                ],
            }
            for q in module.questions
        ],
    }


def _blank_choice() -> dict:
    return {"text": "", "text_sv": "", "text_en": "", "correct": False}


def _choice_is_blank(choice: dict) -> bool:
    return not any((choice.get(field_name("text", lang)) or "").strip() for lang in LANGUAGES)


def pad_choices(data: dict, minimum: int = 3) -> dict:
    """Drop blank choices and add empty rows: at least ``minimum``, always one blank to type into."""
    for question in data.get("questions", []):
        given = question.get("choices", [])
        choices = [c for c in given if not _choice_is_blank(c)]
        blanks = max(1, minimum - len(choices), len(given) - len(choices))
        question["choices"] = choices + [_blank_choice() for _ in range(blanks)]
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
        items.append({"id": "", **{field_name(n, lang): "" for n in ("title", "body") for lang in LANGUAGES}})
    elif verb == "add" and kind == "question":
        items.append(
            {
                "id": "",
                **{field_name(n, lang): "" for n in ("prompt", "explanation") for lang in LANGUAGES},
                "choices": [],
            }
        )
    elif verb == "add" and kind == "choice" and i is not None and 0 <= i < len(items):
        items[i].setdefault("choices", []).append(_blank_choice())
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
    position = IntegerField(
        _l("Position"), validators=[InputRequired(_l("Give a whole number from 1.")), NumberRange(min=1, max=1000)]
    )
    title_fi = StringField(
        _l("Title in Finnish"), validators=[DataRequired(_l("The Finnish title is required.")), Length(max=200)]
    )
    title_sv = StringField(_l("Title in Swedish"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    description_fi = TextAreaField(_l("Description in Finnish"), validators=[Optional(), Length(max=4000)])
    description_sv = TextAreaField(_l("Description in Swedish"), validators=[Optional(), Length(max=4000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=4000)])


class PrerequisiteForm(FlaskForm):
    """Add a prerequisite to the module being edited (``before`` comes first)."""

    before = SelectField(
        _l("Module that comes first"),
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose a module."))],
    )
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
