"""Authoring in a real browser, with axe on every page: an admin creates a module
with two sections and a question (the live preview on), adds a prerequisite,
sees the impact, publishes; a learner then sees it in the theme's graph. And
XSS payloads in every authored field stay inert on every page that shows them.

These tests run their own server on a fresh demo database, so the content they
add never reaches the other browser tests.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from kampus.app import create_app
from kampus.auth.models import User
from kampus.auth.passwords import hash_password
from kampus.extensions import db
from tests.authoring.payloads import PAYLOADS
from tests.conftest import config_for

PASSWORD = "kirjoittaja-salasana-1"
ADMIN = "kirjoittaja@example.fi"
LEARNER = "lukija@example.fi"
NEW_SLUG = "verkkoyhteistyon-tyokalut"


@pytest.fixture(scope="module")
def server(databases):
    """A live server of its own on a fresh demo database, with an administrator and a learner."""
    from werkzeug.serving import make_server

    url = databases.fresh("demo")
    app = create_app(config_for(url, RATELIMIT_ENABLED=False))
    with app.app_context():
        hashed = hash_password(PASSWORD)
        db.session.add(User(email=ADMIN, name="Kaisa Kirjoittaja", password_hash=hashed, is_admin=True, language="fi"))
        db.session.add(User(email=LEARNER, name="Lauri Lukija", password_hash=hashed, language="fi"))
        db.session.commit()
        db.session.remove()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    http.app_for_tests = app
    http.url = f"http://127.0.0.1:{http.server_port}"
    yield http
    http.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture
def dialogs(page):
    """Every dialog (alert, confirm, prompt) a page opens: there must be none."""
    opened = []

    def record(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def sign_in(page, server, email):
    page.goto(server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def sign_out(page):
    page.locator("nav.site-nav form button[type=submit]").click()
    page.wait_for_load_state()


def test_an_admin_authors_a_module_and_a_learner_sees_it(page, axe, server, dialogs):
    sign_in(page, server, ADMIN)
    page.goto(server.url + "/admin/content")
    axe(page)
    page.goto(server.url + "/admin/content/modules/new?theme=verkostoituminen")
    axe(page)
    page.fill("#slug", NEW_SLUG)
    page.fill("#title_fi", "Verkkoyhteistyön työkalut")
    page.fill("#summary_fi", "Yhteiset työtilat ja niiden pelisäännöt.")
    page.fill("#position", "7")
    page.select_option("#level", "B1")
    page.fill("#minutes", "40")
    page.check("#target_groups-teaching")
    page.fill("#sections-0-title", "Työtilat")
    page.locator("#sections-0-body").press_sequentially("Yhteinen **työtila** auttaa.")
    # the live preview: rendered on the server as learners see it, while typing
    page.wait_for_selector("#sections-0-body-preview strong")
    assert page.inner_text("#sections-0-body-preview strong") == "työtila"

    page.locator('button[value="add-section"]').click()
    page.wait_for_selector("#sections-1-title")
    assert page.input_value("#sections-0-title") == "Työtilat"  # what was typed survives
    page.fill("#sections-1-title", "Pelisäännöt")
    page.fill("#sections-1-body", "Sovitaan yhdessä, *miten* työskennellään.")
    page.locator('button[value="add-question"]').click()
    page.wait_for_selector("#questions-0-prompt")
    page.fill("#questions-0-prompt", "Mikä auttaa yhteistyössä?")
    page.fill("#questions-0-choices-0-text", "Yhteiset pelisäännöt")
    page.fill("#questions-0-choices-1-text", "Kaikki omissa kansioissaan")
    page.check("#questions-0-choices-0-correct")
    page.fill("#questions-0-explanation", "Pelisäännöt tekevät työstä sujuvaa.")
    axe(page)
    page.locator('button[value="save"]').first.click()
    page.wait_for_url(f"**/admin/content/modules/{NEW_SLUG}/edit")
    assert page.locator(".flash-success").count() == 1
    assert page.input_value("#sections-1-title") == "Pelisäännöt"
    axe(page)

    # a prerequisite, with its impact shown before it is saved
    page.goto(server.url + f"/admin/content/modules/{NEW_SLUG}/prerequisites")
    axe(page)
    page.select_option("#before", "yhteistyoalustat")
    page.select_option("#kind", "required")
    page.locator("form:has(#before) button[type=submit]").click()
    page.wait_for_selector("#impact")
    assert page.locator("#impact-paths").is_visible()
    axe(page)
    page.locator('form[action$="/prerequisites/confirm"] button[type=submit]').click()
    page.wait_for_selector('tr[data-before="yhteistyoalustat"]')
    axe(page)

    # publish: the preview first shows what the status change means for learners
    page.goto(server.url + f"/admin/content/modules/{NEW_SLUG}/edit")
    page.select_option("#status", "published")
    page.locator('button[value="preview"]').first.click()
    page.wait_for_selector("#status-impact")
    axe(page)
    page.locator('button[value="save"]').first.click()
    page.wait_for_url(f"**/admin/content/modules/{NEW_SLUG}/edit")
    assert page.locator(".status-published").count() >= 1
    page.goto(server.url + "/admin/content/audit")
    assert page.locator(f'a[href="/admin/content/audit?module={NEW_SLUG}"]').count() >= 3
    axe(page)
    sign_out(page)

    # the learner sees it in the theme's graph, after its prerequisite
    sign_in(page, server, LEARNER)
    page.goto(server.url + "/themes/verkostoituminen")
    node = page.locator(f'g.graph-node[data-slug="{NEW_SLUG}"]')
    assert node.count() == 1
    assert page.locator(f'path.graph-edge[data-before="yhteistyoalustat"][data-after="{NEW_SLUG}"]').count() == 1
    axe(page)
    assert dialogs == []


def _plant_payloads(app) -> list[str]:
    """Modules whose every authored field is an XSS payload, a learner's path and comments to them."""
    from kampus.authoring import services
    from kampus.paths.models import Path, PathGoal
    from kampus.progress.models import Feedback

    slugs = []
    with app.test_request_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        learner = db.session.scalar(select(User).where(User.email == LEARNER))
        for i, payload in enumerate(PAYLOADS):
            module = services.create_module(
                admin,
                {
                    "slug": f"xss-{i}",
                    "theme": "verkostoituminen",
                    "position": 50 + i,
                    "title": {"fi": payload, "sv": payload, "en": payload},
                    "summary": {"fi": payload},
                    "level": "A2",
                    "minutes": 10,
                    "target_groups": ["teaching"],
                    "competences": [payload[:40]],
                    "status": "published",
                    "sections": [{"title": payload, "body": payload}],
                    "self_check": None,
                    "reflection": payload,
                },
            )
            slugs.append(module.slug)
        services.create_module(
            admin,
            {
                "slug": "xss-materiaali",
                "theme": "verkostoituminen",
                "position": 99,
                "title": {"fi": "XSS-materiaali"},
                "summary": {"fi": "Kaikki kentät"},
                "level": "B1",
                "minutes": 30,
                "target_groups": [],
                "competences": [],
                "status": "published",
                "sections": [{"title": p, "body": f"{p}\n\n[linkki]({p})\n\n- {p}"} for p in PAYLOADS],
                "self_check": {
                    "pass_mark": 70,
                    "questions": [
                        {"prompt": p, "choices": [p, "turvallinen"], "correct": [1], "explanation": p} for p in PAYLOADS
                    ],
                },
                "reflection": PAYLOADS[0],
            },
        )
        path = Path(user_id=learner.id, title=PAYLOADS[3], start=dt.date.today())
        path.goals = [PathGoal(module=services.load_module(s)) for s in slugs[:10]]
        db.session.add(path)
        for i, slug in enumerate(slugs[:5]):
            db.session.add(
                Feedback(
                    user_id=learner.id, module_id=services.load_module(slug).id, rating=3, comment=PAYLOADS[-1 - i]
                )
            )
        db.session.commit()
        db.session.remove()
    return slugs


def _inert(page, dialogs, url):
    page.goto(url)
    page.wait_for_load_state("load")
    assert dialogs == [], f"{url} opened a dialog: {dialogs}"
    assert page.evaluate("typeof window.__xss") == "undefined", f"a payload ran on {url}"
    # nothing an author wrote became a script or an event handler on this page
    assert (
        page.evaluate("""() => [...document.querySelectorAll('*')].filter(el =>
        [...el.attributes].some(a => a.name.startsWith('on') ||
            /^\\s*(javascript|data):/i.test(a.value) && ['href','src','action','xlink:href','data'].includes(a.name))
        ).length""")
        == 0
    ), f"active attributes on {url}"
    assert page.locator("main script, main iframe, main object, main embed").count() == 0, url


def test_xss_payloads_are_harmless_on_every_page(page, server, dialogs):
    assert len(PAYLOADS) >= 30
    page.goto(server.url + "/")
    page.evaluate("() => { alert('probe'); }")
    assert dialogs == ["probe"], "the dialog listener must see a real alert"
    dialogs.clear()
    slugs = _plant_payloads(server.app_for_tests)
    sign_in(page, server, ADMIN)
    admin_pages = [
        "/admin/content",
        "/admin/content/audit",
        "/admin/content/audit?module=xss-materiaali",
        "/admin/content/modules/xss-materiaali/edit",
        "/admin/content/modules/xss-3/prerequisites",
        "/themes/verkostoituminen",
        "/modules/xss-materiaali",
    ]
    admin_pages += [f"/admin/content/modules/{slug}/edit" for slug in slugs[::4]]
    for url in admin_pages:
        _inert(page, dialogs, server.url + url)

    # the live preview inserts the server's cleaned HTML: still inert
    page.goto(server.url + "/admin/content/modules/xss-materiaali/edit")
    for payload in PAYLOADS[:8]:
        page.fill("#sections-0-body", "")
        page.locator("#sections-0-body").press_sequentially("ok " + payload[:60], delay=0)
        page.wait_for_function("document.querySelector('#sections-0-body-preview').textContent.includes('ok')")
    page.wait_for_timeout(500)
    assert dialogs == [] and page.evaluate("typeof window.__xss") == "undefined"
    sign_out(page)

    sign_in(page, server, LEARNER)
    learner_pages = ["/me", "/themes/verkostoituminen", "/modules/xss-materiaali", "/modules/xss-materiaali/study"]
    learner_pages += [f"/modules/xss-materiaali/study?section={i}" for i in range(len(PAYLOADS))]
    learner_pages += [f"/modules/{slug}" for slug in slugs] + [f"/modules/{slug}/study" for slug in slugs[:10]]
    with server.app_for_tests.app_context():
        from kampus.paths.models import Path

        path_id = db.session.scalar(select(Path.id).join(User, Path.user_id == User.id).where(User.email == LEARNER))
        db.session.remove()
    learner_pages.append(f"/paths/{path_id}")
    for url in learner_pages:
        _inert(page, dialogs, server.url + url)
    # the payloads are there, shown as text
    page.goto(server.url + "/modules/xss-materiaali/study?section=0")
    assert PAYLOADS[0] in page.inner_text("#section-title")
