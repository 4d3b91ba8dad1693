"""The words of Kampus statements: verbs with their IRIs and fi/sv/en display, activity
types, the statement id namespace, opaque actor names and small builders. Pure.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

XAPI_VERSION = "1.0.3"
#: Fixed root of every Kampus statement namespace (the base URL is hashed under it).
KAMPUS_NAMESPACE = uuid.UUID("6f1c3a52-5d8e-4d0b-9b2a-3c7e1f0a9d41")
#: The languages of every display and name map: Kampus language → RFC 5646 tag.
LANGUAGES = (("fi", "fi-FI"), ("sv", "sv-FI"), ("en", "en"))

ADL = "http://adlnet.gov/expapi/verbs/"
ACTIVITY_TYPES = {
    "module": "http://adlnet.gov/expapi/activities/module",
    "section": "http://adlnet.gov/expapi/activities/lesson",
    "self_check": "http://adlnet.gov/expapi/activities/assessment",
    "path": "http://adlnet.gov/expapi/activities/course",
    "theme": "http://adlnet.gov/expapi/activities/objective",
}


@dataclass(frozen=True)
class Verb:
    id: str
    fi: str
    sv: str
    en: str

    def as_dict(self) -> dict:
        return {"id": self.id, "display": {"fi-FI": self.fi, "sv-FI": self.sv, "en": self.en}}


VERBS = {
    # ADL's vocabulary where it has the word
    "attempted": Verb(ADL + "attempted", "aloitti", "påbörjade", "attempted"),
    "experienced": Verb(ADL + "experienced", "luki", "läste", "experienced"),
    "answered": Verb(ADL + "answered", "vastasi", "besvarade", "answered"),
    "passed": Verb(ADL + "passed", "läpäisi", "klarade", "passed"),
    "failed": Verb(ADL + "failed", "ei läpäissyt", "klarade inte", "failed"),
    "completed": Verb(ADL + "completed", "suoritti", "slutförde", "completed"),
    # cmi5 (ADL's w3id vocabulary): requirements met by other means than the activity itself
    "waived": Verb("https://w3id.org/xapi/adl/verbs/waived", "sai tunnustetuksi", "fick erkänt", "waived"),
    # the Tin Can registry's rating verb; Activity Streams' assign
    "rated": Verb("http://id.tincanapi.com/verb/rated", "arvioi", "betygsatte", "rated"),
    "assigned": Verb("http://activitystrea.ms/schema/1.0/assign", "osoitti", "tilldelade", "assigned"),
}

SELF_CHECK_NAME = {"fi": "Itsetesti", "sv": "Självtest", "en": "Self-check"}


def namespace(base_url: str) -> uuid.UUID:
    return uuid.uuid5(KAMPUS_NAMESPACE, base_url.rstrip("/"))


def statement_id(base_url: str, key: str) -> str:
    """The statement id for ``key`` (e.g. ``event/12/main``): the same key gives the same id."""
    return str(uuid.uuid5(namespace(base_url), key))


def actor_name(secret: str, kind: str, ident: int) -> str:
    """An opaque, stable account name: HMAC-SHA256 of ``kind:id`` under ``secret`` (32 hex digits).

    Stable across e-mail and name changes; it changes only if the secret does
    (``KAMPUS_XAPI_ACTOR_SECRET`` keeps it apart from ``SECRET_KEY``).
    """
    return hmac.new(secret.encode(), f"kampus-{kind}:{ident}".encode(), hashlib.sha256).hexdigest()[:32]


def language_map(texts: Mapping[str, str] | str | None, suffix: str = "") -> dict:
    """``{fi, sv, en}`` → ``{fi-FI, sv-FI, en}``; a missing language falls back to Finnish."""
    if isinstance(texts, str) or texts is None:
        texts = {"fi": texts or ""}
    fallback = texts.get("fi") or next((v for v in texts.values() if v), "") or "Kampus"
    return {tag: f"{texts.get(lang) or fallback}{suffix}" for lang, tag in LANGUAGES}


def agent(base_url: str, name: str) -> dict:
    return {"objectType": "Agent", "account": {"homePage": base_url, "name": name}}


def iso(moment: datetime) -> str:
    """ISO 8601 with the timezone (stored times are naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def extension(base_url: str, name: str) -> str:
    return f"{base_url}/xapi/extensions/{name}"
