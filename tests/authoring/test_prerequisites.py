"""The prerequisite editor: impact before saving, cycles refused and named, warnings shown."""

from __future__ import annotations

import re

from sqlalchemy import select

from kampus.catalogue.models import Module, Prerequisite
from kampus.catalogue.services import current_version
from kampus.extensions import db
from tests.authoring.helpers import admin_client, audit_entries, token
from tests.authoring.world import make_learners
from tests.conftest import form_token


def url(slug: str) -> str:
    return f"/admin/content/modules/{slug}/prerequisites"


def edge(before: str, after: str) -> Prerequisite | None:
    db.session.expire_all()
    b = db.session.scalar(select(Module.id).where(Module.slug == before))
    a = db.session.scalar(select(Module.id).where(Module.slug == after))
    return db.session.scalar(select(Prerequisite).where(Prerequisite.before_id == b, Prerequisite.after_id == a))


def hidden_fields(html: str) -> dict:
    form = html.split('/prerequisites/confirm"')[1].split("</form>")[0]
    return dict(re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', form)) | {"csrf_token": form_token(form)}


def check(client, slug: str, before: str, kind: str = "required"):
    return client.post(
        url(slug), data={"csrf_token": token(client, url(slug)), "action": "add", "before": before, "kind": kind}
    )


def test_adding_a_prerequisite_shows_the_impact_then_saves_on_confirm(app):
    make_learners()
    client, admin = admin_client(app)
    version = current_version()
    response = check(client, "hybridi-ja-etaopetus", "yhteisollinen-ja-itseohjautuva-oppiminen")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="impact"' in html
    # Eero's theme path changes; Daniel (no path) and Eero find their started module locked
    assert 'id="impact-paths"' in html
    locked = html.split('id="impact-locked"')[1].split("</ul>")[0]
    assert "2" in locked
    assert edge("yhteisollinen-ja-itseohjautuva-oppiminen", "hybridi-ja-etaopetus") is None
    assert current_version() == version

    response = client.post(url("hybridi-ja-etaopetus") + "/confirm", data=hidden_fields(html))
    assert response.status_code == 302
    assert edge("yhteisollinen-ja-itseohjautuva-oppiminen", "hybridi-ja-etaopetus").kind == "required"
    assert current_version() == version + 1
    [entry] = audit_entries(action="prerequisite.add")
    assert entry.user_id == admin.id and entry.module_slug == "hybridi-ja-etaopetus"
    assert entry.changes == {
        "yhteisollinen-ja-itseohjautuva-oppiminen → hybridi-ja-etaopetus": {"before": None, "after": "required"}
    }


def test_cancel_leaves_everything_as_it_was(app):
    client, _admin = admin_client(app)
    html = check(client, "hybridi-ja-etaopetus", "tekoaly-opetuksessa").get_data(as_text=True)
    assert f'href="{url("hybridi-ja-etaopetus")}"' in html  # the cancel link
    assert edge("tekoaly-opetuksessa", "hybridi-ja-etaopetus") is None


def test_a_cycle_is_refused_and_named(app):
    client, _admin = admin_client(app)
    # digipedagogiikka → yhteisollinen → eriyttaminen already; the reverse would close a loop
    response = check(client, "digipedagogiikka", "eriyttaminen-ja-inkluusio")
    html = response.get_data(as_text=True)
    assert 'id="before-error"' in html
    assert (
        "eriyttaminen-ja-inkluusio → digipedagogiikka → yhteisollinen-ja-itseohjautuva-oppiminen"
        " → eriyttaminen-ja-inkluusio"
    ) in html
    assert edge("eriyttaminen-ja-inkluusio", "digipedagogiikka") is None


def test_a_forged_confirmation_of_a_cycle_is_refused_too(app):
    client, _admin = admin_client(app)
    response = client.post(
        url("digipedagogiikka") + "/confirm",
        data={
            "csrf_token": token(client),
            "action": "add",
            "before": "eriyttaminen-ja-inkluusio",
            "after": "digipedagogiikka",
            "kind": "required",
            "version": str(current_version()),
        },
    )
    assert response.status_code == 302
    assert edge("eriyttaminen-ja-inkluusio", "digipedagogiikka") is None
    assert "→" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_self_loop_and_an_unknown_module_are_refused(app):
    client, _admin = admin_client(app)
    assert 'id="before-error"' in check(client, "digipedagogiikka", "digipedagogiikka").get_data(as_text=True)
    assert 'id="before-error"' in check(client, "digipedagogiikka", "ei-ole-olemassa").get_data(as_text=True)


def test_removing_a_prerequisite_goes_through_the_impact_too(app):
    client, _admin = admin_client(app)
    html = client.post(
        url("hybridi-ja-etaopetus"),
        data={
            "csrf_token": token(client, url("hybridi-ja-etaopetus")),
            "action": "remove",
            "before": "digipedagogiikka",
        },
    ).get_data(as_text=True)
    assert 'id="impact"' in html and edge("digipedagogiikka", "hybridi-ja-etaopetus") is not None
    assert client.post(url("hybridi-ja-etaopetus") + "/confirm", data=hidden_fields(html)).status_code == 302
    assert edge("digipedagogiikka", "hybridi-ja-etaopetus") is None
    assert audit_entries(action="prerequisite.remove")[0].changes == {
        "digipedagogiikka → hybridi-ja-etaopetus": {"before": "required", "after": None}
    }


def test_choosing_an_existing_prerequisite_changes_its_kind(app):
    client, _admin = admin_client(app)
    html = check(client, "hybridi-ja-etaopetus", "digipedagogiikka", "recommended").get_data(as_text=True)
    assert client.post(url("hybridi-ja-etaopetus") + "/confirm", data=hidden_fields(html)).status_code == 302
    assert edge("digipedagogiikka", "hybridi-ja-etaopetus").kind == "recommended"
    html = check(client, "hybridi-ja-etaopetus", "digipedagogiikka", "recommended").get_data(as_text=True)
    assert 'id="before-error"' in html  # the same edge again is no change


def test_redundant_edge_warnings_are_shown_before_saving(app):
    client, _admin = admin_client(app)
    # digipedagogiikka → yhteisollinen → eriyttaminen exists: a direct required edge is implied
    html = check(client, "eriyttaminen-ja-inkluusio", "digipedagogiikka").get_data(as_text=True)
    assert 'id="warnings-title"' in html
    warnings = html.split('id="warnings-title"')[1].split("</section>")[0]
    assert "digipedagogiikka → eriyttaminen-ja-inkluusio" in warnings


def test_a_confirmation_after_the_catalogue_moved_shows_the_impact_again(app):
    client, _admin = admin_client(app)
    html = check(client, "hybridi-ja-etaopetus", "tekoaly-opetuksessa").get_data(as_text=True)
    from kampus.catalogue.services import bump_version

    bump_version()
    db.session.commit()
    response = client.post(url("hybridi-ja-etaopetus") + "/confirm", data=hidden_fields(html))
    assert response.status_code == 200 and 'id="impact"' in response.get_data(as_text=True)
    assert edge("tekoaly-opetuksessa", "hybridi-ja-etaopetus") is None


def test_the_impact_is_gathered_in_a_bounded_number_of_queries(app, count_queries):
    make_learners()
    client, _admin = admin_client(app)
    data = {
        "csrf_token": token(client, url("hybridi-ja-etaopetus")),
        "action": "add",
        "before": "yhteisollinen-ja-itseohjautuva-oppiminen",
        "kind": "required",
    }
    db.session.expire_all()
    with count_queries(app) as few:
        client.post(url("hybridi-ja-etaopetus"), data=data)
    from tests.authoring.world import _path, _progress
    from tests.factories import make_user

    for n in range(15):
        person = make_user(None, email=f"lisa{n}@example.fi")
        _path(person, themes=["pedagogiikka"])
        _progress(person, "hybridi-ja-etaopetus", "in_progress")
    db.session.commit()
    with count_queries(app) as many:
        client.post(url("hybridi-ja-etaopetus"), data=data)
    assert many.count == few.count, "\n".join(many.statements) + "\n----\n" + "\n".join(few.statements)
