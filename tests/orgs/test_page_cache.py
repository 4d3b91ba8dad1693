"""The manager's overview and team pages are cached per manager, page version and the
organisation's report version (kampus.cache); changes through the pages show at once."""

from __future__ import annotations

import datetime as dt
import re

from kampus.assignments import services as assignments
from kampus.catalogue.models import Module
from kampus.extensions import db
from kampus.progress.services import recognise
from tests.orgs.test_staff_and_teams import post, signed_in


def test_a_member_added_or_removed_through_the_pages_shows_on_the_cached_team_page(app, world, count_queries):
    client = signed_in(app, world)
    page = f"/org/teams/{world.team_a.id}"
    assert "Olli Toinen" not in client.get(page).get_data(as_text=True)
    with count_queries(app) as counter:
        client.get(page)
    assert counter.count <= 4  # the manager, the organisation, the catalogue version: no report
    assert post(client, page + "/members", {"user_id": str(world.other_a.id)}).status_code == 302
    assert "Olli Toinen" in client.get(page).get_data(as_text=True)
    assert post(client, f"{page}/members/{world.other_a.id}/remove", {"confirm": "yes"}).status_code == 302
    client.get(page)  # shows (and spends) the "left the team" message, which names him
    assert "Olli Toinen" not in client.get(page).get_data(as_text=True)


def without_tokens(response) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))


def test_a_members_progress_moves_the_cached_team_page_and_overview(app, world):
    template = assignments.save_template(
        None,
        organisation_id=world.org_a.id,
        title={"fi": "Perusteet"},
        description={},
        target_group=None,
        module_slugs=["digcomp-perusteet"],
        theme_slugs=[],
    )
    assignments.assign(
        world.org_a.id,
        world.manager_a.id,
        template_id=template.id,
        team_id=world.team_a.id,
        user_ids=[],
        due=dt.date.today() + dt.timedelta(days=90),
        note="",
    )
    db.session.commit()
    client = signed_in(app, world)
    client.get("/org")  # spends the welcome message
    page = f"/org/teams/{world.team_a.id}"
    before_team, before_overview = without_tokens(client.get(page)), without_tokens(client.get("/org"))
    assert without_tokens(client.get(page)) == before_team
    module = db.session.query(Module).filter_by(slug="digcomp-perusteet").one()
    recognise(world.learner_a.id, module, "manager")
    db.session.commit()
    assert without_tokens(client.get(page)) != before_team
    assert without_tokens(client.get("/org")) != before_overview


def test_another_organisations_manager_never_gets_the_cached_page(app, world):
    page = f"/org/teams/{world.team_a.id}"
    assert signed_in(app, world).get(page).status_code == 200
    assert signed_in(app, world, "manager_b").get(page).status_code == 404
