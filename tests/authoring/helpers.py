"""Helpers for the authoring tests: people, signing in, and the module editor's form data."""

from __future__ import annotations

import re

from sqlalchemy import select

from kampus.catalogue.models import AuditEntry, Module
from kampus.extensions import db
from tests.conftest import form_token
from tests.factories import login, make_user


def admin_client(app, email: str = "admin@example.fi"):
    """A test client signed in as a (new) administrator; returns (client, user)."""
    user = make_user(None, admin=True, email=email, name="Aino Ylläpitäjä")
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client, user


def learner_client(app, email: str = "oppija@example.fi"):
    user = make_user(None, email=email, name="Olli Oppija")
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client, user


def module_data(
    token: str,
    *,
    slug: str = "uusi-moduuli",
    title: str = "Uusi moduuli",
    theme: str = "pedagogiikka",
    status: str = "draft",
    sections=(("Johdanto", "Tervetuloa **kurssille**."),),
    questions=(),
    edit_version: str = "",
    action: str = "save",
    **extra,
) -> dict:
    """POST data of the module editor. ``questions``: (prompt, [choices], [correct indexes], explanation)."""
    data = {
        "csrf_token": token,
        "action": action,
        "edit_version": edit_version,
        "slug": slug,
        "theme": theme,
        "position": "9",
        "title_fi": title,
        "title_sv": "",
        "title_en": "",
        "summary_fi": "Lyhyesti.",
        "summary_sv": "",
        "summary_en": "",
        "level": "B1",
        "minutes": "45",
        "status": status,
        "competences": "1.3, 2.2",
        "reflection": "",
        "pass_mark": "70",
        "target_groups": ["teaching"],
    }
    for i, section in enumerate(sections):
        section_id, title_, body = section if len(section) == 3 else ("", *section)
        data.update({f"sections-{i}-id": section_id, f"sections-{i}-title": title_, f"sections-{i}-body": body})
    for i, (prompt, choices, correct, explanation, *rest) in enumerate(questions):
        data.update(
            {
                f"questions-{i}-id": rest[0] if rest else "",
                f"questions-{i}-prompt": prompt,
                f"questions-{i}-explanation": explanation,
            }
        )
        for j, choice in enumerate(choices):
            data[f"questions-{i}-choices-{j}-text"] = choice
            if j in correct:
                data[f"questions-{i}-choices-{j}-correct"] = "y"
    data.update(extra)
    return data


def editor_data(html: str) -> dict:
    """Every named input, textarea and selected option of the editor page, as a browser would post it."""
    import html as html_lib

    data: dict = {}
    for match in re.finditer(r"<input ([^>]*)>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
        name = attrs.get("name")
        if not name or attrs.get("type") == "submit":
            continue
        if attrs.get("type") == "checkbox":
            if re.search(r"(^|\s)checked(\s|=|$)", match.group(1)):
                data.setdefault(name, []).append(html_lib.unescape(attrs.get("value", "y")))
            continue
        data[name] = html_lib.unescape(attrs.get("value", ""))
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[match.group(1)] = html_lib.unescape(match.group(2)).removeprefix("\n").removeprefix("\r\n")
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = [
            dict(re.findall(r'([\w-]+)="([^"]*)"', attrs)).get("value", "")
            for attrs in re.findall(r"<option([^>]*)>", match.group(2))
            if re.search(r"(^|\s)selected(\s|=|$)", attrs)
        ]
        if chosen:
            data[match.group(1)] = chosen[0]
    return data


def get_module(slug: str) -> Module | None:
    db.session.expire_all()
    return db.session.scalar(select(Module).where(Module.slug == slug))


def audit_entries(**where) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(db.session.scalars(query))


def token(client, url: str = "/admin/content") -> str:
    return form_token(client.get(url).get_data(as_text=True))
