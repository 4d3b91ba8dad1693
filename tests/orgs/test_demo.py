"""The demo organisations, teams and people (seed/demo.yaml)."""

from pathlib import Path

from sqlalchemy import func, select

from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.demo import seed_demo
from kampus.orgs.models import Organisation, OrganisationThemeRole, Team, TeamMembership
from tests.factories import login

SEED = Path(__file__).resolve().parents[2] / "seed"


def counts():
    return tuple(
        db.session.scalar(select(func.count(model.id)))
        for model in (Organisation, Team, User, TeamMembership, OrganisationThemeRole)
    )


def test_demo_has_organisations_with_one_manager_each_and_an_admin(demo_app):
    organisations = db.session.scalars(select(Organisation)).all()
    assert len(organisations) >= 2
    for organisation in organisations:
        managers = [u for u in organisation.users if u.is_manager]
        assert len(managers) == 1, organisation.slug
        assert organisation.teams and organisation.theme_roles
    assert db.session.scalar(select(func.count(User.id)).where(User.is_admin)) == 1
    assert 25 <= db.session.scalar(select(func.count(User.id))) <= 40
    hashes = set(db.session.scalars(select(User.password_hash)))
    assert len(hashes) == 1 and hashes.pop().startswith("$argon2")  # hashed once, never in clear


def test_demo_loading_is_idempotent(demo_app):
    before = counts()
    report = seed_demo(SEED)
    db.session.commit()
    assert counts() == before
    assert "0 organisations, 0 teams, 0 people, 0 team memberships added" in report


def test_demo_accounts_sign_in_with_the_documented_password(demo_app):
    client = demo_app.test_client()
    assert login(client, "sari.manninen@jarvilaakso.example", "kampus-demo").status_code == 302
    html = client.get("/org/staff").get_data(as_text=True)
    assert "Maija Virtanen" in html and "Mikko Heikkinen" not in html
    admin = demo_app.test_client()
    assert login(admin, "admin@kampus.example", "kampus-demo").status_code == 302
    assert admin.get("/admin/users").status_code == 200
