"""Words for how a module was recognised (its provenance), shown wherever a recognition is."""

from flask_babel import gettext as _


def provenance_labels() -> dict[str, str]:
    return {
        "self_check": _("by self-check"),
        "self_assessment": _("by self-assessment"),
        "manager": _("by a manager's approval"),
    }
