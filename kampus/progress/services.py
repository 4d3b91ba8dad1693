"""Progress services: starting and studying modules, self-checks (and testing
out), completion, recognition, reflections, ratings and the learning event log.

Services take the acting learner explicitly, add and flush, and raise a
:class:`~kampus.errors.DomainError` a person can act on; views commit. Whether a
module is locked is asked of the engine (:func:`kampus.graph.is_locked`), never
re-derived here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kampus.catalogue.models import Module, Question
from kampus.catalogue.services import catalogue_graph
from kampus.db import utcnow
from kampus.errors import DomainError, NotAllowed
from kampus.extensions import db
from kampus.graph import is_locked, unsatisfied_prerequisites
from kampus.progress.models import SATISFIED, Attempt, Feedback, LearningEvent, Progress, Reflection

DEFAULT_PASS_MARK = 70


# --- reading ---------------------------------------------------------------

def progress_rows(user_id: int) -> dict[str, Progress]:
    """The learner's progress by module slug (one query)."""
    rows = db.session.execute(
        select(Module.slug, Progress).join(Module, Progress.module_id == Module.id).where(Progress.user_id == user_id)
    ).all()
    return {slug: row for slug, row in rows}


@dataclass(frozen=True)
class LearnerState:
    """What the engine needs of a learner: satisfied and in-progress slugs."""

    satisfied: frozenset[str]
    in_progress: frozenset[str]


def learner_state(user_id: int) -> LearnerState:
    rows = db.session.execute(
        select(Module.slug, Progress.status).join(Module, Progress.module_id == Module.id).where(Progress.user_id == user_id)
    ).all()
    return LearnerState(
        frozenset(slug for slug, status in rows if status in SATISFIED),
        frozenset(slug for slug, status in rows if status == "in_progress"),
    )


def module_statuses(user_id: int, slugs) -> dict[str, str]:
    """Each module's status for the learner: completed, recognised, in_progress, available or locked."""
    graph = catalogue_graph()
    rows = db.session.execute(
        select(Module.slug, Progress.status).join(Module, Progress.module_id == Module.id).where(Progress.user_id == user_id)
    ).all()
    status = dict(rows)
    satisfied = {slug for slug, s in rows if s in SATISFIED}
    result = {}
    for slug in slugs:
        if status.get(slug) in SATISFIED:
            result[slug] = status[slug]
        elif slug in graph and is_locked(graph, slug, satisfied):
            result[slug] = "locked"
        else:
            result[slug] = status.get(slug) or "available"
    return result


def blockers(user_id: int, module: Module) -> list[str]:
    """The unsatisfied required prerequisites of ``module`` for this learner (sorted slugs)."""
    graph = catalogue_graph()
    if module.slug not in graph:
        return []
    return unsatisfied_prerequisites(graph, module.slug, learner_state(user_id).satisfied)


# --- writing ---------------------------------------------------------------

def log_event(user_id: int, verb: str, module_id: int | None = None, **data) -> LearningEvent:
    """Append one event to the learner's log (never updated afterwards)."""
    event = LearningEvent(user_id=user_id, module_id=module_id, verb=verb, data=data, created_at=utcnow())
    db.session.add(event)
    return event


def _get_or_create(user_id: int, module: Module) -> tuple[Progress, bool]:
    """The learner's progress row for ``module``, created as in progress when missing.

    Two requests at once (two tabs, a double click) both try the insert; the
    unique (user, module) constraint lets one win and the other reads its row.
    """
    query = select(Progress).where(Progress.user_id == user_id, Progress.module_id == module.id)
    row = db.session.scalar(query)
    if row is not None:
        return row, False
    try:
        with db.session.begin_nested():
            row = Progress(user_id=user_id, module_id=module.id, status="in_progress", started_at=utcnow())
            db.session.add(row)
    except IntegrityError:
        row = db.session.scalar(query.execution_options(populate_existing=True))
        return row, False
    return row, True


def _require_studyable(module: Module) -> None:
    if module.status != "published":
        raise DomainError(_("This module is not open for study."))


def start_module(user_id: int, module: Module) -> Progress:
    """Mark the module as started (idempotent); logs ``started`` the first time."""
    _require_studyable(module)
    row, created = _get_or_create(user_id, module)
    if created:
        log_event(user_id, "started", module.id)
    return row


def view_section(user_id: int, module: Module, position: int) -> Progress:
    """Record that the learner opened section ``position`` (0-based) and save it as their place."""
    if not 0 <= position < max(1, len(module.sections)):
        raise DomainError(_("There is no such section in this module."))
    row = start_module(user_id, module)
    if row.section_position != position:
        row.section_position = position
    log_event(user_id, "section_viewed", module.id, position=position)
    db.session.flush()
    return row


def _refuse_if_locked(user_id: int, module: Module, action: str) -> None:
    missing = blockers(user_id, module)
    if missing:
        raise NotAllowed(
            _("%(action)s is not possible yet: first complete %(missing)s.", action=action, missing=", ".join(missing))
        )


@dataclass
class CheckResult:
    """The outcome of a self-check submission: score in percent, pass or not, per-question feedback."""

    score: int
    passed: bool
    pass_mark: int
    correct: dict[int, bool]
    outcome: str  # "completed", "recognised", "already" or "failed"


def submit_self_check(user_id: int, module: Module, answers: dict[int, list[int]]) -> CheckResult:
    """Grade the learner's answers (question id → chosen choice indexes) and record the attempt.

    A question counts as right when exactly its correct choices are chosen. A
    pass completes a module the learner has started, or recognises
    (``self_check``) one they had not: "testing out". Refused with
    :class:`NotAllowed` while the module is locked, and with
    :class:`DomainError` when an answer is missing.
    """
    _require_studyable(module)
    questions: list[Question] = list(module.questions)
    if not questions:
        raise DomainError(_("This module has no self-check."))
    unanswered = [q for q in questions if not answers.get(q.id)]
    if unanswered:
        raise DomainError(_("Answer every question before submitting."), field="answers")
    _refuse_if_locked(user_id, module, _("Passing the self-check"))
    correct = {q.id: sorted(answers[q.id]) == sorted(q.correct) for q in questions}
    score = round(100 * sum(correct.values()) / len(questions))
    pass_mark = module.pass_mark or DEFAULT_PASS_MARK
    passed = score >= pass_mark
    db.session.add(
        Attempt(user_id=user_id, module_id=module.id, score=score, passed=passed,
                answers={str(k): sorted(v) for k, v in answers.items()}, created_at=utcnow())
    )
    log_event(user_id, "attempted", module.id, score=score)
    existing = db.session.scalar(select(Progress).where(Progress.user_id == user_id, Progress.module_id == module.id))
    if existing is not None and (existing.best_score is None or score > existing.best_score):
        existing.best_score = score
    if not passed:
        db.session.flush()
        return CheckResult(score, False, pass_mark, correct, "failed")
    log_event(user_id, "passed", module.id, score=score)
    if existing is not None and existing.satisfied:
        db.session.flush()
        return CheckResult(score, True, pass_mark, correct, "already")
    if existing is None:
        row = _finish(user_id, module, "recognised", recognised_by="self_check", score=score)
    else:
        row = _finish(user_id, module, "completed", score=score)
    return CheckResult(score, True, pass_mark, correct, row.status)


def complete_module(user_id: int, module: Module) -> Progress:
    """Complete a module without a self-check, after studying it. Idempotent; refused while locked."""
    _require_studyable(module)
    if module.questions:
        raise DomainError(_("Pass the self-check to complete this module."))
    _refuse_if_locked(user_id, module, _("Completing the module"))
    return _finish(user_id, module, "completed")


def recognise(user_id: int, module: Module, how: str) -> Progress:
    """Record prior learning as recognised (``self_assessment`` or ``manager``); a satisfied module stays as it is."""
    return _finish(user_id, module, "recognised", recognised_by=how)


def _finish(user_id: int, module: Module, status: str, *, recognised_by: str | None = None,
            score: int | None = None) -> Progress:
    row, _created = _get_or_create(user_id, module)
    if row.satisfied:
        return row  # completed stays completed: a second click or a second tab changes nothing
    row.status = status
    row.recognised_by = recognised_by
    row.finished_at = utcnow()
    if score is not None and (row.best_score is None or score > row.best_score):
        row.best_score = score
    log_event(user_id, status, module.id, **({"how": recognised_by} if recognised_by else {}))
    db.session.flush()
    from kampus.credentials.services import on_module_satisfied  # a badge, issued after the commit

    on_module_satisfied(user_id, module.id, recognised_by or "completed")
    return row


def save_reflection(user_id: int, module: Module, text: str) -> Reflection:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your reflection before saving."), field="text")
    row = db.session.scalar(select(Reflection).where(Reflection.user_id == user_id, Reflection.module_id == module.id))
    if row is None:
        row = Reflection(user_id=user_id, module_id=module.id, text=text)
        db.session.add(row)
    else:
        row.text = text
    log_event(user_id, "reflected", module.id)
    db.session.flush()
    return row


def rate_module(user_id: int, module: Module, rating: int, comment: str = "") -> Feedback:
    """Store the learner's rating (1–5) and comment; rating again replaces the earlier one."""
    if rating not in range(1, 6):
        raise DomainError(_("Choose a rating from 1 to 5."), field="rating")
    row = db.session.scalar(select(Feedback).where(Feedback.user_id == user_id, Feedback.module_id == module.id))
    if row is None:
        row = Feedback(user_id=user_id, module_id=module.id, rating=rating, comment=(comment or "").strip())
        db.session.add(row)
    else:
        row.rating, row.comment = rating, (comment or "").strip()
    log_event(user_id, "rated", module.id, rating=rating)
    db.session.flush()
    return row


def recent_events(user_id: int, limit: int = 8) -> list[LearningEvent]:
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(LearningEvent)
            .where(LearningEvent.user_id == user_id, LearningEvent.verb != "section_viewed")
            .options(joinedload(LearningEvent.module))
            .order_by(LearningEvent.created_at.desc(), LearningEvent.id.desc())
            .limit(limit)
        )
    )


def reflection_of(user_id: int, module_id: int) -> Reflection | None:
    return db.session.scalar(select(Reflection).where(Reflection.user_id == user_id, Reflection.module_id == module_id))


def feedback_of(user_id: int, module_id: int) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(Feedback.user_id == user_id, Feedback.module_id == module_id))


def attempt_count(user_id: int, module_id: int) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count(Attempt.id)).where(Attempt.user_id == user_id, Attempt.module_id == module_id)
    ) or 0
