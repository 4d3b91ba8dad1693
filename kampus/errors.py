"""Domain errors: messages a person can act on.

Pure Python (no Flask, no SQLAlchemy) so the engine can raise them too.
A view catches :class:`DomainError`, shows ``message`` beside ``field`` (when
given) and renders the form again with what was typed.
"""

from __future__ import annotations

import logging
from typing import Any

# Every refusal is logged at info (the message is what the person was shown).
_refusals = logging.getLogger("kampus.refusal")


class DomainError(Exception):
    """A refusal with a message for a person; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        _refusals.info("%s%s: %s", type(self).__name__, f" ({field})" if field else "", message)

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    """Input broke a rule; ``errors`` lists every problem found."""

    def __init__(self, message: str, errors: list[Any] | None = None, field: str | None = None):
        super().__init__(message, field)
        self.errors = list(errors or [])


class UnknownModule(DomainError):
    """A slug names no module of the catalogue."""

    def __init__(self, slug: str, field: str | None = None):
        super().__init__(f"unknown module: {slug}", field)
        self.slug = slug


class CycleError(DomainError):
    """A prerequisite would close a loop; ``cycle`` is the loop in order, first node repeated last."""

    def __init__(self, cycle: list[str], field: str | None = None):
        self.cycle = list(cycle)
        super().__init__("cycle: " + " → ".join(self.cycle), field)


class NotAllowed(DomainError):
    """The acting user may not do this (maps to 403)."""


class NotFound(DomainError):
    """The thing does not exist, or is not visible to the acting user (maps to 404)."""


class Conflict(DomainError):
    """Someone else changed the thing first (maps to 409)."""
