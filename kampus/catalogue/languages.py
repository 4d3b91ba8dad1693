"""Which translatable parts of a module have a text in a language: the one rule
for "complete in sv" (the editor, the content overview and the seed's tests ask it).

A module is *complete* in a language when every part that has Finnish text has
text in that language too: the title and summary, every section's title and
body, every question's prompt, each of its choices and its explanation, and the
reflection prompt. A part without Finnish (an empty explanation, no reflection)
asks nothing. Works on a module record of the import format
(:func:`kampus.catalogue.writer.module_record`, or what the loader reads), so the
seed files and the database are judged alike. Pure: no Flask, no database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kampus.i18n import FALLBACK, has_language

OPTIONAL_LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class Part:
    """One translatable text of a module: ``kind`` is ``title``, ``summary``, ``section_title``,
    ``section_body``, ``prompt``, ``choice``, ``explanation`` or ``reflection``; ``section``,
    ``question`` and ``choice`` number it from 1."""

    kind: str
    value: object
    section: int | None = None
    question: int | None = None
    choice: int | None = None


def parts(record: dict) -> list[Part]:
    """Every translatable part of a module record that has Finnish text, in reading order."""
    found = [Part("title", record.get("title")), Part("summary", record.get("summary"))]
    for s, section in enumerate(record.get("sections") or [], start=1):
        found += [
            Part("section_title", section.get("title"), section=s),
            Part("section_body", section.get("body"), section=s),
        ]
    for q, question in enumerate((record.get("self_check") or {}).get("questions") or [], start=1):
        found.append(Part("prompt", question.get("prompt"), question=q))
        found += [Part("choice", c, question=q, choice=n) for n, c in enumerate(question.get("choices") or [], start=1)]
        found.append(Part("explanation", question.get("explanation"), question=q))
    found.append(Part("reflection", record.get("reflection")))
    return [p for p in found if has_language(p.value, FALLBACK)]


def missing(record: dict, lang: str) -> list[Part]:
    """The parts of ``record`` that have Finnish but no text in ``lang``; empty means complete."""
    return [p for p in parts(record) if not has_language(p.value, lang)]


@dataclass(frozen=True)
class Completeness:
    """How much of a module (or of several) is in one language: ``done`` of ``total`` parts."""

    lang: str
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def share(self) -> float:
        """``done / total``, rounded down to whole percents: 99.6 % done is never shown as 100 %."""
        return math.floor(100 * self.done / self.total) / 100 if self.total else 1.0


def completeness(record: dict, lang: str) -> Completeness:
    every = parts(record)
    return Completeness(lang, sum(1 for p in every if has_language(p.value, lang)), len(every))


def combined(items: list[Completeness], lang: str) -> Completeness:
    """Several modules' completeness summed (a theme, the catalogue)."""
    return Completeness(lang, sum(c.done for c in items), sum(c.total for c in items))
