"""Progress services: starting and studying modules, self-checks (and testing
out), completion, recognition, reflections, ratings and the learning event log.

Services take the acting learner explicitly, add and flush, and raise a
:class:`~kampus.errors.DomainError` a person can act on; views commit. Whether a
module is locked is asked of the engine (:func:`kampus.graph.is_locked`), never
re-derived here.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from kampus.catalogue.models import Module
from kampus.catalogue.services import catalogue_graph, modules_by_slug
from kampus.db import rows_changed, utcnow
from kampus.errors import DomainError, NotAllowed
from kampus.extensions import db
from kampus.graph import is_locked, unsatisfied_prerequisites
from kampus.progress.integrity import Draw, RetryWindow, draw_questions, grade, retry_window
from kampus.progress.models import SATISFIED, Attempt, Feedback, LearningEvent, Progress, Reflection
from kampus.templating import localized

DEFAULT_PASS_MARK = 70
DEFAULT_TEST_OUT_PASS_MARK = 80


# --- reading ---------------------------------------------------------------


#: Called as ``hook(user_id, module_id, provenance)`` in the transaction that satisfies a module
#: (``provenance``: ``completed``, ``self_check``, ``self_assessment`` or ``manager``). Features
#: above progress subscribe in ``create_app`` (credentials queue their badges), so progress
#: imports none of them.
SATISFIED_HOOKS: list[Callable[[int, int, str], None]] = []


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


EMPTY_STATE = LearnerState(frozenset(), frozenset())


def states_from_rows(rows: Iterable[tuple[int, str, str]]) -> dict[int, LearnerState]:
    """The one rule from progress rows ``(user_id, module slug, status)`` to each learner's
    engine state: satisfied (completed or recognised) and started but not satisfied."""
    satisfied: dict[int, set[str]] = defaultdict(set)
    started: dict[int, set[str]] = defaultdict(set)
    for user_id, slug, status in rows:
        (satisfied if status in SATISFIED else started)[user_id].add(slug)
    return {u: LearnerState(frozenset(satisfied[u]), frozenset(started[u])) for u in satisfied.keys() | started.keys()}


def learner_states(user_ids: Iterable[int] | None) -> dict[int, LearnerState]:
    """Each listed learner's state (one query; an empty state for who has started nothing).
    ``None``: every learner with progress."""
    query = select(Progress.user_id, Module.slug, Progress.status).join(Module, Progress.module_id == Module.id)
    if user_ids is None:
        return states_from_rows(db.session.execute(query))
    wanted = list(dict.fromkeys(user_ids))
    found = states_from_rows(db.session.execute(query.where(Progress.user_id.in_(wanted)))) if wanted else {}
    return {u: found.get(u, EMPTY_STATE) for u in wanted}


def learner_state(user_id: int) -> LearnerState:
    """One learner's state (see :func:`learner_states`)."""
    return learner_states([user_id])[user_id]


def module_status(graph, slug: str, state: LearnerState, statuses: Mapping[str, str]) -> str:
    """The one precedence of a module's status for a learner (a pure rule; ``statuses`` maps the
    learner's progress rows, slug → status): a satisfied module shows its own status (completed or
    recognised), else a module the engine finds locked is ``locked`` (even when started), else a
    started one is ``in_progress``, else ``available``. The learner's pages and the team matrix ask it."""
    if slug in state.satisfied:
        return statuses.get(slug, "completed")
    if slug in graph and is_locked(graph, slug, state.satisfied):
        return "locked"
    return "in_progress" if slug in state.in_progress else "available"


def module_statuses(user_id: int, slugs) -> dict[str, str]:
    """Each module's status for the learner (:func:`module_status`; one query)."""
    graph = catalogue_graph()
    rows = db.session.execute(
        select(Module.slug, Progress.status)
        .join(Module, Progress.module_id == Module.id)
        .where(Progress.user_id == user_id)
    ).all()
    statuses = {slug: status for slug, status in rows}
    state = states_from_rows((user_id, slug, status) for slug, status in rows).get(user_id, EMPTY_STATE)
    return {slug: module_status(graph, slug, state, statuses) for slug in slugs}


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
        assert row is not None  # the unique row another request inserted first
        return row, False
    return row, True


def _require_studyable(module: Module) -> None:
    if module.status != "published":
        raise DomainError(_("This module is not open for study."))


def start_module(user_id: int, module: Module) -> Progress:
    """Mark the module as started (idempotent); logs ``started`` the first time.

    A locked module can be read but not started: :class:`NotAllowed` names what to complete first.
    """
    _require_studyable(module)
    existing = db.session.scalar(select(Progress).where(Progress.user_id == user_id, Progress.module_id == module.id))
    if existing is not None:
        return existing
    _refuse_if_locked(user_id, module, _("Starting the module"))
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


def locked_template() -> str:
    """The refusal of a locked module, translated, with ``%(action)s`` and ``%(missing)s`` still to fill."""
    return _("%(action)s is not possible yet: first complete %(missing)s.")


class ModuleLocked(NotAllowed):
    """A locked module refused an action. ``missing`` maps each prerequisite still to complete (slug, in
    order) to its title in the reader's language; ``message`` names them in plain text, and a page links
    them (:func:`kampus.progress.views.lock_message`)."""

    def __init__(self, action: str, missing: dict[str, str]):
        self.action = action
        self.missing = missing
        super().__init__(locked_template() % {"action": action, "missing": ", ".join(missing.values())})


def _refuse_if_locked(user_id: int, module: Module, action: str) -> None:
    missing = blockers(user_id, module)
    if missing:
        rows = modules_by_slug(missing)
        raise ModuleLocked(action, {slug: localized(rows[slug].title) if slug in rows else slug for slug in missing})


@dataclass
class CheckResult:
    """The outcome of a self-check submission: score in percent, pass or not, per-question feedback."""

    score: int
    passed: bool
    pass_mark: int
    correct: dict[int, bool]
    outcome: str  # "completed", "recognised", "already" or "failed"
    attempt_id: int | None = None
    kind: str = "study"
    repeated: bool = False  # the same form sent again: nothing new was recorded


@dataclass(frozen=True)
class RetryRules:
    """Test-out limits: attempts in a row, then a cool-down before the next."""

    attempts: int = 2
    cooldown: timedelta = field(default=timedelta(hours=24))


def retry_rules(config=None) -> RetryRules:
    """The test-out limits of the configuration (``TEST_OUT_ATTEMPTS``, ``TEST_OUT_COOLDOWN_HOURS``)."""
    config = current_app.config if config is None else config
    return RetryRules(
        int(config.get("TEST_OUT_ATTEMPTS", 2)), timedelta(hours=float(config.get("TEST_OUT_COOLDOWN_HOURS", 24)))
    )


def check_kind(user_id: int, module: Module) -> str:
    """``test_out`` when the learner has not started the module, else ``study``."""
    started = db.session.scalar(select(Progress.id).where(Progress.user_id == user_id, Progress.module_id == module.id))
    return "study" if started is not None else "test_out"


def pass_mark_for(module: Module, kind: str) -> int:
    """The module's pass mark; testing out asks its own mark (default 80), never less than the ordinary one."""
    ordinary = module.pass_mark or DEFAULT_PASS_MARK
    if kind == "test_out":
        return max(ordinary, module.test_out_pass_mark or DEFAULT_TEST_OUT_PASS_MARK)
    return ordinary


def test_out_window(
    user_id: int, module: Module, rules: RetryRules | None = None, now: datetime | None = None
) -> RetryWindow:
    """Whether this learner may test out of ``module`` now, how many attempts are left, when the next opens."""
    rules = rules or retry_rules()
    times = db.session.scalars(
        select(Attempt.created_at).where(
            Attempt.user_id == user_id, Attempt.module_id == module.id, Attempt.kind == "test_out"
        )
    ).all()
    return retry_window(list(times), now or utcnow(), limit=rules.attempts, cooldown=rules.cooldown)


def draw_check(module: Module, seed: int | None = None) -> Draw:
    """Draw one attempt's questions (``module.questions_asked`` of the pool) and shuffle their choices."""
    pool = [(q.id, len(q.choices)) for q in module.questions]
    return draw_questions(pool, module.questions_asked, secrets.randbits(64) if seed is None else seed)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kampus-self-check-draw")


def draw_token(user_id: int, module: Module, draw: Draw) -> str:
    """A signed form token holding the draw, for this learner and module, with a fresh nonce."""
    return _serializer().dumps({"u": user_id, "m": module.id, "n": secrets.token_hex(16), **draw.to_json()})


def read_draw_token(token: str, user_id: int, module: Module) -> tuple[Draw, str]:
    """The draw and nonce of a form token; :class:`DomainError` when it is not this learner's for this module."""
    try:
        data = _serializer().loads(token or "")
        if data["u"] != user_id or data["m"] != module.id:
            raise ValueError("token for someone or something else")
        return Draw.from_json(data), str(data["n"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise _expired_form() from None


def _expired_form() -> DomainError:
    """The refusal of a self-check form that is not (or no longer) the learner's to send."""
    return DomainError(_("The self-check form has expired. Answer the questions again."), field="answers")


def _result_of(attempt: Attempt, module: Module) -> CheckResult:
    draw = Draw.from_json(attempt.draw) if attempt.draw else None
    correct = {q.id: q.correct for q in module.questions}
    answers = {int(k): v for k, v in (attempt.answers or {}).items()}
    ids = [q for q in (draw.question_ids if draw else correct) if q in correct]
    _score, right = grade(correct, answers, ids)
    outcome = "failed" if not attempt.passed else "passed"
    return CheckResult(
        attempt.score,
        attempt.passed,
        pass_mark_for(module, attempt.kind),
        right,
        outcome,
        attempt.id,
        attempt.kind,
        repeated=True,
    )


def submit_self_check(
    user_id: int,
    module: Module,
    answers: dict[int, list[int]],
    *,
    draw: Draw | None = None,
    nonce: str | None = None,
    rules: RetryRules | None = None,
    now: datetime | None = None,
) -> CheckResult:
    """Grade the learner's answers (question id → chosen choice ids) and record the attempt.

    ``draw`` is what the form showed (questions drawn, choices shuffled); without
    it every question counts. A question counts as right when exactly its
    correct choice ids are chosen. Before the learner has started the module
    this is a test-out: its own pass mark (:func:`pass_mark_for`), limited
    attempts with a cool-down (``rules``), and a pass recognises the module
    (``self_check``); after starting, a pass completes it. A ``nonce`` already
    recorded returns that attempt's result (``repeated``) and records nothing.
    Refused with :class:`NotAllowed` while locked or cooling down, and with
    :class:`DomainError` when an answer is missing or the ``nonce`` is another learner's.
    """
    _require_studyable(module)
    questions = {q.id: q for q in module.questions}
    if not questions:
        raise DomainError(_("This module has no self-check."))
    if nonce is not None:
        earlier = db.session.scalar(select(Attempt).where(Attempt.user_id == user_id, Attempt.draw_nonce == nonce))
        if earlier is not None:
            return _result_of(earlier, module)
    if draw is None:
        draw = Draw(tuple(questions), {qid: tuple(range(len(q.choices))) for qid, q in questions.items()})
    if not draw.question_ids or any(qid not in questions for qid in draw.question_ids):
        raise DomainError(
            _("The self-check has changed since you opened it. Answer the questions again."), field="answers"
        )
    unanswered = [qid for qid in draw.question_ids if not answers.get(qid)]
    if unanswered:
        raise DomainError(_("Answer every question before submitting."), field="answers")
    _refuse_if_locked(user_id, module, _("Passing the self-check"))
    now = now or utcnow()
    existing = db.session.scalar(select(Progress).where(Progress.user_id == user_id, Progress.module_id == module.id))
    kind = "study" if existing is not None else "test_out"
    if kind == "test_out":
        window = test_out_window(user_id, module, rules, now)
        if not window.allowed:
            raise NotAllowed(
                _(
                    "You have used your test-out attempts. You can test out again after %(when)s; "
                    "meanwhile you can start studying the module at any time.",
                    when=format_datetime(window.opens_at, "short"),
                )
            )
    correct_ids = {qid: questions[qid].correct for qid in draw.question_ids}
    score, correct = grade(correct_ids, answers, draw.question_ids)
    pass_mark = pass_mark_for(module, kind)
    passed = score >= pass_mark
    attempt = Attempt(
        user_id=user_id,
        module_id=module.id,
        score=score,
        passed=passed,
        kind=kind,
        answers={str(k): sorted(answers[k]) for k in draw.question_ids},
        draw=draw.to_json(),
        draw_nonce=nonce,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # the same form sent twice at once: the other request recorded it
        earlier = db.session.scalar(select(Attempt).where(Attempt.user_id == user_id, Attempt.draw_nonce == nonce))
        if earlier is None:  # the nonce is unique across learners: another learner's, so a forged form
            raise _expired_form() from None
        return _result_of(earlier, module)
    log_event(user_id, "attempted", module.id, score=score, kind=kind)
    if existing is not None and (existing.best_score is None or score > existing.best_score):
        existing.best_score = score
    if not passed:
        db.session.flush()
        return CheckResult(score, False, pass_mark, correct, "failed", attempt.id, kind)
    log_event(user_id, "passed", module.id, score=score)
    if existing is not None and existing.satisfied:
        db.session.flush()
        return CheckResult(score, True, pass_mark, correct, "already", attempt.id, kind)
    if existing is None:
        row = _finish(user_id, module, "recognised", recognised_by="self_check", score=score)
    else:
        row = _finish(user_id, module, "completed", score=score)
    return CheckResult(score, True, pass_mark, correct, row.status, attempt.id, kind)


def attempt_of(user_id: int, module: Module, attempt_id: int) -> Attempt | None:
    """The learner's own attempt at ``module`` with this id (None for anyone else's)."""
    return db.session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user_id, Attempt.module_id == module.id)
    )


def attempt_result(attempt: Attempt, module: Module) -> CheckResult:
    """A stored attempt's result, regraded per question for the result page."""
    return _result_of(attempt, module)


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


def _finish(
    user_id: int, module: Module, status: str, *, recognised_by: str | None = None, score: int | None = None
) -> Progress:
    row, _created = _get_or_create(user_id, module)
    if row.satisfied:
        return row  # completed stays completed: a second click or a second tab changes nothing
    # A conditional update: of requests finishing at once (two tabs, many workers) exactly
    # one changes the row, and only that one logs the event.
    db.session.flush()
    now = utcnow()
    won = (
        rows_changed(
            db.session.execute(
                update(Progress)
                .where(Progress.id == row.id, Progress.status.not_in(SATISFIED))
                .values(status=status, recognised_by=recognised_by, finished_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )
    db.session.refresh(row)
    if score is not None and (row.best_score is None or score > row.best_score):
        row.best_score = score
    if won:
        log_event(user_id, status, module.id, **({"how": recognised_by} if recognised_by else {}))
    db.session.flush()
    for hook in SATISFIED_HOOKS:  # e.g. credentials queue a badge, issued after the commit
        hook(user_id, module.id, recognised_by or "completed")
    return row


def insert_once(new, query):
    """Add ``new`` in a savepoint; when another request inserted the same unique row first, that row.

    Returns ``(row, created)``. ``query`` selects the row the unique constraint protects.
    """
    try:
        with db.session.begin_nested():
            db.session.add(new)
    except IntegrityError:
        return db.session.scalar(query.execution_options(populate_existing=True)), False
    return new, True


def save_reflection(user_id: int, module: Module, text: str) -> Reflection:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your reflection before saving."), field="text")
    query = select(Reflection).where(Reflection.user_id == user_id, Reflection.module_id == module.id)
    row = db.session.scalar(query)
    if row is None:
        row, created = insert_once(Reflection(user_id=user_id, module_id=module.id, text=text), query)
        if created:
            log_event(user_id, "reflected", module.id)
            db.session.flush()
            return row
    if row.text == text:
        return row  # the same reflection sent again (a double click, two tabs): nothing new to log
    row.text = text
    log_event(user_id, "reflected", module.id)
    db.session.flush()
    return row


def rate_module(user_id: int, module: Module, rating: int, comment: str = "") -> Feedback:
    """Store the learner's rating (1–5) and comment; rating again replaces the earlier one."""
    if rating not in range(1, 6):
        raise DomainError(_("Choose a rating from 1 to 5."), field="rating")
    comment = (comment or "").strip()
    query = select(Feedback).where(Feedback.user_id == user_id, Feedback.module_id == module.id)
    row = db.session.scalar(query)
    if row is None:
        row, created = insert_once(
            Feedback(user_id=user_id, module_id=module.id, rating=rating, comment=comment), query
        )
        if created:
            log_event(user_id, "rated", module.id, rating=rating)
            db.session.flush()
            return row
    if (row.rating, row.comment) == (rating, comment):
        return row  # the same rating sent again (a double click, two tabs): nothing new to log
    row.rating, row.comment = rating, comment
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
    return (
        db.session.scalar(
            select(func.count(Attempt.id)).where(Attempt.user_id == user_id, Attempt.module_id == module_id)
        )
        or 0
    )
