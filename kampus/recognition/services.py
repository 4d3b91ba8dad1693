"""Recognition of prior learning: learners request, their organisation's managers decide.

Services take the acting person and ids explicitly, add and flush, and raise a
:class:`~kampus.errors.DomainError` a person can act on; views commit and send
mail afterwards. A manager loads requests only through their own organisation
(:func:`get_for_manager`), so another organisation's request is not found.

Everything is written to the learner's event log: ``requested``, then
``approved`` (followed by ``recognised`` with ``how="manager"``) or
``rejected`` with the manager's comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kampus.auth.mail import mail_configured, send_mail
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.db import rows_changed, utcnow
from kampus.errors import DomainError, NotAllowed, NotFound
from kampus.extensions import db
from kampus.notifications import services as notifications
from kampus.orgs.models import Organisation
from kampus.progress.assessment import proposals
from kampus.progress.models import SATISFIED, Progress
from kampus.progress.services import log_event, recognise
from kampus.recognition.models import COMMENT_MAX, EVIDENCE_MAX, LINK_MAX, RecognitionRequest
from kampus.templating import localized

SELF_ASSESSMENT_EVIDENCE = "self-assessment: level {level}"


# --- reading ---------------------------------------------------------------------


def _with_people():
    return (
        selectinload(RecognitionRequest.module),
        selectinload(RecognitionRequest.user),
        selectinload(RecognitionRequest.decided_by),
    )


def requests_of(user_id: int) -> list[RecognitionRequest]:
    """The learner's own requests, newest first."""
    return list(
        db.session.scalars(
            select(RecognitionRequest)
            .where(RecognitionRequest.user_id == user_id)
            .options(*_with_people())
            .order_by(RecognitionRequest.created_at.desc(), RecognitionRequest.id.desc())
        )
    )


def latest_request(user_id: int, module_id: int) -> RecognitionRequest | None:
    """The learner's most recent request for the module, if any."""
    return db.session.scalar(
        select(RecognitionRequest)
        .where(RecognitionRequest.user_id == user_id, RecognitionRequest.module_id == module_id)
        .order_by(RecognitionRequest.created_at.desc(), RecognitionRequest.id.desc())
        .limit(1)
    )


def _organisation_requests(organisation_id: int):
    return (
        select(RecognitionRequest)
        .join(User, User.id == RecognitionRequest.user_id)
        .where(User.organisation_id == organisation_id)
    )


def pending_count(organisation_id: int) -> int:
    """How many requests of the organisation's members wait for a decision (one query)."""
    return (
        db.session.scalar(
            select(func.count(RecognitionRequest.id))
            .join(User, User.id == RecognitionRequest.user_id)
            .where(User.organisation_id == organisation_id, RecognitionRequest.state == "pending")
        )
        or 0
    )


def organisation_requests(organisation_id: int, *, pending: bool) -> list[RecognitionRequest]:
    """The organisation's pending requests (oldest first), or its decided ones (newest first, at most 50)."""
    query = _organisation_requests(organisation_id).options(*_with_people())
    if pending:
        query = query.where(RecognitionRequest.state == "pending").order_by(
            RecognitionRequest.created_at, RecognitionRequest.id
        )
    else:
        query = (
            query.where(RecognitionRequest.state != "pending")
            .order_by(RecognitionRequest.decided_at.desc(), RecognitionRequest.id.desc())
            .limit(50)
        )
    return list(db.session.scalars(query))


def get_for_manager(request_id: int, organisation_id: int) -> RecognitionRequest:
    """A request of a member of the manager's organisation; :class:`NotFound` for anyone else's."""
    found = db.session.scalar(
        _organisation_requests(organisation_id).where(RecognitionRequest.id == request_id).options(*_with_people())
    )
    if found is None:
        raise NotFound(f"no recognition request {request_id}")
    return found


def requires_approval(user: User) -> bool:
    """True when the learner's organisation wants self-assessment recognitions approved by a manager."""
    if user.organisation_id is None:
        return False
    return bool(
        db.session.scalar(
            select(Organisation.require_approval_for_self_assessment).where(Organisation.id == user.organisation_id)
        )
    )


# --- learners ----------------------------------------------------------------------


def clean_link(link: str | None) -> str | None:
    """An optional http(s) link with a host, trimmed; :class:`DomainError` for anything else."""
    link = (link or "").strip()
    if not link:
        return None
    parts = urlsplit(link)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or len(link) > LINK_MAX
        or any(c.isspace() for c in link)
    ):
        raise DomainError(_("Give a web address that starts with http:// or https://."), field="link")
    return link


def _satisfied(user_id: int, module_id: int) -> bool:
    status = db.session.scalar(
        select(Progress.status).where(Progress.user_id == user_id, Progress.module_id == module_id)
    )
    return status in SATISFIED


def request_recognition(
    user: User, module: Module, evidence: str, link: str | None = None, *, source: str = "learner"
) -> tuple[RecognitionRequest, bool]:
    """Ask the learner's managers to recognise ``module``; returns the request and whether it is new.

    A second request while one is pending returns the pending one (a double
    submit gives one row). Refused with :class:`DomainError` when the learner
    has no organisation, the module is not published or is already completed or
    recognised, or the evidence is empty or too long.
    """
    if user.organisation_id is None:
        raise DomainError(_("Only members of an organisation can ask their managers for recognition."))
    if module.status != "published":
        raise DomainError(_("This module is not open for study."))
    if _satisfied(user.id, module.id):
        raise DomainError(_("This module is already completed or recognised."))
    evidence = (evidence or "").strip()
    if not evidence:
        raise DomainError(_("Describe what you have done that shows you know this."), field="evidence")
    if len(evidence) > EVIDENCE_MAX:
        raise DomainError(_("Keep the description under %(num)d characters.", num=EVIDENCE_MAX), field="evidence")
    link = clean_link(link)
    query = select(RecognitionRequest).where(
        RecognitionRequest.user_id == user.id,
        RecognitionRequest.module_id == module.id,
        RecognitionRequest.state == "pending",
    )
    existing = db.session.scalar(query)
    if existing is not None:
        return existing, False
    try:
        with db.session.begin_nested():
            row = RecognitionRequest(
                user_id=user.id,
                module_id=module.id,
                state="pending",
                source=source,
                evidence=evidence,
                link=link,
                comment="",
                created_at=utcnow(),
            )
            db.session.add(row)
    except IntegrityError:  # two submits at once: the other one won
        winner = db.session.scalar(query.execution_options(populate_existing=True))
        assert winner is not None  # the IntegrityError was the other submit's pending request
        return winner, False
    log_event(user.id, "requested", module.id, request=row.id, source=source)
    db.session.flush()
    return row, True


def request_from_self_assessment(user: User, slugs: list[str]) -> int:
    """Turn the confirmed self-assessment proposals into pending requests (evidence: the level given).

    Only proposed modules are accepted (as in :func:`kampus.progress.assessment.confirm`).
    Returns how many modules now wait for approval.
    """
    proposed = {m.slug: (m, p.level) for p in proposals(user.id) for m in p.modules}
    if any(s not in proposed for s in slugs):
        raise DomainError(_("Only the proposed modules can be recognised here."), field="modules")
    for slug in dict.fromkeys(slugs):
        module, level = proposed[slug]
        request_recognition(user, module, SELF_ASSESSMENT_EVIDENCE.format(level=level), source="self_assessment")
    return len(set(slugs))


# --- managers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What a decision did: the request, and whether this call made it (False: it was decided already)."""

    request: RecognitionRequest
    changed: bool


def _decide(manager: User, request: RecognitionRequest, state: str, comment: str) -> bool:
    if manager.id == request.user_id:
        raise NotAllowed(_("Another manager must decide on your own request."))
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("Keep the comment under %(num)d characters.", num=COMMENT_MAX), field="comment")
    # A conditional update: of two approvals at once (a double click, two managers) one wins.
    won = (
        rows_changed(
            db.session.execute(
                update(RecognitionRequest)
                .where(RecognitionRequest.id == request.id, RecognitionRequest.state == "pending")
                .values(state=state, decided_at=utcnow(), decided_by_id=manager.id, comment=comment)
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )
    db.session.refresh(request)
    return won


def approve(manager: User, request: RecognitionRequest, comment: str = "") -> Decision:
    """Approve: the module is recorded ``recognised`` by ``manager`` (a module already satisfied stays as it is).

    Idempotent: approving a decided request changes nothing. Refused with
    :class:`NotAllowed` when a manager would approve their own request.
    """
    comment = (comment or "").strip()
    if not _decide(manager, request, "approved", comment):
        return Decision(request, False)
    log_event(request.user_id, "approved", request.module_id, request=request.id, by=manager.id)
    recognise(request.user_id, request.module, "manager")
    _notify_decision(request, notifications.RECOGNITION_APPROVED)
    db.session.flush()
    return Decision(request, True)


def _notify_decision(request: RecognitionRequest, kind: str) -> None:
    """The learner's notification of a decision (mailed by :func:`mail_decision`, not again here)."""
    params = {"request": request.id, "module": request.module.slug, "title": dict(request.module.title or {})}
    notifications.notify(request.user_id, kind, params, key=f"{kind}:{request.id}", mail=False)


def reject(manager: User, request: RecognitionRequest, comment: str) -> Decision:
    """Reject with a comment (required) the learner will see. Idempotent like :func:`approve`."""
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Tell the learner why: a comment is required when rejecting."), field="comment")
    if not _decide(manager, request, "rejected", comment):
        return Decision(request, False)
    log_event(request.user_id, "rejected", request.module_id, request=request.id, by=manager.id, comment=comment)
    _notify_decision(request, notifications.RECOGNITION_REJECTED)
    db.session.flush()
    return Decision(request, True)


def set_self_assessment_approval(organisation: Organisation, required: bool) -> None:
    organisation.require_approval_for_self_assessment = bool(required)
    db.session.flush()


def mail_decision(request: RecognitionRequest, module_url: str) -> bool:
    """E-mail the learner the decision and the manager's comment, in the learner's language.

    Queued in the decision's transaction (the outbox sends it after the commit,
    once per request and decision); does nothing (False) when no mail server is
    configured, since the learner sees the decision on their requests page anyway.
    """
    if not mail_configured():
        return False
    with force_locale(request.user.language):
        title = localized(request.module.title)
        if request.state == "approved":
            subject = _("Recognition approved: %(title)s", title=title)
            body = _("Your request to have %(title)s recognised was approved.", title=title)
        else:
            subject = _("Recognition not approved: %(title)s", title=title)
            body = _("Your request to have %(title)s recognised was not approved.", title=title)
        if request.comment:
            body += (
                "\n\n"
                + _("Comment from %(name)s:", name=request.decided_by.display_name if request.decided_by else "")
                + "\n"
                + request.comment
            )
        body += "\n\n" + module_url
    return send_mail(request.user.email, subject, body, key=f"recognition:{request.id}:{request.state}")
