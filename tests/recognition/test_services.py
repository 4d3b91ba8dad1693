"""Recognition services: requesting, approving and rejecting, with provenance and the event log."""

import pytest
from sqlalchemy import func, select

from kampus.errors import DomainError, NotAllowed, NotFound
from kampus.extensions import db
from kampus.progress import services as progress
from kampus.progress.models import LearningEvent, Progress
from kampus.recognition import services
from kampus.recognition.models import RecognitionRequest
from tests.paths.helpers import module

SLUG = "oppimateriaalin-laatu"


def events(user_id):
    return [
        (e.verb, e.data)
        for e in db.session.scalars(
            select(LearningEvent).where(LearningEvent.user_id == user_id).order_by(LearningEvent.id)
        )
    ]


def count_requests(**where):
    query = select(func.count(RecognitionRequest.id))
    for key, value in where.items():
        query = query.where(getattr(RecognitionRequest, key) == value)
    return db.session.scalar(query)


def test_a_request_waits_and_a_second_one_while_pending_gives_the_same_row(world):
    first, created = services.request_recognition(
        world.learner_a, module(SLUG), "  Olen tehnyt tätä vuosia. ", "https://example.fi/portfolio"
    )
    again, created_again = services.request_recognition(world.learner_a, module(SLUG), "Toinen kerta")
    db.session.commit()
    assert (created, created_again) == (True, False)
    assert again.id == first.id and first.evidence == "Olen tehnyt tätä vuosia."
    assert count_requests() == 1
    assert events(world.learner_a.id) == [("requested", {"request": first.id, "source": "learner"})]
    assert services.pending_count(world.org_a.id) == 1 and services.pending_count(world.org_b.id) == 0


def test_the_pending_index_refuses_a_second_pending_row_even_past_the_service(app):
    """The database itself keeps one pending request per learner and module."""
    from sqlalchemy.exc import IntegrityError

    from tests.factories import make_org, make_user

    learner = make_user(make_org())
    for _ in range(2):
        db.session.add(
            RecognitionRequest(user_id=learner.id, module_id=module(SLUG).id, state="pending", evidence="x", comment="")
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "evidence, link, field",
    [
        ("", None, "evidence"),
        ("   ", None, "evidence"),
        ("x" * 2001, None, "evidence"),
        ("Näyttö", "javascript:alert(1)", "link"),
        ("Näyttö", "ftp://example.fi/x", "link"),
        ("Näyttö", "https://", "link"),
        ("Näyttö", "https://example.fi/" + "a" * 500, "link"),
    ],
)
def test_evidence_is_required_and_bounded_and_the_link_must_be_http(world, evidence, link, field):
    with pytest.raises(DomainError) as raised:
        services.request_recognition(world.learner_a, module(SLUG), evidence, link)
    assert raised.value.field == field
    db.session.rollback()
    assert count_requests() == 0


def test_a_completed_or_recognised_module_and_a_learner_without_organisation_are_refused(world):
    progress.recognise(world.learner_a.id, module(SLUG), "self_check")
    with pytest.raises(DomainError):
        services.request_recognition(world.learner_a, module(SLUG), "Näyttö")
    with pytest.raises(DomainError):
        services.request_recognition(world.admin, module(SLUG), "Näyttö")


def test_approval_records_recognised_by_manager_with_who_and_when_and_is_idempotent(world):
    row, _ = services.request_recognition(world.learner_a, module(SLUG), "Näyttö")
    decision = services.approve(world.manager_a, row, "  Hyvä näyttö ")
    again = services.approve(world.manager_a, row, "toinen")
    rejected_after = services.reject(world.manager_a, row, "myöhässä")
    db.session.commit()
    assert (decision.changed, again.changed, rejected_after.changed) == (True, False, False)
    db.session.refresh(row)
    assert (row.state, row.decided_by_id, row.comment) == ("approved", world.manager_a.id, "Hyvä näyttö")
    assert row.decided_at is not None
    p = db.session.scalar(select(Progress).where(Progress.user_id == world.learner_a.id))
    assert (p.status, p.recognised_by, p.module_id) == ("recognised", "manager", module(SLUG).id)
    verbs = [v for v, _ in events(world.learner_a.id)]
    assert verbs == ["requested", "approved", "recognised"]
    assert events(world.learner_a.id)[1][1]["by"] == world.manager_a.id
    assert events(world.learner_a.id)[2][1] == {"how": "manager"}
    # another learner of the same organisation is untouched
    assert db.session.scalar(select(Progress).where(Progress.user_id == world.other_a.id)) is None


def test_rejection_needs_a_comment_keeps_the_module_unrecognised_and_allows_a_new_request(world):
    row, _ = services.request_recognition(world.learner_a, module(SLUG), "Näyttö")
    with pytest.raises(DomainError) as raised:
        services.reject(world.manager_a, row, "  ")
    assert raised.value.field == "comment"
    assert services.reject(world.manager_a, row, "Kerro tarkemmin.").changed
    db.session.commit()
    assert row.state == "rejected" and row.comment == "Kerro tarkemmin."
    assert db.session.scalar(select(Progress).where(Progress.user_id == world.learner_a.id)) is None
    assert events(world.learner_a.id)[-1] == (
        "rejected",
        {"request": row.id, "by": world.manager_a.id, "comment": "Kerro tarkemmin."},
    )
    new, created = services.request_recognition(world.learner_a, module(SLUG), "Lisää näyttöä")
    assert created and new.id != row.id


def test_a_manager_cannot_decide_their_own_request(world):
    row, _ = services.request_recognition(world.manager_a, module(SLUG), "Näyttö")
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.approve(world.manager_a, row)
    db.session.rollback()
    assert db.session.get(RecognitionRequest, row.id).state == "pending"


def test_managers_find_only_their_own_organisations_requests(world):
    row, _ = services.request_recognition(world.learner_a, module(SLUG), "Näyttö")
    db.session.commit()
    assert services.get_for_manager(row.id, world.org_a.id).id == row.id
    with pytest.raises(NotFound):
        services.get_for_manager(row.id, world.org_b.id)
    assert [r.id for r in services.organisation_requests(world.org_a.id, pending=True)] == [row.id]
    assert services.organisation_requests(world.org_b.id, pending=True) == []


def test_self_assessment_requests_when_the_organisation_requires_approval(world):
    from kampus.progress import assessment

    world.org_a.require_approval_for_self_assessment = True
    assessment.save_levels(world.learner_a.id, {"digitaaliset-sisallot": "A2"})
    proposed = [m.slug for p in assessment.proposals(world.learner_a.id) for m in p.modules]
    assert services.requires_approval(world.learner_a) and not services.requires_approval(world.learner_b)
    count = services.request_from_self_assessment(world.learner_a, proposed[:2])
    db.session.commit()
    assert count == 2
    rows = db.session.scalars(select(RecognitionRequest).order_by(RecognitionRequest.id)).all()
    assert [(r.state, r.source, r.evidence) for r in rows] == [
        ("pending", "self_assessment", "self-assessment: level A2")
    ] * 2
    assert db.session.scalar(select(func.count(Progress.id))) == 0  # nothing recognised yet
    with pytest.raises(DomainError):
        services.request_from_self_assessment(world.learner_a, ["not-proposed"])
