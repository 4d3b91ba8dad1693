"""How a module was recognised, in words, for every report (pages and CSV)."""

from __future__ import annotations

from flask_babel import gettext as _


def provenance_label(how: str | None, short: bool = False) -> str:
    """ "recognised (self-assessment)", "recognised (self-check)", "recognised (manager)";
    with ``short`` only the part in brackets. Unknown or missing: "Recognised" (short: "")."""
    if short:
        labels = {"self_check": _("(self-check)"), "self_assessment": _("(self-assessment)"), "manager": _("(manager)")}
    else:
        labels = {
            "self_check": _("recognised (self-check)"),
            "self_assessment": _("recognised (self-assessment)"),
            "manager": _("recognised (manager)"),
        }
    return labels.get(how or "", "" if short else _("Recognised"))


def how_finished(status: str | None, how: str | None) -> str:
    """How a module was finished, for exports: "Completed" (studied and passed), the
    recognition's provenance (:func:`provenance_label`) when recognised, else ""."""
    if status == "completed":
        return _("Completed")
    if status == "recognised":
        return provenance_label(how)
    return ""
