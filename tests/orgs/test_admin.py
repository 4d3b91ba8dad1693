"""Administrator pages: organisations, theme roles, managers, people across organisations."""

import re

from sqlalchemy import select

from kampus.auth.models import User
from kampus.catalogue.models import Theme
from kampus.extensions import db
from kampus.orgs.models import Organisation, OrganisationThemeRole
from tests.factories import csrf_token, login


def admin_client(app, world):
    client = app.test_client()
    login(client, world.admin.email)
    return client


def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/admin")})


def test_index_links_to_the_sub_pages(app, world):
    html = admin_client(app, world).get("/admin").get_data(as_text=True)
    assert 'href="/admin/organisations"' in html and 'href="/admin/users"' in html


def test_create_an_organisation_and_refuse_a_taken_or_bad_short_name(app, world):
    client = admin_client(app, world)
    response = post(client, "/admin/organisations", {"name": "Pohjoisen opisto", "slug": "pohjoinen"})
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == "pohjoinen"))
    assert response.headers["Location"] == f"/admin/organisations/{organisation.id}"
    taken = post(client, "/admin/organisations", {"name": "Toinen", "slug": "pohjoinen"})
    assert "Lyhyt nimi pohjoinen on jo käytössä." in taken.get_data(as_text=True)
    bad = post(client, "/admin/organisations", {"name": "Kolmas", "slug": "Iso Kirjain"})
    html = bad.get_data(as_text=True)
    assert 'id="slug-error"' in html and 'value="Kolmas"' in html
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Kolmas")) is None


def test_list_shows_head_counts(app, world):
    html = admin_client(app, world).get("/admin/organisations").get_data(as_text=True)
    row = re.search(
        r"Järvilaakson ammattiopisto</a></th>\s*<td>org-a</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>",
        html,
    )
    assert row and row.groups() == ("3", "1", "1", "1")  # joined staff, pending invitations, managers, teams


def test_rename_and_set_theme_roles(app, world):
    client = admin_client(app, world)
    themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    url = f"/admin/organisations/{world.org_a.id}"
    assert post(client, url, {"name": "Järvilaakson koulutus"}).status_code == 302
    assert (
        post(
            client, url + "/roles", {f"theme_{themes[0].id}": "lead", f"theme_{themes[1].id}": "participant"}
        ).status_code
        == 302
    )

    def roles():
        return {
            (r.theme_id, r.role)
            for r in db.session.scalars(
                select(OrganisationThemeRole).where(OrganisationThemeRole.organisation_id == world.org_a.id)
            )
        }

    assert roles() == {(themes[0].id, "lead"), (themes[1].id, "participant")}
    post(client, url + "/roles", {f"theme_{themes[0].id}": "developer", f"theme_{themes[1].id}": ""})
    assert roles() == {(themes[0].id, "developer")}
    bad = post(client, url + "/roles", {f"theme_{themes[0].id}": "boss"})
    assert bad.status_code == 200 and "Valitse rooli luettelosta." in bad.get_data(as_text=True)
    assert roles() == {(themes[0].id, "developer")}
    html = client.get(url).get_data(as_text=True)
    assert "<h1>Järvilaakson koulutus</h1>" in html and '<option value="developer" selected>' in html


def test_appoint_an_existing_person_a_new_person_and_refuse_another_organisations(app, world):
    client = admin_client(app, world)
    url = f"/admin/organisations/{world.org_a.id}/managers"
    assert post(client, url, {"email": "Other.A@example.fi"}).status_code == 302
    db.session.refresh(world.other_a)
    assert world.other_a.is_manager

    response = post(client, url, {"email": "uusi.johtaja@example.fi", "name": "Uusi Johtaja"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "/invitation/" in html  # no mail server: the link is shown to the administrator
    person = db.session.scalar(select(User).where(User.email == "uusi.johtaja@example.fi"))
    assert person.is_manager and person.organisation_id == world.org_a.id and not person.has_signed_up

    refused = post(client, url, {"email": "learner.b@example.fi"})
    assert refused.status_code == 200 and "kuuluu toiseen organisaatioon" in refused.get_data(as_text=True)
    db.session.refresh(world.learner_b)
    assert not world.learner_b.is_manager


def test_remove_a_manager(app, world):
    client = admin_client(app, world)
    assert (
        post(
            client, f"/admin/organisations/{world.org_a.id}/managers/{world.manager_a.id}/remove", {"confirm": "yes"}
        ).status_code
        == 302
    )
    db.session.refresh(world.manager_a)
    assert not world.manager_a.is_manager
    manager = app.test_client()
    login(manager, world.manager_a.email)
    assert manager.get("/org").status_code == 403


def test_removing_a_manager_through_another_organisation_is_404(app, world):
    client = admin_client(app, world)
    response = post(
        client, f"/admin/organisations/{world.org_b.id}/managers/{world.manager_a.id}/remove", {"confirm": "yes"}
    )
    assert response.status_code == 404
    db.session.refresh(world.manager_a)
    assert world.manager_a.is_manager


def test_people_across_organisations_with_search_and_filter(app, world):
    client = admin_client(app, world)
    html = client.get("/admin/users").get_data(as_text=True)
    assert "learner.a@example.fi" in html and "learner.b@example.fi" in html and "ylläpitäjä" in html
    html = client.get(f"/admin/users?q=oppija&organisation={world.org_b.id}").get_data(as_text=True)
    assert "learner.b@example.fi" in html and "learner.a@example.fi" not in html
