"""Finding one's way in the authoring pages: the content overview's filters, the module
editor's table of contents, and the audit log in words."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select

from kampus.catalogue.models import AuditEntry, Module, Question
from kampus.db import utcnow
from kampus.extensions import db
from tests.authoring.helpers import admin_client, editor_data, get_module
from tests.factories import drop_language


def rows(html: str) -> list[str]:
    """The module slugs listed on the overview, in order."""
    return re.findall(r'<tr data-slug="([^"]+)"', html)


def overview(client, **args) -> str:
    response = client.get("/admin/content", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_overview_filters_by_status_and_keeps_the_selection(app):
    client, _admin = admin_client(app)
    get_module("digipedagogiikka").status = "draft"
    db.session.commit()
    total = db.session.scalar(select(func.count(Module.id)))
    assert len(rows(overview(client))) == total
    html = overview(client, status="draft")
    assert rows(html) == ["digipedagogiikka"]
    assert '<option value="draft" selected>' in html
    status = html.split('role="status" id="overview-count">')[1].split("</p>")[0]
    assert f"1 moduulia {total}:stä" in status
    assert "Näytä kaikki moduulit" in html


def test_the_overview_filters_by_theme(app):
    client, _admin = admin_client(app)
    html = overview(client, theme="pedagogiikka")
    slugs = rows(html)
    themes = set(db.session.scalars(select(Module.theme_id).where(Module.slug.in_(slugs))))
    assert slugs and len(themes) == 1
    assert 'id="theme-pedagogiikka"' in html and 'id="theme-digistrategia"' not in html


def test_the_overview_filters_by_translation(app):
    client, _admin = admin_client(app)
    english_before = "digipedagogiikka" in rows(overview(client, translation="incomplete-en"))
    drop_language("digipedagogiikka", "sv")
    missing_sv = rows(overview(client, translation="incomplete-sv"))
    assert "digipedagogiikka" in missing_sv
    assert "digipedagogiikka" in rows(overview(client, translation="incomplete"))
    assert "digipedagogiikka" not in rows(overview(client, translation="complete"))
    assert ("digipedagogiikka" in rows(overview(client, translation="incomplete-en"))) == english_before


def test_the_overview_filters_by_warnings(app):
    client, _admin = admin_client(app)
    module = get_module("digipedagogiikka")
    db.session.execute(delete(Question).where(Question.module_id == module.id))
    db.session.commit()
    with_warnings = overview(client, warnings="with")
    assert "digipedagogiikka" in rows(with_warnings)
    row = with_warnings.split('data-slug="digipedagogiikka"')[1].split("</tr>")[0]
    assert "varoitus" in row
    assert "digipedagogiikka" not in rows(overview(client, warnings="without"))


def test_filters_combine_and_nonsense_is_ignored(app):
    client, _admin = admin_client(app)
    nothing = overview(client, theme="pedagogiikka", status="retired")
    assert rows(nothing) == [] and "Mikään moduuli ei vastaa rajauksia." in nothing
    total = db.session.scalar(select(func.count(Module.id)))
    assert len(rows(overview(client, theme="<script>", status="x", translation="y", warnings="z"))) == total


def test_the_module_editor_has_a_table_of_contents_whose_links_land(app):
    client, _admin = admin_client(app)
    html = client.get("/admin/content/modules/digistrategian-laatiminen/edit").get_data(as_text=True)
    toc = html.split('id="editor-toc"')[1].split("</nav>")[0]
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert {"basics", "sections-title", "sections-0", "check-title", "reflection-title", "editor-save"} <= set(targets)
    for target in targets:
        assert f'id="{target}"' in html, target
    assert "Osio 1: Ydinasiat" in toc
    assert html.count('href="#editor-toc"') >= 3  # the way back from the long parts


def test_the_new_module_form_has_a_table_of_contents_too(app):
    client, _admin = admin_client(app)
    html = client.get("/admin/content/modules/new").get_data(as_text=True)
    toc = html.split('id="editor-toc"')[1].split("</nav>")[0]
    for target in re.findall(r'href="#([^"]+)"', toc):
        assert f'id="{target}"' in html, target


def test_the_audit_log_speaks_words_in_the_readers_language(app):
    client, admin = admin_client(app)
    url = "/admin/content/modules/digistrategian-laatiminen/edit"
    data = editor_data(client.get(url).get_data(as_text=True)) | {"target_groups": ["management", "it"]}
    assert client.post(url, data=data).status_code == 302
    html = client.get("/admin/content/audit").get_data(as_text=True)
    table = html.split('class="audit-table"')[1]
    assert "Moduulia muutettu" in table and "Kohderyhmät" in table
    assert "Johto, IT-henkilöstö" in table
    assert "module.update" not in table and "target_groups" not in table

    admin.language = "sv"
    db.session.commit()
    swedish = client.get("/admin/content/audit").get_data(as_text=True)
    assert "Modul ändrad" in swedish and "Målgrupper" in swedish and "Ledning, IT-personal" in swedish


def test_the_audit_log_shows_an_unknown_code_as_it_is(app):
    client, _admin = admin_client(app)
    db.session.add(
        AuditEntry(
            action="module.teleport",
            module_slug="digistrategian-laatiminen",
            changes={"warp_factor": {"before": 1, "after": 9}},
            created_at=utcnow(),
        )
    )
    db.session.commit()
    response = client.get("/admin/content/audit")
    assert response.status_code == 200
    table = response.get_data(as_text=True).split('class="audit-table"')[1]
    assert "module.teleport" in table and "warp_factor" in table
