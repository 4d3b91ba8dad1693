"""In-app notifications through the pages: a manager's assignment (new, extended,
withdrawn), a recognition decision and an overdue reminder each notify the person
once, in their own language when they read it; the list is paged, newest first,
and marked read by POST; the nav's unread count costs one query."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from kampus.assignments import services as assignments
from kampus.assignments.reminders import send_reminders
from kampus.extensions import db
from kampus.jobs.models import OutboxMessage
from kampus.notifications import services as notifications
from kampus.notifications.models import Notification
from kampus.recognition import services as recognition
from tests.conftest import form_token
from tests.factories import login, logout, make_org, make_team, make_user

GOAL = "digcomp-perusteet"


def make_template(org):
    return assignments.save_template(
        None,
        organisation_id=org.id,
        title={"fi": "Digiperusta", "sv": "Digital grund", "en": "Digital basics"},
        description={},
        target_group=None,
        module_slugs=[GOAL],
        theme_slugs=[],
    )


def people():
    org = make_org()
    manager = make_user(org, manager=True, email="esihenkilo@example.fi")
    aino = make_user(org, email="aino@example.fi", language="fi")
    bo = make_user(org, email="bo@example.fi", language="sv")
    team = make_team(org, "Opettajat", [aino, bo])
    template = make_template(org)
    db.session.commit()
    return org, manager, aino, bo, team, template


def notes_of(user) -> list[tuple[str, dict]]:
    return [
        (n.kind, n.params)
        for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]


def assign_through_the_page(client, template, team, due):
    html = client.get("/org/assignments").get_data(as_text=True)
    data = {"csrf_token": form_token(html), "template": template.id, "team": team.id, "due": due.isoformat()}
    response = client.post("/org/assignments", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return db.session.scalar(select(assignments.Assignment).order_by(assignments.Assignment.id.desc()).limit(1))


def test_a_new_extended_and_withdrawn_assignment_notify_each_person_once_in_their_language(client):
    org, manager, aino, bo, team, template = people()
    due = dt.date.today() + dt.timedelta(days=30)
    login(client, manager.email)
    a = assign_through_the_page(client, template, team, due)
    token = form_token(client.get("/org/assignments").get_data(as_text=True))
    later = due + dt.timedelta(days=14)
    for _twice in range(2):  # a double submit notifies once
        client.post(f"/org/assignments/{a.id}/extend", data={"csrf_token": token, "due": later.isoformat()})
    client.post(f"/org/assignments/{a.id}/withdraw", data={"csrf_token": token, "confirm": "yes"})
    client.post(f"/org/assignments/{a.id}/withdraw", data={"csrf_token": token, "confirm": "yes"})
    assert [k for k, _p in notes_of(aino)] == ["assignment_new", "assignment_extended", "assignment_withdrawn"]
    assert [k for k, _p in notes_of(bo)] == ["assignment_new", "assignment_extended", "assignment_withdrawn"]
    assert notes_of(manager) == []
    assert notes_of(aino)[0][1] == {
        "assignment": a.id,
        "path": {"fi": "Digiperusta", "sv": "Digital grund", "en": "Digital basics"},
        "due": due.isoformat(),
    }
    logout(client)

    login(client, aino.email)
    html = client.get("/me").get_data(as_text=True)
    assert '<span class="nav-count">3 lukematonta</span>' in html
    page = client.get("/me/notifications").get_data(as_text=True)
    texts = re.findall(r'<li id="n\d+" class="notification[^"]*" data-kind="([^"]+)">', page)
    assert texts == ["assignment_withdrawn", "assignment_extended", "assignment_new"]  # newest first
    assert "Sinulle on osoitettu uusi polku: Digiperusta" in page
    assert f'href="/me/assignments/{a.id}"' in page
    assert f"{later.day}.{later.month}.{later.year}" in page
    logout(client)

    login(client, bo.email)  # the same rows, read in Swedish
    page = client.get("/me/notifications").get_data(as_text=True)
    assert "Du har tilldelats en ny stig: Digital grund" in page and "Digiperusta" not in page
    assert '<span class="nav-count">3 olästa</span>' in client.get("/me").get_data(as_text=True)


def test_a_recognition_decision_notifies_the_learner(client):
    org, manager, aino, bo, team, template = people()
    other = make_user(org, manager=True, email="toinen.esihenkilo@example.fi")
    module = db.session.scalar(select(assignments.Module).where(assignments.Module.slug == GOAL))
    approved, _new = recognition.request_recognition(aino, module, "Olen opettanut tätä kolme vuotta.")
    second = db.session.scalar(select(assignments.Module).where(assignments.Module.slug == "tietoturva-ja-tietosuoja"))
    rejected, _new = recognition.request_recognition(bo, second, "Luin kirjan.")
    db.session.commit()
    login(client, other.email)
    for request, decision, comment in ((approved, "approve", ""), (rejected, "reject", "Kerro lisää.")):
        url = f"/org/recognition/{request.id}"
        data = {
            "csrf_token": form_token(client.get(url).get_data(as_text=True)),
            "decision": decision,
            "comment": comment,
        }
        assert client.post(url, data=data).status_code == 302
        client.post(url, data=data)  # decided already: no second notification
    assert [k for k, _p in notes_of(aino)] == ["recognition_approved"]
    assert [k for k, _p in notes_of(bo)] == ["recognition_rejected"]
    logout(client)
    login(client, bo.email)
    page = client.get("/me/notifications").get_data(as_text=True)
    assert "Erkännandet godkändes inte" in page and 'href="/me/recognition"' in page


def test_an_overdue_reminder_notifies_once_per_assignment_and_due_date(app):
    org, manager, aino, bo, team, template = people()
    a = assignments.assign(
        org.id, manager.id, template_id=template.id, team_id=team.id, user_ids=[], due=dt.date.today()
    )
    db.session.commit()
    later = dt.date.today() + dt.timedelta(days=3)
    for day in (later, later, later + dt.timedelta(days=1)):  # no mail server: each run plans them again
        send_reminders(day, dry_run=False)
        db.session.commit()
    kinds = [k for k, _p in notes_of(aino)]
    assert kinds == ["assignment_new", "assignment_overdue"]
    assert notes_of(aino)[1][1]["assignment"] == a.id
    send_reminders(later, dry_run=True)
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "assignment_overdue")) == 2


def test_notifications_are_paged_and_marked_read_by_post_only_by_their_owner(client):
    org, manager, aino, bo, team, template = people()
    for n in range(25):
        notifications.notify(aino.id, "assignment_withdrawn", {"assignment": n, "path": {"fi": f"Polku {n}"}})
    theirs = notifications.notify(bo.id, "assignment_withdrawn", {"assignment": 1, "path": {"fi": "Bon polku"}})
    db.session.commit()
    login(client, aino.email)
    first = client.get("/me/notifications").get_data(as_text=True)
    assert first.count('class="notification notification-unread"') == 20
    assert "Polku 24" in first and "Polku 4<" not in first and 'href="/me/notifications?page=2"' in first
    second = client.get("/me/notifications?page=2").get_data(as_text=True)
    assert second.count('class="notification notification-unread"') == 5 and "Polku 0" in second
    newest = db.session.scalar(
        select(Notification.id).where(Notification.user_id == aino.id).order_by(Notification.id.desc()).limit(1)
    )
    # without the CSRF token nothing is marked
    client.post(f"/me/notifications/{newest}/read")
    assert '<span class="nav-count">25 lukematonta</span>' in client.get("/me").get_data(as_text=True)
    token = form_token(first)
    response = client.post(f"/me/notifications/{newest}/read", data={"csrf_token": token})
    assert response.status_code == 302
    assert '<span class="nav-count">24 lukematonta</span>' in client.get("/me").get_data(as_text=True)
    assert client.post(f"/me/notifications/{theirs.id}/read", data={"csrf_token": token}).status_code == 404
    client.post("/me/notifications/read-all", data={"csrf_token": token})
    page = client.get("/me/notifications").get_data(as_text=True)
    assert "nav-count" not in page and "notification-unread" not in page
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_the_unread_count_is_one_query_whatever_the_number(app, client, count_queries):
    org, manager, aino, bo, team, template = people()
    login(client, aino.email)
    client.get("/account")
    db.session.expire_all()  # as after a commit: each measured page loads the same rows
    with count_queries(app) as none:
        client.get("/account")
    for n in range(30):
        notifications.notify(aino.id, "assignment_withdrawn", {"assignment": n, "path": {"fi": f"Polku {n}"}})
    db.session.commit()
    with count_queries(app) as many:
        html = client.get("/account").get_data(as_text=True)
    assert '<span class="nav-count">30 lukematonta</span>' in html
    assert many.count == none.count, "\n\n".join(many.statements)
    assert sum("notifications" in s for s in many.statements) == 1


def test_with_a_mail_server_an_assignment_queues_one_mail_per_person_through_the_outbox(make_app):
    app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=9, KAMPUS_BASE_URL="https://kampus.example.fi")
    with app.app_context():
        org, manager, aino, bo, team, template = people()
        a = assignments.assign(
            org.id, manager.id, template_id=template.id, team_id=team.id, user_ids=[], due=dt.date.today()
        )
        assignments._notify_people(a, "assignment_new")  # notified again: adds nothing
        db.session.commit()
        mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mail")).all()
        by_to = {m.payload["to"]: m.payload for m in mails}
        assert set(by_to) == {"aino@example.fi", "bo@example.fi"}
        assert by_to["bo@example.fi"]["subject"].startswith("Du har tilldelats en ny stig: Digital grund")
        assert f"https://kampus.example.fi/me/assignments/{a.id}" in by_to["aino@example.fi"]["body"]
