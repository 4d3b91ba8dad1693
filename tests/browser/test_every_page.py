"""Every page of the app in a real browser, generated from the URL map: what axe cannot see.

The route list is not written by hand: it is every GET rule of ``app.url_map``, its
arguments filled with demo ids by ``tests/routes.py`` (a rule whose argument has no
demo value fails, naming the line to add). Each URL is fetched as anonymous, then as a
demo learner, manager and administrator, and checked as the first of them who gets a
200 (so every page is seen by the least privileged role allowed to see it). For each
HTML page, at 1280 px and at 320 px wide (WCAG 1.4.10 Reflow: 320 CSS px is 1280 px at
400 % zoom):

- nothing scrolls sideways: ``document.documentElement.scrollWidth <= clientWidth``
  (the failure names the elements that stick out);
- axe-core finds no violation of WCAG 2.0, 2.1 and 2.2 A/AA or best practice.

Non-HTML answers (JSON, CSV, SVG, files) are only checked for their 200.
One browser context per role, pages reused: about two minutes on two cores.
"""

from __future__ import annotations

import threading

import pytest

from tests.conftest import AXE_WCAG22_TAGS, check_axe, config_for
from tests.routes import DEMO_PASSWORD, DEMO_USERS, DemoUrls, get_rules

pytestmark = pytest.mark.browser

ROLES = ("anonymous", "learner", "manager", "admin")
WIDTHS = (1280, 320)
# Steps of signing in with an identity provider: they redirect to the IdP (or answer its
# redirect back), so they have no page of their own here. tests/sso/test_browser_oidc.py and
# test_saml_browser.py drive them in Chromium, with axe, against the real local IdPs.
NOT_PAGES = {"static", "sso.start", "sso.oidc_login", "sso.oidc_callback", "sso.saml_login"}
RULES = [rule for rule in get_rules() if rule.endpoint not in NOT_PAGES]

# Elements that stick out past the right edge of the viewport, outermost first, not
# counting those inside a scroll container (those scroll on their own, which is allowed).
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1 || inScroller(el)) continue;
    if (el.parentElement && out.some((o) => o.el === el.parentElement)) continue;
    out.push({el, text: name(el) + ' ' + Math.round(r.right) + 'px "' +
      (el.textContent || '').trim().slice(0, 40) + '"'});
  }
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width,
          culprits: out.slice(0, 6).map((o) => o.text)};
}"""


@pytest.fixture(scope="module")
def server(databases, tmp_path_factory):
    """Kampus over real HTTP on a fresh demo database of its own (what the resolver makes
    stays here), with a signing key so credentials are issued."""
    from werkzeug.serving import make_server

    from kampus.app import create_app
    from kampus.credentials import signing
    from kampus.extensions import db

    url = databases.fresh("demo")
    keys = tmp_path_factory.mktemp("keys")
    signing.generate_key(keys)
    app = create_app(config_for(url, RATELIMIT_ENABLED=False, KAMPUS_CREDENTIALS_KEY_DIR=str(keys)))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["KAMPUS_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app_for_tests = app
    server.base = app.config["KAMPUS_BASE_URL"]
    yield server
    server.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture(scope="module")
def demo_urls(server):
    return DemoUrls(server.app_for_tests)


@pytest.fixture(scope="module")
def visitors(browser, server, browser_context_args):
    """A signed-in page per role (one browser context each)."""
    contexts, pages = [], {}
    for role in ROLES:
        context = browser.new_context(**{**browser_context_args, "base_url": server.base})
        page = context.new_page()
        if role != "anonymous":
            page.goto("/login")
            page.get_by_label("Sähköpostiosoite").fill(DEMO_USERS[role])
            page.get_by_label("Salasana", exact=True).fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Kirjaudu sisään", exact=True).click()
            page.wait_for_load_state()
            assert "/login" not in page.url, f"the demo {role} could not sign in"
        contexts.append(context)
        pages[role] = page
    yield pages
    for context in contexts:
        context.close()


def first_role_with_200(visitors, demo_urls, url: str):
    """The least privileged role whose GET of ``url`` answers 200, and its response.
    The API (/api/v1) is read with the role's own bearer token instead of its session."""
    seen = {}
    for role in ROLES:
        headers = {}
        if url.startswith("/api/v1/") and demo_urls.api_token(role):
            headers["Authorization"] = f"Bearer {demo_urls.api_token(role)}"
        response = visitors[role].context.request.get(url, max_redirects=0, headers=headers)
        seen[role] = response.status
        if response.status == 200:
            return role, response
    pytest.fail(
        f"no role gets a 200 for {url} ({seen}): the demo value in tests/routes.py does not name a page "
        "someone may see, or the page is broken"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.rule)
def test_every_page_reflows_at_320_px_and_passes_axe(rule, demo_urls, visitors):
    url = demo_urls.url(rule)
    role, response = first_role_with_200(visitors, demo_urls, url)
    if not response.headers.get("content-type", "").startswith("text/html"):
        return  # JSON, CSV, SVG, files: no layout to check
    page = visitors[role]
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if width == WIDTHS[0]:
            page.goto(url)
        measured = page.evaluate(STICKING_OUT)
        if measured["scrollWidth"] > measured["clientWidth"]:
            problems.append(
                f"at {width} px {url} (as {role}) is {measured['scrollWidth']} px wide, sticking out: "
                + "; ".join(measured["culprits"])
            )
        try:
            check_axe(page, AXE_WCAG22_TAGS)
        except AssertionError as error:
            problems.append(f"at {width} px (as {role}): {error}")
    assert not problems, "\n".join(problems)


def test_every_get_route_with_arguments_has_a_demo_value():
    """Fails at once (without a browser) when a new GET route has an argument the resolver does not know."""
    from tests.routes import MissingDemoValue, demo_key

    missing = []
    for rule in RULES:
        for argument in sorted(rule.arguments - set(rule.defaults or ())):
            try:
                demo_key(rule, argument)
            except MissingDemoValue as error:
                missing.append(str(error))
    assert not missing, "\n\n".join(missing)
