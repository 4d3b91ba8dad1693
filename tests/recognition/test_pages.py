"""Recognition over HTTP with two organisations: a learner asks from the module
page, A's managers decide, the learner sees the outcome; B's manager sees none
of it; double submits give one row; reports label every recognition's provenance."""

import csv
import io
import re

from sqlalchemy import func, select

from kampus.extensions import db
from kampus.progress import services as progress
from kampus.progress.models import LearningEvent, Progress
from kampus.recognition.models import RecognitionRequest
from tests.conftest import form_token
from tests.factories import login, logout, make_team
from tests.paths.helpers import module

SLUG = "oppimateriaalin-laatu"
OTHER = "tekijanoikeudet-ja-avoimuus"


def ask(client, slug=SLUG, evidence="Olen tuottanut saavutettavaa materiaalia kolme vuotta.", link=""):
    token = form_token(client.get(f"/modules/{slug}/recognition").get_data(as_text=True))
    return client.post(f"/modules/{slug}/recognition", data={"csrf_token": token, "evidence": evidence, "link": link})


def decide(client, request_id, decision, comment=""):
    token = form_token(client.get(f"/org/recognition/{request_id}").get_data(as_text=True))
    return client.post(
        f"/org/recognition/{request_id}", data={"csrf_token": token, "decision": decision, "comment": comment}
    )


def only_request():
    return db.session.scalars(select(RecognitionRequest)).one()


def test_a_learner_asks_from_the_module_page_and_a_double_submit_gives_one_row(client, world):
    login(client, world.learner_a.email)
    page = client.get(f"/modules/{SLUG}").get_data(as_text=True)
    assert f'href="/modules/{SLUG}/recognition"' in page
    token = form_token(client.get(f"/modules/{SLUG}/recognition").get_data(as_text=True))
    data = {"csrf_token": token, "evidence": "Teen tätä työkseni.", "link": "https://example.fi/portfolio"}
    first = client.post(f"/modules/{SLUG}/recognition", data=data)
    second = client.post(f"/modules/{SLUG}/recognition", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == "/me/recognition"
    assert db.session.scalar(select(func.count(RecognitionRequest.id))) == 1
    mine = client.get("/me/recognition").get_data(as_text=True)
    assert "Odottaa päätöstä" in mine and "https://example.fi/portfolio" in mine
    # the module page now says the request is waiting instead of offering a new one
    page = client.get(f"/modules/{SLUG}").get_data(as_text=True)
    assert "Tunnustamispyyntösi odottaa päätöstä." in page
    assert f'href="/modules/{SLUG}/recognition"' not in page
    assert 'href="/me/recognition"' in client.get("/me").get_data(as_text=True)


def test_the_form_keeps_what_was_typed_and_shows_errors_beside_the_fields(client, world):
    login(client, world.learner_a.email)
    response = ask(client, evidence="", link="")
    assert response.status_code == 400
    assert 'id="evidence-error"' in response.get_data(as_text=True)
    response = ask(client, evidence="Näyttö on tässä", link="javascript:alert(1)")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="link-error"' in html and "Näyttö on tässä" in html
    response = ask(client, evidence="x" * 2001)
    assert response.status_code == 400 and 'id="evidence-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(RecognitionRequest.id))) == 0


def test_manager_approves_one_and_rejects_another_and_the_learner_sees_both(client, world):
    login(client, world.learner_a.email)
    assert ask(client, SLUG).status_code == 302
    assert ask(client, OTHER).status_code == 302
    logout(client)

    login(client, world.manager_a.email)
    overview = client.get("/org").get_data(as_text=True)
    assert "2 tunnustamispyyntöä odottaa päätöstä" in overview and 'href="/org/recognition"' in overview
    listing = client.get("/org/recognition").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<tr data-request="(\d+)">', listing)]
    assert len(ids) == 2 and world.learner_a.display_name in listing
    by_module = {db.session.get(RecognitionRequest, i).module.slug: i for i in ids}
    # approving twice (a double click) gives one decision and one recognition
    assert decide(client, by_module[SLUG], "approve").status_code == 302
    assert decide(client, by_module[SLUG], "approve").status_code == 302
    # rejecting needs a comment
    refused = decide(client, by_module[OTHER], "reject", "")
    assert refused.status_code == 400 and 'id="comment-error"' in refused.get_data(as_text=True)
    assert decide(client, by_module[OTHER], "reject", "Liitä mukaan esimerkki materiaalista.").status_code == 302
    assert "0 tunnustamispyyntöä odottaa päätöstä" in client.get("/org").get_data(as_text=True)

    rows = {
        p.module.slug: p for p in db.session.scalars(select(Progress).where(Progress.user_id == world.learner_a.id))
    }
    assert list(rows) == [SLUG] and (rows[SLUG].status, rows[SLUG].recognised_by) == ("recognised", "manager")
    verbs = list(
        db.session.scalars(
            select(LearningEvent.verb).where(LearningEvent.user_id == world.learner_a.id).order_by(LearningEvent.id)
        )
    )
    assert verbs == ["requested", "requested", "approved", "recognised", "rejected"]
    # the member's detail page shows the decisions, the provenance and the log
    member = client.get(f"/org/people/{world.learner_a.id}").get_data(as_text=True)
    assert "tunnustettu (esihenkilö)" in member
    assert "Liitä mukaan esimerkki materiaalista." in member
    assert "Tunnustamista ei hyväksytty" in member and "Pyysi tunnustamista" in member
    logout(client)

    login(client, world.learner_a.email)
    mine = client.get("/me/recognition").get_data(as_text=True)
    approved = re.search(r'data-state="approved">(.*?)</li>', mine, re.S).group(1)
    rejected = re.search(r'data-state="rejected">(.*?)</li>', mine, re.S).group(1)
    assert "Hyväksytty" in approved and world.manager_a.display_name in approved
    assert "Ei hyväksytty" in rejected and "Liitä mukaan esimerkki materiaalista." in rejected
    assert f'href="/modules/{OTHER}/recognition"' in rejected  # may ask again


def test_another_organisations_manager_sees_nothing_and_cannot_decide(client, world):
    login(client, world.learner_a.email)
    ask(client)
    logout(client)
    request_id = only_request().id
    login(client, world.manager_b.email)
    assert "0 tunnustamispyyntöä odottaa päätöstä" in client.get("/org").get_data(as_text=True)
    listing = client.get("/org/recognition").get_data(as_text=True)
    assert world.learner_a.display_name not in listing and "data-request" not in listing
    assert client.get(f"/org/recognition/{request_id}").status_code == 404
    token = form_token(client.get("/org/recognition").get_data(as_text=True))
    response = client.post(f"/org/recognition/{request_id}", data={"csrf_token": token, "decision": "approve"})
    assert response.status_code == 404
    assert only_request().state == "pending"
    assert db.session.scalar(select(func.count(Progress.id))) == 0
    # and a learner is no manager
    logout(client)
    login(client, world.other_a.email)
    assert client.get(f"/org/recognition/{request_id}").status_code == 403
    assert client.get("/org/recognition").status_code == 403


def test_a_manager_cannot_approve_their_own_request_but_a_colleague_can(client, world):
    from tests.factories import make_user

    colleague = make_user(world.org_a, manager=True, email="colleague.a@example.fi")
    login(client, world.manager_a.email)
    ask(client)
    request_id = only_request().id
    page = client.get(f"/org/recognition/{request_id}").get_data(as_text=True)
    assert "Omasta pyynnöstäsi päättää toinen esihenkilö." in page and 'value="approve"' not in page
    token = form_token(client.get("/org/recognition").get_data(as_text=True))
    assert (
        client.post(f"/org/recognition/{request_id}", data={"csrf_token": token, "decision": "approve"}).status_code
        == 403
    )
    assert only_request().state == "pending"
    logout(client)
    login(client, colleague.email)
    assert decide(client, request_id, "approve").status_code == 302
    assert only_request().decided_by_id == colleague.id


def test_the_setting_makes_self_assessment_recognitions_wait_for_approval(client, world):
    login(client, world.manager_a.email)
    token = form_token(client.get("/org/recognition").get_data(as_text=True))
    assert (
        client.post("/org/recognition/settings", data={"csrf_token": token, "require_approval": "y"}).status_code == 302
    )
    db.session.refresh(world.org_a)
    assert world.org_a.require_approval_for_self_assessment
    assert "checked" in client.get("/org/recognition").get_data(as_text=True)
    logout(client)

    def assess_and_confirm(person):
        login(client, person.email)
        token = form_token(client.get("/me/assessment").get_data(as_text=True))
        client.post("/me/assessment", data={"csrf_token": token, "level-digitaaliset-sisallot": "A2"})
        page = client.get("/me/assessment").get_data(as_text=True)
        proposed = re.findall(r'name="modules" value="([^"]+)"', page)
        response = client.post("/me/assessment/confirm", data={"csrf_token": form_token(page), "modules": proposed})
        logout(client)
        return proposed, response

    proposed, response = assess_and_confirm(world.learner_a)
    assert proposed and response.headers["Location"] == "/me/recognition"
    rows = db.session.scalars(select(RecognitionRequest).where(RecognitionRequest.user_id == world.learner_a.id)).all()
    assert sorted(r.module.slug for r in rows) == sorted(proposed)
    assert {(r.state, r.source, r.evidence) for r in rows} == {
        ("pending", "self_assessment", "self-assessment: level A2")
    }
    assert db.session.scalar(select(func.count(Progress.id)).where(Progress.user_id == world.learner_a.id)) == 0

    # organisation B has the setting off: the same confirmation recognises at once, as before
    proposed_b, response_b = assess_and_confirm(world.learner_b)
    assert response_b.headers["Location"] == "/me"
    statuses = set(
        db.session.execute(
            select(Progress.status, Progress.recognised_by).where(Progress.user_id == world.learner_b.id)
        ).all()
    )
    assert statuses == {("recognised", "self_assessment")}
    assert (
        db.session.scalar(
            select(func.count(RecognitionRequest.id)).where(RecognitionRequest.user_id == world.learner_b.id)
        )
        == 0
    )


def test_reports_label_each_recognition_with_its_provenance(client, world):
    from tests.reports.test_pages import assign_team

    team = make_team(world.org_a, "Provenienssi", [world.learner_a, world.other_a])
    assign_team(world.org_a, world.manager_a, team)
    progress.recognise(world.learner_a.id, module(SLUG), "self_assessment")
    progress.recognise(world.other_a.id, module(SLUG), "manager")
    progress.recognise(world.learner_a.id, module(OTHER), "self_check")
    db.session.commit()
    login(client, world.manager_a.email)
    html = client.get(f"/org/teams/{team.id}").get_data(as_text=True)
    row_a = re.search(rf'<tr data-user="{world.learner_a.id}">(.*?)</tr>', html, re.S).group(1)
    row_o = re.search(rf'<tr data-user="{world.other_a.id}">(.*?)</tr>', html, re.S).group(1)
    assert "tunnustettu (itsearviointi)" in row_a and "(itsearviointi)" in row_a
    assert "tunnustettu (itsetesti)" in row_a
    assert "tunnustettu (esihenkilö)" in row_o and "itsearviointi" not in row_o
    member = client.get(f"/org/people/{world.learner_a.id}").get_data(as_text=True)
    assert "tunnustettu (itsearviointi)" in member and "tunnustettu (itsetesti)" in member
    text = client.get(f"/org/teams/{team.id}/export.csv").get_data().decode("utf-8-sig")
    rows = {(r["Sähköposti"], r["Moduulin tunnus"]): r for r in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert rows[(world.learner_a.email, SLUG)]["Miten suoritettu"] == "tunnustettu (itsearviointi)"
    assert rows[(world.learner_a.email, OTHER)]["Miten suoritettu"] == "tunnustettu (itsetesti)"
    assert rows[(world.other_a.email, SLUG)]["Miten suoritettu"] == "tunnustettu (esihenkilö)"


def test_the_learner_gets_the_rejection_by_mail_after_commit_only_when_mail_is_configured(
    app, client, world, smtp_sink
):
    from kampus.jobs.models import SENT, OutboxMessage

    login(client, world.learner_a.email)
    ask(client, SLUG)
    ask(client, OTHER)
    logout(client)
    first, second = db.session.scalars(select(RecognitionRequest.id).order_by(RecognitionRequest.id)).all()
    login(client, world.manager_a.email)
    decide(client, first, "reject", "Ei riitä.")
    assert smtp_sink.take() == []  # no mail server configured: the requests page is the message
    assert db.session.scalars(select(OutboxMessage)).all() == []  # and nothing waits in the outbox
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.port)
    decide(client, second, "reject", "Kerro tarkemmin.")
    (message,) = smtp_sink.take()  # through the outbox, after the decision's commit
    body = message.get_content()
    assert message["To"] == world.learner_a.email
    assert (
        "Tunnustamista ei hyväksytty" in message["Subject"] and "Kerro tarkemmin." in body and "/me/recognition" in body
    )
    db.session.expire_all()
    (row,) = db.session.scalars(select(OutboxMessage)).all()
    assert row.state == SENT and row.key == f"recognition:{second}:rejected"
