"""Team names are normalised (NFKC, no invisible format characters, single spaces)
and compared case-folded, so an invisible or look-alike name cannot pass as new."""

import pytest
from sqlalchemy import func, select

from kampus.extensions import db
from kampus.orgs.models import Team
from kampus.orgs.services import normalise_team_name
from tests.orgs.test_staff_and_teams import post, signed_in


def teams_of(org) -> list[str]:
    return sorted(db.session.scalars(select(Team.name).where(Team.organisation_id == org.id)))


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u2060\ufeff", " \u200d ", "\u00a0\u3000", "\u202e\u202c"])
def test_a_name_of_only_invisible_characters_is_refused(app, world, name):
    client = signed_in(app, world)
    before = teams_of(world.org_a)
    response = post(client, "/org/teams", {"name": name})
    assert response.status_code == 200 and "Anna tiimille nimi." in response.get_data(as_text=True)
    assert teams_of(world.org_a) == before


@pytest.mark.parametrize("name", ["Tiimi\u200b A", "Ｔｉｉｍｉ Ａ", "TIIMI A", "Tiimi  A", "\u2060Tiimi A\u200e"])
def test_a_look_alike_of_an_existing_team_is_refused(app, world, name):
    client = signed_in(app, world)
    response = post(client, "/org/teams", {"name": name})
    assert response.status_code == 200
    assert "Organisaatiossasi on jo tiimi nimeltä" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Team.id)).where(Team.organisation_id == world.org_a.id)) == 1


def test_names_are_stored_normalised_and_case_folded_clashes_count(app, world):
    client = signed_in(app, world)
    assert post(client, "/org/teams", {"name": "  Straße\u200b  ja\u00a0 ﬁlosofia "}).status_code == 302
    assert "Straße ja filosofia" in teams_of(world.org_a)
    response = post(client, "/org/teams", {"name": "STRASSE JA FILOSOFIA"})
    assert response.status_code == 200 and "on jo tiimi nimeltä" in response.get_data(as_text=True)


def test_renaming_to_an_invisible_or_look_alike_name_is_refused(app, world):
    client = signed_in(app, world)
    assert post(client, "/org/teams", {"name": "Toinen"}).status_code == 302
    other = db.session.scalar(select(Team).where(Team.name == "Toinen"))
    assert "Anna tiimille nimi." in post(client, f"/org/teams/{other.id}/rename", {"name": "\u200b"}).get_data(
        as_text=True
    )
    clash = post(client, f"/org/teams/{other.id}/rename", {"name": "tiimi\u200ba".replace("a", " A")})
    assert clash.status_code == 200 and "on jo tiimi nimeltä" in clash.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Team, other.id).name == "Toinen"
    # Renaming a team to its own name in other letters is fine.
    assert post(client, f"/org/teams/{other.id}/rename", {"name": "TOINEN"}).status_code == 302


def test_normalise_team_name():
    assert normalise_team_name("\u200bＡ\u00a0 b\u00ad ") == "A b"
    assert normalise_team_name("\u2060\u200b") == ""
