"""Reading catalogue YAML (the seed, import and export format) into checked data.

Pure parsing and field validation: no database. Every problem is reported with
the file, the item (a slug, or an edge ``a → b``) and the field, so an author
can find and fix it; the message is in the reader's language (English outside a
request). Translated texts — titles, summaries, descriptions, section titles and
bodies, question prompts, each choice, explanations and the reflection prompt —
are ``{fi, sv, en}`` maps; a plain string is read as the Finnish text. Graph-level checks
(unknown modules, cycles) happen in
:mod:`kampus.catalogue.importer`, which knows the current catalogue too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import yaml
from flask_babel import gettext as _

from kampus.catalogue.models import KINDS, LEVELS, STATUSES, TARGET_GROUPS
from kampus.catalogue.safe_yaml import MAX_DEPTH, load_yaml

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TRANSLATED = ("fi", "sv", "en")
#: The keys each kind of item may have; any other key is refused (a typo must not drop content silently).
ITEM_KEYS = {
    "theme": ("slug", "position", "title", "description"),
    "module": (
        "slug",
        "theme",
        "position",
        "title",
        "summary",
        "level",
        "minutes",
        "target_groups",
        "status",
        "competences",
        "sections",
        "self_check",
        "reflection",
    ),
    "section": ("title", "body"),
    "self_check": ("pass_mark", "questions", "ask", "test_out_pass_mark"),
    "question": ("prompt", "choices", "correct", "explanation"),
    "prerequisite": ("before", "after", "kind"),
}
#: Longest quotation of a value in an error message.
QUOTE_LIMIT = 80


def quote(value, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters and "…", for error messages."""
    text = repr(value[: limit + 1] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[:limit] + "…"


def _unknown_keys(raw: dict, kind: str, file: str, item: str, where: str, errors: list) -> None:
    """One error per key of ``raw`` that an item of ``kind`` does not have."""
    allowed = ITEM_KEYS[kind]
    for key in raw:
        if key not in allowed:
            errors.append(
                LoadError(
                    file,
                    item,
                    f"{where}{_short(key)}",
                    _("unknown key in a %(kind)s (expected %(keys)s)", kind=kind, keys=", ".join(allowed)),
                )
            )


@dataclass(frozen=True)
class LoadError:
    file: str
    item: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.field}: {self.message}"


@dataclass
class CatalogueData:
    """Normalised catalogue content: plain dicts in the export format."""

    themes: list[dict] = field(default_factory=list)
    modules: list[dict] = field(default_factory=list)
    prerequisites: list[dict] = field(default_factory=list)
    #: ("theme" | "module", slug) or ("prerequisite", "a → b") -> file name, for messages.
    sources: dict = field(default_factory=dict)
    #: Themes and modules read with a slug but refused for a field error:
    #: ("theme" | "module", slug) -> file name. The graph checks still count them, so
    #: that an edge to one of them is not also reported as an edge to an unknown module.
    rejected: dict = field(default_factory=dict)


class CatalogueFileError(Exception):
    """The files could not be read as a catalogue; ``errors`` lists every problem.

    ``data`` holds what was read correctly, so that the graph checks can still run
    and report their problems too; it is None when a file could not be parsed at
    all (then nothing reliable is known about its modules and edges).
    """

    def __init__(self, errors: list[LoadError], data: CatalogueData | None = None):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
        self.data = data


def catalogue_files(path: Path) -> list[Path]:
    """A file, or every ``*.yaml`` file of a folder (sorted), for the catalogue."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.glob("*.yaml") if p.is_file())
    return [path]


def read_catalogue(path: Path) -> CatalogueData:
    """Read and check a catalogue file or folder. Raises :class:`CatalogueFileError`."""
    files = catalogue_files(path)
    if not files:
        raise CatalogueFileError([LoadError(str(path), "-", "-", _("no YAML files found"))])
    data = CatalogueData()
    errors: list[LoadError] = []
    parsed = True
    for file in files:
        try:
            text = file.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(
                LoadError(file.name, "-", "-", _("cannot read the file as UTF-8 text (%(reason)s)", reason=exc))
            )
            parsed = False
            continue
        parsed = parse_text(text, file.name, data, errors) and parsed
    if errors:
        raise CatalogueFileError(errors, data if parsed else None)
    return data


def parse_text(text: str, name: str, data: CatalogueData, errors: list[LoadError]) -> bool:
    """Parse one YAML document into ``data``, appending problems to ``errors``.

    Returns False when the text is no catalogue at all (malformed YAML, not a
    mapping); True otherwise, even if some items were refused.
    """
    try:
        document = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = (
            _("line %(line)d, column %(column)d", line=mark.line + 1, column=mark.column + 1)
            if mark
            else _("an unknown line")
        )
        problem = str(getattr(exc, "problem", None) or exc)
        if len(problem) > 200:
            problem = problem[:200] + "…"
        errors.append(
            LoadError(name, "-", "-", _("malformed YAML at %(where)s: %(problem)s", where=where, problem=problem))
        )
        return False
    except RecursionError:
        errors.append(LoadError(name, "-", "-", _("nested deeper than %(num)d levels", num=MAX_DEPTH)))
        return False
    if document is None:
        return True
    if not isinstance(document, dict):
        errors.append(
            LoadError(name, "-", "-", _("the file must be a mapping with the keys themes, modules, prerequisites"))
        )
        return False
    unknown = set(document) - {"themes", "modules", "prerequisites"}
    for key in sorted(unknown, key=str):
        errors.append(
            LoadError(name, "-", _short(key), _("unknown top-level key (expected themes, modules, prerequisites)"))
        )
    for key, reader, target in (
        ("themes", _theme, data.themes),
        ("modules", _module, data.modules),
        ("prerequisites", _prerequisite, data.prerequisites),
    ):
        items = document.get(key) or []
        if not isinstance(items, list):
            errors.append(LoadError(name, "-", key, _("must be a list")))
            continue
        for index, raw in enumerate(items, start=1):
            item_errors: list[LoadError] = []
            item = reader(raw, name, index, item_errors)
            if item is not None and key != "prerequisites" and SLUG.match(item["slug"]):
                source = (key[:-1], item["slug"])
                earlier = data.sources.get(source) or data.rejected.get(source)
                if earlier:
                    item_errors.append(
                        LoadError(
                            name,
                            item["slug"],
                            "slug",
                            (
                                _(
                                    "the theme slug appears twice (also in %(file)s); a slug names one theme",
                                    file=earlier,
                                )
                                if key == "themes"
                                else _(
                                    "the module slug appears twice (also in %(file)s); a slug names one module",
                                    file=earlier,
                                )
                            ),
                        )
                    )
                elif item_errors:
                    data.rejected[source] = name
                else:
                    data.sources[source] = name
            errors.extend(item_errors)
            if item is not None and not item_errors:
                target.append(item)
                if key == "prerequisites":
                    data.sources.setdefault(("prerequisite", f"{item['before']} → {item['after']}"), name)
    return True


def _translated(
    raw: dict,
    key: str,
    item: str,
    file: str,
    errors: list[LoadError],
    *,
    required: bool,
    where: str | None = None,
    markdown: bool = False,
) -> dict:
    """A ``{fi, sv, en}`` map from ``raw[key]``: a plain string is the Finnish text (the old form).

    ``where`` names the field in messages (default ``key``); ``markdown`` texts keep
    one final newline. Blank entries are left out.
    """
    where = where or key
    value = raw.get(key)
    if value is None:
        value = {}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        value = {"fi": value}
    if not isinstance(value, dict):
        errors.append(LoadError(file, item, where, _("must be a text or a mapping of languages {fi, sv, en}")))
        return {}
    result = {}
    for lang, text in value.items():
        if lang not in TRANSLATED:
            errors.append(LoadError(file, item, f"{where}.{_short(lang)}", _("unknown language (use fi, sv or en)")))
        elif text is not None and not isinstance(text, str):
            errors.append(LoadError(file, item, f"{where}.{lang}", _("must be text")))
        elif text and text.strip():
            result[lang] = text.strip() + "\n" if markdown else text.strip()
    if required and not result.get("fi"):
        errors.append(LoadError(file, item, f"{where}.fi", _("the Finnish text is required")))
    return result


def _slug(raw: dict, file: str, kind: str, index: int, errors: list[LoadError]) -> str | None:
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        errors.append(
            LoadError(
                file,
                f"{kind} #{index}",
                "slug",
                _("required: lower-case letters, digits and hyphens, e.g. digital-pedagogy"),
            )
        )
        return None
    return slug


def _int(raw: dict, key: str, item: str, file: str, errors, *, minimum: int, maximum: int | None = None, default=None):
    value = raw.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        message = (
            _("must be a whole number from %(minimum)d to %(maximum)d", minimum=minimum, maximum=maximum)
            if maximum is not None
            else _("must be a whole number, at least %(minimum)d", minimum=minimum)
        )
        errors.append(LoadError(file, item, key, message))
        return None
    return value


def _theme(raw, file: str, index: int, errors: list[LoadError]) -> dict | None:
    if not isinstance(raw, dict):
        errors.append(LoadError(file, f"theme #{index}", "-", _("must be a mapping")))
        return None
    slug = _slug(raw, file, "theme", index, errors) or f"theme #{index}"
    _unknown_keys(raw, "theme", file, slug, "", errors)
    return {
        "slug": slug,
        "position": _int(raw, "position", slug, file, errors, minimum=1),
        "title": _translated(raw, "title", slug, file, errors, required=True),
        "description": _translated(raw, "description", slug, file, errors, required=False),
    }


def _module(raw, file: str, index: int, errors: list[LoadError]) -> dict | None:
    if not isinstance(raw, dict):
        errors.append(LoadError(file, f"module #{index}", "-", _("must be a mapping")))
        return None
    slug = _slug(raw, file, "module", index, errors) or f"module #{index}"
    _unknown_keys(raw, "module", file, slug, "", errors)
    theme = raw.get("theme")
    if not isinstance(theme, str) or not SLUG.match(theme):
        errors.append(LoadError(file, slug, "theme", _("required: the slug of the module's theme")))
    level = raw.get("level")
    if level not in LEVELS:
        errors.append(
            LoadError(
                file,
                slug,
                "level",
                _("must be one of %(values)s (got %(value)s)", values=", ".join(LEVELS), value=quote(level)),
            )
        )
    status = raw.get("status", "draft")
    if status not in STATUSES:
        errors.append(
            LoadError(
                file,
                slug,
                "status",
                _("must be one of %(values)s (got %(value)s)", values=", ".join(STATUSES), value=quote(status)),
            )
        )
    groups = raw.get("target_groups") or []
    if not isinstance(groups, list) or any(g not in TARGET_GROUPS for g in groups):
        errors.append(
            LoadError(file, slug, "target_groups", _("must be a list of %(values)s", values=", ".join(TARGET_GROUPS)))
        )
        groups = []
    competences = raw.get("competences") or []
    if not isinstance(competences, list):
        errors.append(LoadError(file, slug, "competences", _("must be a list such as ['1.3', '2.2']")))
        competences = []
    return {
        "slug": slug,
        "theme": theme,
        "position": _int(raw, "position", slug, file, errors, minimum=1),
        "title": _translated(raw, "title", slug, file, errors, required=True),
        "summary": _translated(raw, "summary", slug, file, errors, required=False),
        "level": level,
        "minutes": _int(raw, "minutes", slug, file, errors, minimum=1, maximum=100_000),
        "target_groups": sorted(set(groups), key=TARGET_GROUPS.index),
        "status": status,
        "competences": [str(c) for c in competences],
        "sections": _sections(raw.get("sections"), slug, file, errors),
        "self_check": _self_check(raw.get("self_check"), slug, file, errors),
        "reflection": _translated(raw, "reflection", slug, file, errors, required=False) or None,
    }


def _sections(raw, slug: str, file: str, errors: list[LoadError]) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(LoadError(file, slug, "sections", _("must be a list of {title, body}")))
        return []
    sections = []
    for i, section in enumerate(raw, start=1):
        where = f"sections[{i}]"
        if not isinstance(section, dict):
            errors.append(LoadError(file, slug, where, _("must be a mapping {title, body}")))
            continue
        _unknown_keys(section, "section", file, slug, f"{where}.", errors)
        before = len(errors)
        title = _translated(section, "title", slug, file, errors, required=True, where=f"{where}.title")
        body = _translated(section, "body", slug, file, errors, required=True, where=f"{where}.body", markdown=True)
        if len(errors) == before:
            sections.append({"title": title, "body": body})
    return sections


def _self_check(raw, slug: str, file: str, errors: list[LoadError]) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.append(
            LoadError(file, slug, "self_check", _("must be a mapping {pass_mark, questions, ask, test_out_pass_mark}"))
        )
        return None
    _unknown_keys(raw, "self_check", file, slug, "self_check.", errors)
    pass_mark = _int(raw, "pass_mark", slug, file, errors, minimum=1, maximum=100, default=70)
    questions = []
    raw_questions = raw.get("questions") or []
    if not isinstance(raw_questions, list) or not raw_questions:
        errors.append(LoadError(file, slug, "self_check.questions", _("must be a non-empty list")))
        raw_questions = []
    for i, q in enumerate(raw_questions, start=1):
        where = f"self_check.questions[{i}]"
        if not isinstance(q, dict):
            errors.append(LoadError(file, slug, where, _("must be a mapping {prompt, choices, correct, explanation}")))
            continue
        _unknown_keys(q, "question", file, slug, f"{where}.", errors)
        before = len(errors)
        prompt = _translated(q, "prompt", slug, file, errors, required=True, where=f"{where}.prompt")
        explanation = _translated(q, "explanation", slug, file, errors, required=False, where=f"{where}.explanation")
        raw_choices, correct = q.get("choices"), q.get("correct")
        choices = []
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            errors.append(LoadError(file, slug, f"{where}.choices", _("must be a list of at least two choices")))
        else:
            for j, choice in enumerate(raw_choices, start=1):
                choices.append(
                    _translated(
                        {"choice": choice}, "choice", slug, file, errors, required=True, where=f"{where}.choices[{j}]"
                    )
                )
        ok = len(errors) == before
        if isinstance(correct, int) and not isinstance(correct, bool):
            correct = [correct]
        if (
            not isinstance(correct, list)
            or not correct
            or not ok
            or any(isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < len(choices) for c in correct)
        ):
            if ok:
                errors.append(
                    LoadError(file, slug, f"{where}.correct", _("must list the indexes (from 0) of the right choices"))
                )
            ok = False
        if ok:
            questions.append(
                {
                    "prompt": prompt,
                    "choices": choices,
                    "correct": sorted(set(cast(list[int], correct))),  # checked above: a list of choice numbers
                    "explanation": explanation,
                }
            )
    check = {"pass_mark": pass_mark, "questions": questions}
    # Optional integrity keys: how many questions each attempt draws from the pool, and test-out's own pass mark.
    if raw.get("ask") is not None:
        ask = _int(
            {"self_check.ask": raw["ask"]},
            "self_check.ask",
            slug,
            file,
            errors,
            minimum=1,
            maximum=max(1, len(raw_questions)),
        )
        if ask is not None:
            check["ask"] = ask
    if raw.get("test_out_pass_mark") is not None:
        mark = _int(
            {"self_check.test_out_pass_mark": raw["test_out_pass_mark"]},
            "self_check.test_out_pass_mark",
            slug,
            file,
            errors,
            minimum=1,
            maximum=100,
        )
        if mark is not None and pass_mark is not None and mark < pass_mark:
            errors.append(
                LoadError(
                    file,
                    slug,
                    "self_check.test_out_pass_mark",
                    _("must be at least the pass mark (%(mark)d): testing out asks more, not less", mark=pass_mark),
                )
            )
        elif mark is not None:
            check["test_out_pass_mark"] = mark
    return check


def _prerequisite(raw, file: str, index: int, errors: list[LoadError]) -> dict | None:
    if not isinstance(raw, dict):
        errors.append(LoadError(file, f"prerequisite #{index}", "-", _("must be a mapping {before, after, kind}")))
        return None
    before, after = raw.get("before"), raw.get("after")
    item = f"{_short(before)} → {_short(after)}"
    _unknown_keys(raw, "prerequisite", file, item, "", errors)
    for key, value in (("before", before), ("after", after)):
        if not isinstance(value, str) or not SLUG.match(value):
            errors.append(LoadError(file, item, key, _("required: a module slug")))
    kind = raw.get("kind", "required")
    if kind not in KINDS:
        errors.append(
            LoadError(file, item, "kind", _("must be required or recommended (got %(value)s)", value=quote(kind)))
        )
    return {"before": before, "after": after, "kind": kind}


def _short(value) -> str:
    """A value as it appears in an item name, cut to :data:`QUOTE_LIMIT` characters."""
    text = str(value)
    return text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + "…"


class _NoAliasDumper(yaml.SafeDumper):
    """Writes every value out: the loader refuses anchors and aliases, so the export never makes them
    (PyYAML would, for one ``{fi, sv, en}`` map object used twice)."""

    def ignore_aliases(self, data) -> bool:
        return True


def dump_catalogue(data: CatalogueData) -> str:
    """The catalogue as YAML text in the seed format (no anchors or aliases)."""
    document = {"themes": data.themes, "modules": data.modules, "prerequisites": data.prerequisites}
    return yaml.dump(document, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False, width=100)
