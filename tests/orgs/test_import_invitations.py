"""After a staff import the new people get their invitations: by mail through the outbox
when a mail server is configured, else the importing manager downloads their links once,
for a short time (a CSV with semicolons and a byte-order mark), and nobody else can."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from sqlalchemy import select

from kampus.db import utcnow
from kampus.extensions import db
from kampus.jobs.models import SENT, OutboxMessage
from kampus.orgs.models import InvitationList
from tests.conftest import form_token
from tests.factories import csrf_token, login, make_user
from tests.orgs.test_staff_import import confirm, upload

FILE = (
    b"name;email;team\n"
    b"Maija Virtanen;maija.virtanen@example.fi;Tiimi A\n"
    b"=Huijari;juha.nieminen@example.fi;\n"  # a formula-looking name stays text in a spreadsheet
    b"Liisa Oppija;learner.a@example.fi;Tiimi A\n"  # already there: no invitation
)
NEW = ["juha.nieminen@example.fi", "maija.virtanen@example.fi"]


def imported(app, world):
    client = app.test_client()
    login(client, world.manager_a.email)
    response = confirm(client, upload(client, FILE).get_data(as_text=True))
    return client, response


def download(client):
    return client.post(
        "/org/staff/import/invitations", data={"csrf_token": csrf_token(client, "/org/staff/import/invitations")}
    )


def test_with_a_mail_server_each_new_person_gets_the_invitation_by_mail(make_app, smtp_sink):
    from tests.factories import make_world

    app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.port)
    with app.app_context():
        world = make_world()
        client, response = imported(app, world)
        assert response.headers["Location"] == "/org/staff"
        page = client.get("/org/staff").get_data(as_text=True)
        assert "2 kutsua on matkalla sähköpostitse." in page and "/invitation/" not in page
        messages = smtp_sink.take()
        assert sorted(m["To"] for m in messages) == NEW
        for message in messages:
            assert message["Subject"] == "Kutsu Kampukseen"
            (link,) = re.findall(r"http://localhost(/invitation/\S+)", message.get_content())
            assert app.test_client().get(link).status_code == 200
        db.session.expire_all()
        assert [m.state for m in db.session.scalars(select(OutboxMessage))] == [SENT, SENT]
        assert db.session.scalars(select(InvitationList)).all() == []  # nothing to download


def test_without_mail_the_manager_downloads_the_links_once(app, world):
    client, response = imported(app, world)
    assert response.headers["Location"] == "/org/staff/import/invitations"
    page = client.get("/org/staff/import/invitations").get_data(as_text=True)
    assert "2 kutsua ei voitu lähettää" in page and "/invitation/" not in page  # the page shows no link

    file = download(client)
    assert file.status_code == 200 and file.mimetype == "text/csv"
    assert "attachment" in file.headers["Content-Disposition"] and file.headers["Cache-Control"] == "no-store"
    raw = file.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Nimi", "Sähköpostiosoite", "Kutsulinkki (voimassa seitsemän päivää)"]
    assert [r[1] for r in rows[1:]] == NEW
    assert rows[1][0] == "'=Huijari"  # spreadsheet-safe
    for row in rows[1:]:
        assert app.test_client().get(row[2].removeprefix("http://localhost")).status_code == 200

    # Once only: the second try gets nothing, and the page says the list is gone.
    again = download(client)
    assert again.status_code == 302 and again.headers["Location"] == "/org/staff/import/invitations"
    assert "Linkkiluettelo ei ole enää saatavilla." in client.get(again.headers["Location"]).get_data(as_text=True)


def _secret_of(client) -> str:
    with client.session_transaction() as session:
        return session["invitation_list"]


def test_nobody_else_gets_the_links_not_even_with_the_secret(app, world):
    client, _response = imported(app, world)
    secret = _secret_of(client)
    colleague = make_user(world.org_a, manager=True, email="toinen.esihenkilo@example.fi")
    for person in (colleague, world.manager_b):
        other = app.test_client()
        login(other, person.email)
        with other.session_transaction() as session:
            session["invitation_list"] = secret
        assert download(other).status_code == 302
    assert download(client).status_code == 200  # still there for the manager who imported


def test_the_links_expire_after_a_short_time(app, world):
    client, _response = imported(app, world)
    row = db.session.scalar(select(InvitationList))
    assert dt.timedelta(minutes=29) < row.expires_at - row.created_at <= dt.timedelta(minutes=30)
    assert row.user_ids and "invitation" not in str(row.user_ids)  # who, never a link
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert "on jo ladattu tai se on vanhentunut" in client.get("/org/staff/import/invitations").get_data(as_text=True)
    assert download(client).status_code == 302


def test_the_download_needs_its_csrf_token(app, world):
    client, _response = imported(app, world)
    assert client.post("/org/staff/import/invitations", data={}).status_code == 400
    page = client.get("/org/staff/import/invitations").get_data(as_text=True)
    assert client.post("/org/staff/import/invitations", data={"csrf_token": form_token(page)}).status_code == 200
