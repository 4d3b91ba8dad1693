"""An organisation's default content language: set by its manager, given to its new people."""

from sqlalchemy import select

from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.models import Organisation
from tests.orgs.test_staff_and_teams import post, signed_in


def test_a_manager_sets_swedish_and_new_staff_read_swedish(app, world):
    client = signed_in(app, world)
    page = client.get("/org/settings").get_data(as_text=True)
    assert 'name="content_language"' in page and "Svenska" in page
    response = post(client, "/org/settings", {"content_language": "sv"}, page="/org/settings")
    assert response.status_code == 302
    assert db.session.get(Organisation, world.org_a.id).content_language == "sv"
    assert db.session.get(Organisation, world.org_b.id).content_language == "fi"  # only the manager's own

    assert (
        post(client, "/org/staff/invite", {"email": "ny@example.fi", "name": "Ny Lärare", "team": ""}).status_code
        == 302
    )
    person = db.session.scalar(select(User).where(User.email == "ny@example.fi"))
    assert person.language == "sv"


def test_an_unknown_language_is_refused(app, world):
    client = signed_in(app, world)
    response = post(client, "/org/settings", {"content_language": "de"}, page="/org/settings")
    assert response.status_code == 200 and 'id="content_language-error"' in response.get_data(as_text=True)
    assert db.session.get(Organisation, world.org_a.id).content_language == "fi"
