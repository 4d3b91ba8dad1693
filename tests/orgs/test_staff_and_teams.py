"""Manager pages: overview, staff list, invitations, deactivation, teams."""

from sqlalchemy import func, select

from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.models import Team, TeamMembership
from tests.factories import csrf_token, login


def signed_in(app, world, role="manager_a"):
    client = app.test_client()
    assert login(client, getattr(world, role).email).status_code == 302
    return client


def post(client, url, data=None, page="/org"):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, page)})


def test_overview_counts_own_staff_and_teams(app, world):
    html = signed_in(app, world).get("/org").get_data(as_text=True)
    assert "<h1>Järvilaakson ammattiopisto</h1>" in html
    # Active staff of A: manager, learner, other (3); the invited person is pending, apart; one team.
    assert '<dt>Aktiivinen henkilöstö</dt><dd id="active-staff">3</dd>' in html
    assert '<dt>Avoimia kutsuja</dt><dd id="pending-invitations">1</dd>' in html
    assert "<dt>Tiimit</dt><dd>1</dd>" in html


def test_staff_list_shows_own_people_with_search_and_status_filter(app, world):
    client = signed_in(app, world)
    html = client.get("/org/staff").get_data(as_text=True)
    assert "learner.a@example.fi" in html and "invited.a@example.fi" in html
    assert "learner.b@example.fi" not in html
    assert "Kutsuttu" in html  # the invited person's status, in words
    html = client.get("/org/staff?q=OLLI").get_data(as_text=True)
    assert "other.a@example.fi" in html and "learner.a@example.fi" not in html
    world.other_a.active = False
    db.session.commit()
    active = client.get("/org/staff").get_data(as_text=True)
    inactive = client.get("/org/staff?status=inactive").get_data(as_text=True)
    assert "other.a@example.fi" not in active
    assert "other.a@example.fi" in inactive and "learner.a@example.fi" not in inactive


def test_search_treats_wildcards_as_text(app, world):
    html = signed_in(app, world).get("/org/staff?q=%25").get_data(as_text=True)
    assert "learner.a@example.fi" not in html


def test_inviting_adds_an_invited_person_to_the_team(app, world):
    client = signed_in(app, world)
    response = post(
        client, "/org/staff/invite", {"email": "Uusi@Example.fi", "name": "Uusi Ope", "team": str(world.team_a.id)}
    )
    assert response.status_code == 302
    person = db.session.scalar(select(User).where(User.email == "uusi@example.fi"))
    assert person.organisation_id == world.org_a.id and not person.has_signed_up and not person.is_manager
    assert person in db.session.get(Team, world.team_a.id).members


def test_inviting_an_existing_address_is_refused_beside_the_field_keeping_input(app, world):
    client = signed_in(app, world)
    response = post(client, "/org/staff/invite", {"email": "LEARNER.B@example.fi", "name": "Nimi Talteen", "team": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="email-error"' in html and "Osoitteella learner.b@example.fi on jo tili." in html
    assert 'value="Nimi Talteen"' in html
    assert db.session.scalar(select(func.count(User.id))) == 7  # nobody was added


def test_deactivate_and_reactivate(app, world):
    client = signed_in(app, world)
    assert post(client, f"/org/staff/{world.learner_a.id}/deactivate", {"confirm": "yes"}).status_code == 302
    db.session.refresh(world.learner_a)
    assert not world.learner_a.active
    assert login(app.test_client(), "learner.a@example.fi").status_code == 200
    assert post(client, f"/org/staff/{world.learner_a.id}/reactivate").status_code == 302
    db.session.refresh(world.learner_a)
    assert world.learner_a.active
    assert login(app.test_client(), "learner.a@example.fi").status_code == 302


def test_a_manager_cannot_deactivate_themselves(app, world):
    client = signed_in(app, world)
    response = post(client, f"/org/staff/{world.manager_a.id}/deactivate", {"confirm": "yes"})
    assert "Et voi poistaa omaa tiliäsi käytöstä." in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(world.manager_a)
    assert world.manager_a.active


def test_a_new_link_for_an_invited_person_is_shown(app, world):
    client = signed_in(app, world)
    response = post(client, f"/org/staff/{world.invited_a.id}/link")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "invited.a@example.fi" in html and "/invitation/" in html


def test_teams_create_rename_and_refuse_duplicates(app, world):
    client = signed_in(app, world)
    response = post(client, "/org/teams", {"name": "Tekniikka"})
    team = db.session.scalar(select(Team).where(Team.name == "Tekniikka"))
    assert response.headers["Location"] == f"/org/teams/{team.id}" and team.organisation_id == world.org_a.id
    duplicate = post(client, "/org/teams", {"name": "tekniikka"})
    assert "Organisaatiossasi on jo tiimi nimeltä tekniikka." in duplicate.get_data(as_text=True)
    # Another organisation may use the same name.
    assert post(signed_in(app, world, "manager_b"), "/org/teams", {"name": "Tekniikka"}).status_code == 302
    assert post(client, f"/org/teams/{team.id}/rename", {"name": "Tekniikka ja logistiikka"}).status_code == 302
    db.session.refresh(team)
    assert team.name == "Tekniikka ja logistiikka"
    clash = post(client, f"/org/teams/{team.id}/rename", {"name": "Tiimi A"})
    assert clash.status_code == 200 and "on jo tiimi nimeltä Tiimi A" in clash.get_data(as_text=True)


def test_members_are_added_once_and_removed(app, world):
    client = signed_in(app, world)
    url = f"/org/teams/{world.team_a.id}/members"
    assert post(client, url, {"user_id": str(world.other_a.id)}).status_code == 302
    assert post(client, url, {"user_id": str(world.other_a.id)}).status_code == 302
    count = select(func.count(TeamMembership.id)).where(TeamMembership.team_id == world.team_a.id)
    assert db.session.scalar(count) == 2
    html = client.get(f"/org/teams/{world.team_a.id}").get_data(as_text=True)
    assert "Olli Toinen" in html and "Liisa Oppija" in html
    assert (
        post(client, f"/org/teams/{world.team_a.id}/members/{world.other_a.id}/remove", {"confirm": "yes"}).status_code
        == 302
    )
    assert db.session.scalar(count) == 1


def test_another_organisations_person_cannot_be_put_in_a_team(app, world):
    client = signed_in(app, world)
    response = post(client, f"/org/teams/{world.team_a.id}/members", {"user_id": str(world.learner_b.id)})
    assert response.status_code == 404
    assert world.learner_b not in db.session.get(Team, world.team_a.id).members


def test_inviting_into_another_organisations_team_is_404(app, world):
    client = signed_in(app, world, "manager_b")
    response = post(client, "/org/staff/invite", {"email": "x@example.fi", "team": str(world.team_a.id)})
    assert response.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "x@example.fi")) is None


def _bulk_staff(org_id, count, prefix="iso"):
    users = [
        User(email=f"{prefix}{i:03d}@example.fi", name=f"Iso {i:03d}", organisation_id=org_id) for i in range(count)
    ]
    db.session.add_all(users)
    db.session.commit()
    return users


def test_staff_list_is_paged_and_searchable_with_a_bounded_number_of_queries(app, world, count_queries):
    client = signed_in(app, world)
    _bulk_staff(world.manager_a.organisation_id, 120)
    client.get("/org/staff")
    with count_queries(app) as counter:
        first = client.get("/org/staff").get_data(as_text=True)
    assert first.count('<tr>\n    <th scope="row">') == 50 and "124 henkilöä" in first  # 120 + the four
    assert "Sivu 1 / 3" in first and 'rel="next"' in first and "iso000@example.fi" in first
    assert counter.count <= 8, counter.statements
    third = client.get("/org/staff?page=3").get_data(as_text=True)
    assert third.count('<tr>\n    <th scope="row">') == 24 and "iso000@example.fi" not in third
    found = client.get("/org/staff?q=iso 11").get_data(as_text=True)
    assert "10 henkilöä" in found and "iso110@example.fi" in found and "iso010@example.fi" not in found
    assert client.get("/org/staff?page=abc").status_code == 200
    assert client.get("/org/staff?page=99999999999").status_code == 200
    assert client.get("/org/staff?page=%C2%B2").status_code == 200  # "²" is a digit to str.isdigit


def test_team_picker_searches_a_bounded_list_without_the_whole_staff_and_adds_with_a_button(app, world, count_queries):
    client = signed_in(app, world)
    _bulk_staff(world.manager_a.organisation_id, 60)
    team_url = f"/org/teams/{world.team_a.id}"
    page = client.get(team_url).get_data(as_text=True)
    assert "<option" not in page and "iso000@example.fi" not in page  # no list of the whole staff
    with count_queries(app) as counter:
        found = client.get(team_url + "?find=iso").get_data(as_text=True)
    picker = [s for s in counter.statements if "LIMIT" in s and "users.id, users.name, users.email" in s]
    assert len(picker) == 1 and "users.password_hash" not in picker[0]  # three columns, at most 20 rows
    assert found.count("data-candidate=") == 20 and "Vain 20 ensimmäistä" in found
    person = db.session.scalar(select(User).where(User.email == "iso007@example.fi"))
    assert post(client, team_url + "/members", {"user_id": str(person.id)}, page=team_url).status_code == 302
    assert person in db.session.get(Team, world.team_a.id).members
    again = client.get(team_url + "?find=iso007").get_data(as_text=True)
    assert "data-candidate=" not in again and "Kukaan tiimin ulkopuolinen" in again  # members are not offered
