"""Words for progress shown on many pages: how a module was recognised (its provenance), the
learning events of the activity log, and an assigned path's deadline state."""

from flask_babel import gettext as _


def provenance_labels() -> dict[str, str]:
    return {
        "self_check": _("by self-check"),
        "self_assessment": _("by self-assessment"),
        "manager": _("by a manager's approval"),
    }


def event_labels() -> dict[str, str]:
    return {
        "started": _("Started"),
        "attempted": _("Took the self-check"),
        "passed": _("Passed the self-check"),
        "completed": _("Completed"),
        "recognised": _("Recognised"),
        "rated": _("Rated"),
        "reflected": _("Wrote a reflection"),
        "assessed": _("Self-assessment"),
        "requested": _("Asked for recognition"),
        "approved": _("Recognition approved"),
        "rejected": _("Recognition not approved"),
    }


def deadline_labels() -> dict[str, str]:
    return {
        "done": _("Done"),
        "on_track": _("On track"),
        "at_risk": _("At risk"),
        "overdue": _("Overdue"),
    }
