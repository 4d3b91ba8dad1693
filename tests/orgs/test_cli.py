"""``kampus orgs create`` and ``kampus users create``: success, roles, clear errors."""

from sqlalchemy import func, select

from kampus.auth import services
from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.models import Organisation


def run(runner, *args, env=None, input=None):
    return runner.invoke(args=list(args), env=env or {"KAMPUS_USER_PASSWORD": "cli-salasana-123"}, input=input)


def test_orgs_create(app, runner):
    result = run(runner, "orgs", "create", "jarvilaakso", "--name", "Järvilaakson ammattiopisto")
    assert result.exit_code == 0, result.output
    assert "created organisation jarvilaakso" in result.output
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.slug, organisation.name) == ("jarvilaakso", "Järvilaakson ammattiopisto")


def test_orgs_create_refuses_a_taken_or_bad_slug(app, runner):
    run(runner, "orgs", "create", "jarvilaakso", "--name", "A")
    taken = run(runner, "orgs", "create", "jarvilaakso", "--name", "B")
    assert taken.exit_code == 1 and "The short name jarvilaakso is already in use." in taken.output
    bad = run(runner, "orgs", "create", "Järvi Laakso", "--name", "C")
    assert bad.exit_code == 1 and "lower-case letters" in bad.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 1


def test_users_create_a_learner_of_an_organisation(app, runner):
    run(runner, "orgs", "create", "jarvilaakso", "--name", "Järvilaakso")
    result = run(runner, "users", "create", "Maija@Example.fi", "--name", "Maija", "--org", "jarvilaakso")
    assert result.exit_code == 0, result.output
    assert "created learner of jarvilaakso: maija@example.fi" in result.output
    user = db.session.scalar(select(User))
    assert user.organisation.slug == "jarvilaakso" and not user.is_manager and not user.is_admin
    assert services.authenticate("maija@example.fi", "cli-salasana-123") == user


def test_users_create_a_manager_and_an_admin(app, runner):
    run(runner, "orgs", "create", "jarvilaakso", "--name", "Järvilaakso")
    assert run(runner, "users", "create", "m@example.fi", "--manager", "--org", "jarvilaakso").exit_code == 0
    assert run(runner, "users", "create", "a@example.fi", "--admin").exit_code == 0
    manager = services.find_user_by_email("m@example.fi")
    admin = services.find_user_by_email("a@example.fi")
    assert manager.is_manager and manager.organisation.slug == "jarvilaakso"
    assert admin.is_admin and admin.organisation is None and not admin.is_manager


def test_users_create_asks_for_the_password_when_the_environment_has_none(app, runner):
    result = runner.invoke(
        args=["users", "create", "p@example.fi"],
        env={"KAMPUS_USER_PASSWORD": ""},
        input="kysytty-salasana\nkysytty-salasana\n",
    )
    assert result.exit_code == 0, result.output
    assert services.authenticate("p@example.fi", "kysytty-salasana") is not None


def test_users_create_errors(app, runner):
    run(runner, "orgs", "create", "jarvilaakso", "--name", "Järvilaakso")
    cases = [
        (["users", "create", "m@example.fi", "--manager"], "a manager needs an organisation"),
        (["users", "create", "x@example.fi", "--org", "nowhere"], "there is no organisation 'nowhere'"),
        (["users", "create", "not-an-address"], "Enter an e-mail address"),
    ]
    for args, message in cases:
        result = run(runner, *args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    short = run(runner, "users", "create", "s@example.fi", env={"KAMPUS_USER_PASSWORD": "lyhyt"})
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    run(runner, "users", "create", "d@example.fi")
    duplicate = run(runner, "users", "create", "D@example.fi")
    assert duplicate.exit_code == 1 and "d@example.fi already has an account" in duplicate.output
    assert db.session.scalar(select(func.count(User.id))) == 1
