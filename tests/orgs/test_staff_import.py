"""CSV import of staff: a preview with every row's errors before anything is
written, then all valid rows at once; the same file twice adds people once."""

import io
import re

from sqlalchemy import func, select

from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.models import TeamMembership
from tests.conftest import form_token, snapshot_database
from tests.factories import csrf_token, login


def manager_client(app, world):
    client = app.test_client()
    login(client, world.manager_a.email)
    return client


def upload(client, content: bytes):
    return client.post(
        "/org/staff/import",
        data={"file": (io.BytesIO(content), "henkilosto.csv"), "csrf_token": csrf_token(client, "/org/staff/import")},
        content_type="multipart/form-data",
    )


def confirm(client, preview_html: str):
    payload = re.search(
        r'name="payload" type="hidden" value="([^"]+)"|id="payload" name="payload" type="hidden" value="([^"]+)"',
        preview_html,
    )
    assert payload, "the preview carries the file to confirm"
    value = payload.group(1) or payload.group(2)
    return client.post("/org/staff/import/confirm", data={"payload": value, "csrf_token": form_token(preview_html)})


def people_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


GOOD = (
    "name,email,team\n"
    "Maija Virtanen,Maija.Virtanen@example.fi,Tiimi A\n"
    "Juha Nieminen,juha.nieminen@example.fi,\n"
    "Liisa Oppija,learner.a@example.fi,Tiimi A\n"  # already in A and in the team
    "Olli Toinen,other.a@example.fi,tiimi a\n"  # already in A, joins the team (any case)
)


def test_a_file_with_bad_rows_shows_each_rows_error_and_writes_nothing(app, world):
    client = manager_client(app, world)
    content = (
        "name,email,team\n"
        "Hyvä Rivi,hyva@example.fi,Tiimi A\n"
        "Väärä Osoite,ei-osoite,\n"
        "Tuplana,tupla@example.fi,\n"
        "Tuplana Taas,TUPLA@example.fi,\n"
        "Bertta,learner.b@example.fi,\n"
        "Tiimitön,tiimi@example.fi,Olematon tiimi\n"
        ",,\n"
    ).encode()
    before = snapshot_database()
    response = upload(client, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mitään ei ole vielä tallennettu." in html
    assert "ei-osoite ei ole sähköpostiosoite." in html
    assert "Sama sähköpostiosoite on rivillä 4." in html
    assert "Osoitteella learner.b@example.fi on jo tili toisessa organisaatiossa." in html
    assert "Tiimiä Olematon tiimi ei ole." in html
    assert "Sähköpostiosoite puuttuu." in html
    assert "Rivi 3 (ei-osoite)" in html and "Rivi 5 (tupla@example.fi)" in html
    assert "2 riviä voidaan tuoda." in html and "5 rivillä on virheitä, ja ne ohitetaan." in html
    assert snapshot_database() == before


def test_a_good_file_adds_people_and_memberships_once_even_when_sent_twice(app, world):
    client = manager_client(app, world)
    before_people = people_count()
    preview = upload(client, GOOD.encode("utf-8")).get_data(as_text=True)
    assert "4 riviä voidaan tuoda." in preview and "On jo organisaatiossasi" in preview
    assert people_count() == before_people  # the preview writes nothing

    response = confirm(client, preview)
    # No mail server here: the manager is sent to download the new people's links.
    assert response.status_code == 302 and response.headers["Location"] == "/org/staff/import/invitations"
    flashed = client.get("/org/staff/import/invitations").get_data(as_text=True)
    assert "2 uutta henkilöä lisättiin." in flashed and "2 tiimijäsenyyttä lisättiin." in flashed
    maija = db.session.scalar(select(User).where(User.email == "maija.virtanen@example.fi"))
    assert maija.organisation_id == world.org_a.id and maija.name == "Maija Virtanen" and not maija.has_signed_up
    memberships = select(func.count(TeamMembership.id)).where(TeamMembership.team_id == world.team_a.id)
    assert db.session.scalar(memberships) == 3  # learner_a (before), Maija, Olli
    state = snapshot_database()

    # The same confirmation again (e.g. a double click), then the whole file again.
    assert confirm(client, preview).status_code == 302
    again = upload(client, GOOD.encode("utf-8")).get_data(as_text=True)
    assert confirm(client, again).status_code == 302
    assert people_count() == before_people + 2
    assert db.session.scalar(memberships) == 3
    assert snapshot_database() == state


def test_semicolons_and_a_byte_order_mark_are_understood(app, world):
    client = manager_client(app, world)
    content = "\ufeffNimi;Sähköposti;Tiimi\r\nÄänekoski Åsa;asa@example.fi;Tiimi A\r\n".encode("utf-8")
    preview = upload(client, content).get_data(as_text=True)
    assert "1 rivi voidaan tuoda." in preview and "virheitä" not in preview
    confirm(client, preview)
    person = db.session.scalar(select(User).where(User.email == "asa@example.fi"))
    assert person.name == "Äänekoski Åsa" and person in world.team_a.members


def test_rows_in_the_wrong_encoding_are_named(app, world):
    client = manager_client(app, world)
    content = "name,email,team\nJuha,juha@example.fi,\nPäivi Mäkelä,paivi@example.fi,\n".encode("latin-1")
    html = upload(client, content).get_data(as_text=True)
    assert "Rivi 3" in html and "Tämä rivi ei ole UTF-8-tekstiä." in html
    assert db.session.scalar(select(User).where(User.email == "paivi@example.fi")) is None


def test_a_file_without_the_columns_is_refused_as_a_whole(app, world):
    client = manager_client(app, world)
    html = upload(client, b"Maija,maija@example.fi\n").get_data(as_text=True)
    assert "Tiedostoa ei voi tuoda" in html and "Ensimmäisen rivin täytyy nimetä sarakkeet" in html
    assert 'name="payload"' not in html


def test_confirming_checks_the_file_again(app, world):
    """Someone else took an address between the preview and the confirmation."""
    client = manager_client(app, world)
    preview = upload(client, b"name,email,team\nUusi,uusi@example.fi,\n").get_data(as_text=True)
    from tests.factories import make_user

    make_user(world.org_b, email="uusi@example.fi")
    response = confirm(client, preview)
    assert response.status_code == 200
    assert "toisessa organisaatiossa" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "uusi@example.fi")).organisation_id == world.org_b.id


def test_a_forged_confirmation_is_refused(app, world):
    client = manager_client(app, world)
    response = client.post(
        "/org/staff/import/confirm",
        data={"payload": "%%% not base64", "csrf_token": csrf_token(client, "/org/staff/import")},
    )
    assert response.status_code == 400
