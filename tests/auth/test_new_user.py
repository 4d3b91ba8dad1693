"""A new person's defaults live in one place, :func:`kampus.auth.services.new_user`: the
account service's ``create_user`` and the staff import's batch both build people with it."""

from __future__ import annotations

from sqlalchemy import inspect

from kampus.auth import services
from kampus.extensions import db
from kampus.orgs import staff_import
from tests.factories import make_org

COMPARED = ("name", "password_hash", "language", "target_group", "organisation_id", "is_manager", "is_admin", "active")


def test_a_new_person_gets_the_defaults_and_waits_for_the_callers_flush(app):
    organisation = make_org()
    organisation.content_language = "sv"
    user = services.new_user(" Anna.Berg@Example.FI ", name="  Anna Berg ", organisation=organisation)
    assert inspect(user).pending and user.id is None  # added, not flushed: a batch flushes once
    assert user.email == "anna.berg@example.fi" and user.name == "Anna Berg"
    assert (user.language, user.target_group, user.active) == ("sv", "other", True)
    assert (user.password_hash, user.is_manager, user.is_admin) == (None, False, False)


def test_an_unknown_language_or_group_falls_back_to_the_organisations_and_other(app):
    organisation = make_org()
    organisation.content_language = "en"
    user = services.new_user("x@example.fi", organisation=organisation, language="de", target_group="pirates")
    assert (user.language, user.target_group) == ("en", "other")
    assert services.new_user("y@example.fi", language="sv", target_group="teaching").language == "sv"
    assert services.new_user("z@example.fi").language == "fi"


def test_the_staff_import_makes_the_same_person_as_an_invitation(app):
    organisation = make_org()
    organisation.content_language = "sv"
    invited = services.create_user("kutsuttu@example.fi", name="Sama Nimi", organisation=organisation)
    data = b"name;email;team\nSama Nimi;tuotu@example.fi;\n"
    (imported,) = staff_import.apply_staff_import(organisation, staff_import.read_staff_csv(data, organisation)).created
    db.session.flush()
    assert {c: getattr(imported, c) for c in COMPARED} == {c: getattr(invited, c) for c in COMPARED}
