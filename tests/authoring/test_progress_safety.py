"""Progress is never lost: authoring changes leave every progress row as it was,
and learners' derived paths change exactly as the impact preview said."""

from __future__ import annotations

import re

from flask import g

from kampus.authoring import prerequisites as edges
from tests.authoring.helpers import admin_client, editor_data, get_module
from tests.authoring.test_prerequisites import check, hidden_fields, url
from tests.authoring.world import changed_paths, make_learners, planned_paths, progress_rows


def preview_of(change: edges.EdgeChange) -> edges.ChangePreview:
    g.pop("kampus_graph", None)
    return edges.preview(change)


def apply_through_editor(client, slug: str, before: str, kind: str = "required", action: str = "add"):
    if action == "add":
        html = check(client, slug, before, kind).get_data(as_text=True)
    else:
        from tests.authoring.helpers import token

        html = client.post(
            url(slug), data={"csrf_token": token(client, url(slug)), "action": "remove", "before": before}
        ).get_data(as_text=True)
    assert 'id="impact"' in html, html[-2000:]
    shown = int(re.search(r'id="impact-paths">\D*(\d+)', html).group(1))
    assert client.post(url(slug) + "/confirm", data=hidden_fields(html)).status_code == 302
    return shown


def test_adding_a_prerequisite_keeps_progress_and_changes_paths_as_previewed(app):
    people = make_learners()
    client, _admin = admin_client(app)
    rows, before = progress_rows(), planned_paths()
    change = edges.EdgeChange("add", "yhteisollinen-ja-itseohjautuva-oppiminen", "hybridi-ja-etaopetus")
    preview = preview_of(change)
    shown = apply_through_editor(client, "hybridi-ja-etaopetus", change.before)
    after = planned_paths()
    assert progress_rows() == rows
    assert changed_paths(before, after) == set(preview.impact.path_keys)
    # Eero's started module is now behind another; Cecilia's assigned theme path gains the new order
    assert shown == preview.impact.learners_changed
    assert people["eero"].id in {user for user, _path in preview.impact.path_keys}
    assert preview.impact.newly_locked == {"hybridi-ja-etaopetus": 2}  # Eero and Daniel (who has no path)
    assert any(key.startswith("a") for _user, key in preview.impact.path_keys)


def test_removing_a_prerequisite_keeps_progress_and_changes_paths_as_previewed(app):
    make_learners()
    client, _admin = admin_client(app)
    rows, before = progress_rows(), planned_paths()
    preview = preview_of(edges.EdgeChange("remove", "digipedagogiikka", "yhteisollinen-ja-itseohjautuva-oppiminen"))
    shown = apply_through_editor(
        client, "yhteisollinen-ja-itseohjautuva-oppiminen", "digipedagogiikka", action="remove"
    )
    after = planned_paths()
    assert progress_rows() == rows
    assert changed_paths(before, after) == set(preview.impact.path_keys)
    assert shown == preview.impact.learners_changed
    assert preview.impact.newly_locked == {}


def test_making_a_prerequisite_recommended_keeps_progress_and_matches_the_preview(app):
    make_learners()
    client, _admin = admin_client(app)
    rows, before = progress_rows(), planned_paths()
    preview = preview_of(edges.EdgeChange("add", "digipedagogiikka", "tekoaly-opetuksessa", "recommended"))
    apply_through_editor(client, "tekoaly-opetuksessa", "digipedagogiikka", "recommended")
    assert progress_rows() == rows
    assert changed_paths(before, planned_paths()) == set(preview.impact.path_keys)


def test_retiring_a_module_keeps_progress_and_matches_the_status_preview(app):
    make_learners()
    client, _admin = admin_client(app)
    rows, before = progress_rows(), planned_paths()
    edit = "/admin/content/modules/yhteisollinen-ja-itseohjautuva-oppiminen/edit"
    form = editor_data(client.get(edit).get_data(as_text=True))
    html = client.post(edit, data=form | {"action": "preview", "status": "retired"}).get_data(as_text=True)
    assert 'id="status-impact"' in html
    shown = int(re.search(r'id="impact-paths">\D*(\d+)', html).group(1))
    g.pop("kampus_graph", None)
    preview = edges.status_impact("yhteisollinen-ja-itseohjautuva-oppiminen", "retired")
    assert client.post(edit, data=form | {"action": "save", "status": "retired"}).status_code == 302
    assert get_module("yhteisollinen-ja-itseohjautuva-oppiminen").status == "retired"
    after = planned_paths()
    assert progress_rows() == rows
    assert changed_paths(before, after) == set(preview.path_keys)
    assert shown == preview.learners_changed >= 1
    # the retired module is never needed again: it counts as satisfied for dependants
    assert all(
        "yhteisollinen-ja-itseohjautuva-oppiminen" not in [s for s, _st, _b in steps] for steps in after.values()
    )


def test_editing_sections_and_questions_keeps_progress_and_paths(app):
    make_learners()
    client, _admin = admin_client(app)
    rows, before = progress_rows(), planned_paths()
    edit = "/admin/content/modules/hybridi-ja-etaopetus/edit"
    form = editor_data(client.get(edit).get_data(as_text=True))
    html = client.post(edit, data=form | {"action": "add-section"}).get_data(as_text=True)
    form = editor_data(html) | {"action": "save"}
    n = max(int(k.split("-")[1]) for k in form if k.startswith("sections-"))
    form |= {
        f"sections-{n}-title": "Uusi osio",
        f"sections-{n}-body": "Uutta materiaalia",
        "sections-0-body": "Muutettu teksti",
        "questions-0-prompt": "Muutettu kysymys",
    }
    assert client.post(edit, data=form).status_code == 302
    html = client.get(edit).get_data(as_text=True)
    form = editor_data(html) | {"action": "remove-question-0"}
    form = editor_data(client.post(edit, data=form).get_data(as_text=True)) | {"action": "save"}
    assert client.post(edit, data=form).status_code == 302
    assert progress_rows() == rows
    assert planned_paths() == before
