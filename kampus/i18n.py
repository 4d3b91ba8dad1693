"""Languages: which one a request gets, and building the message catalogues.

Source strings are English. Each feature keeps its Finnish and Swedish
translations beside its code in ``messages.yaml`` (``"msgid": {fi: …, sv: …}``;
for plurals a list ``[singular, plural]``), so that features never edit one
shared file. :func:`build_catalogues` merges them into gettext catalogues
(``kampus/translations/<lang>/LC_MESSAGES/messages.po`` and ``.mo``), which is
what Flask-Babel reads; ``make`` runs it (``kampus i18n build``).
"""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path

import yaml

LANGUAGES = ("fi", "sv", "en")
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
#: The Babel locale each language formats dates and numbers with: Finland's Finnish and
#: Swedish (``21.6.2026``, ``3,4``, ``45 %``), English in British style (``21/06/2026``).
FORMAT_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
FALLBACK = "fi"
PACKAGE = Path(__file__).resolve().parent
TRANSLATIONS = PACKAGE / "translations"


def select_locale() -> str:
    """The signed-in user's language, else the switcher's choice, else Accept-Language, else Finnish."""
    from flask import has_request_context
    from flask_login import current_user

    if not has_request_context():  # commands and services run outside a request
        return "fi"
    language = getattr(current_user, "language", None) if current_user else None
    if language in LANGUAGES:
        return language
    return visitor_language()


def visitor_language() -> str:
    """The language of a request with no signed-in person: the switcher's choice, else
    Accept-Language, else Finnish (:func:`select_locale` after the person's own)."""
    from flask import request, session

    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "fi"


def select_timezone() -> str:
    return "Europe/Helsinki"


def current_language() -> str:
    """The request's language (``fi``, ``sv`` or ``en``); Finnish outside a request."""
    from flask import has_app_context
    from flask_babel import get_locale

    if not has_app_context():
        return FALLBACK
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else FALLBACK


# --- translated content: the one fallback rule -----------------------------------------


def localized(value, lang: str | None = None) -> tuple[str, str]:
    """The text of ``value`` for ``lang`` and the language it is really in: ``(text, lang_used)``.

    ``value`` is a ``{fi, sv, en}`` map, or a plain string (which is Finnish, the
    old form). The reader's language where it has text, else Finnish, else any
    language that has text; ``("", lang)`` when there is none. This is the only
    place that decides the fallback: templates, pages and mails all ask it.
    """
    lang = lang or current_language()
    if value is None or value == "":
        return "", lang
    if isinstance(value, str):
        return value, FALLBACK
    if not isinstance(value, dict):
        return str(value), lang
    for candidate in (lang, FALLBACK, *LANGUAGES):
        text = value.get(candidate)
        if isinstance(text, str) and text.strip():
            return text, candidate
    return "", lang


def falls_back(values, lang: str | None = None) -> bool:
    """True when any of ``values`` (translated texts shown on one page) is shown in another language than ``lang``."""
    lang = lang or current_language()
    for value in values:
        text, used = localized(value, lang)
        if text and used != lang:
            return True
    return False


def has_language(value, lang: str) -> bool:
    """True when ``value`` (a map or a plain Finnish string) has non-blank text in ``lang``."""
    if isinstance(value, str):
        return lang == FALLBACK and bool(value.strip())
    return isinstance(value, dict) and isinstance(value.get(lang), str) and bool(value[lang].strip())


def as_map(value) -> dict:
    """A translated value as a ``{lang: text}`` map: a plain string is Finnish; blank entries are left out."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {FALLBACK: value} if value.strip() else {}
    return {k: v for k, v in dict(value).items() if k in LANGUAGES and isinstance(v, str) and v.strip()}


# --- dates and numbers by locale ------------------------------------------------------------


def format_locale(lang: str | None = None) -> str:
    """The Babel locale for formatting in ``lang`` (default: the request's language)."""
    return FORMAT_LOCALES.get(lang or current_language(), FORMAT_LOCALES[FALLBACK])


def format_date(value, format: str = "short", lang: str | None = None) -> str:
    """A date (or a datetime's date) in the reader's locale: ``21.6.2026`` (fi, sv), ``21/06/2026`` (en)."""
    from babel.dates import format_date as babel_format_date

    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "hour"):
        value = _local(value).date()
    return babel_format_date(value, format, locale=format_locale(lang))


def format_datetime(value, format: str = "short", lang: str | None = None) -> str:
    """A datetime (naive ones are UTC) in Helsinki time and the reader's locale."""
    from babel.dates import format_datetime as babel_format_datetime

    if value is None:
        return ""
    return babel_format_datetime(_local(value), format, locale=format_locale(lang))


def _local(value):
    from zoneinfo import ZoneInfo

    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(select_timezone()))


def format_decimal(value, format: str | None = None, lang: str | None = None) -> str:
    """A number in the reader's locale: ``3,4`` (fi, sv), ``3.4`` (en)."""
    from babel.numbers import format_decimal as babel_format_decimal

    return babel_format_decimal(value, format=format, locale=format_locale(lang))


def format_percent(value, format: str | None = None, lang: str | None = None) -> str:
    """A share (0.45) as a percentage in the reader's locale: ``45 %`` (fi, sv), ``45%`` (en)."""
    from babel.numbers import format_percent as babel_format_percent

    return babel_format_percent(value, format=format, locale=format_locale(lang))


def translation_sources() -> list[Path]:
    """Every feature's ``messages.yaml``, in a stable order."""
    return sorted(PACKAGE.rglob("messages.yaml"))


def load_translations() -> dict[str, dict]:
    """Merge all sources: msgid -> {lang: str | [singular, plural]}. Raises ValueError on conflicts."""
    merged: dict[str, dict] = {}
    for path in translation_sources():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for msgid, values in data.items():
            if not isinstance(values, dict):
                raise ValueError(f"{path}: {msgid!r} needs a mapping of languages")
            previous = merged.get(msgid)
            if previous is not None and previous != values:
                raise ValueError(f"{path}: {msgid!r} is translated differently elsewhere")
            merged[msgid] = values
    return merged


def build_catalogues(target: Path = TRANSLATIONS) -> dict[str, int]:
    """Write messages.po and messages.mo for every language; return the entry count per language."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    translations = load_translations()
    counts = {}
    for lang in LANGUAGES:
        catalog = Catalog(locale=lang, domain="messages", project="kampus", charset="utf-8")
        for msgid, values in translations.items():
            plural_id = None
            value = values.get(lang)
            if isinstance(values.get("fi"), list) or isinstance(values.get("en"), list):
                english = values.get("en") or [msgid, msgid]
                plural_id = english[1]
                msg_key = (msgid, plural_id)
                if lang == "en":
                    value = english
                catalog.add(msg_key, tuple(value) if value else ("", ""))
            else:
                if lang == "en":
                    value = values.get("en") or ""
                catalog.add(msgid, value or "")
        folder = target / lang / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed into place: parallel test workers (and a
        # running server) never read a half-written catalogue.
        writers = {
            "messages.po": lambda h, catalog=catalog: write_po(h, catalog, width=0),
            "messages.mo": lambda h, catalog=catalog: write_mo(h, catalog),
        }
        for name, write in writers.items():
            part = folder / f"{name}.{os.getpid()}.part"
            with open(part, "wb") as handle:
                write(handle)
            os.replace(part, folder / name)
        counts[lang] = len(catalog)
    return counts


def extract_msgids(root: Path | None = None) -> set[str]:
    """Every translatable string in the code and templates (what Babel's extractor finds)."""
    from babel.messages.extract import extract_from_dir

    root = root or PACKAGE.parent
    found: set[str] = set()
    from babel.messages.extract import DEFAULT_KEYWORDS

    keywords = dict(DEFAULT_KEYWORDS, lazy_gettext=None, _l=None, lazy_ngettext=(1, 2))
    for _, _, message, _, _ in extract_from_dir(str(PACKAGE), [("**.py", "python")], keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    jinja_map = [("**.html", "jinja2"), ("**.svg", "jinja2"), ("**.txt", "jinja2")]

    # Babel skips folders starting with "_" by default; ours (_macros) hold strings too.
    def visible(path: str) -> bool:
        return not Path(path).name.startswith(".")

    templates = extract_from_dir(str(root / "templates"), jinja_map, directory_filter=visible)
    for _, _, message, _, _ in templates:
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}
