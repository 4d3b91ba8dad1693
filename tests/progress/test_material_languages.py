"""Learners read the material in their language: Swedish where the module has it,
else Finnish marked ``lang="fi"`` with one notice on the page, and a self-check
graded by choice id, so switching language half way through loses nothing."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from kampus.content import render_markdown
from kampus.extensions import db
from kampus.progress.models import Attempt
from tests.conftest import form_token
from tests.factories import drop_language
from tests.paths.helpers import PASSWORD, module, shown_check, shown_choices, sign_in, token_of

SWEDISH_MODULE = "digikyvykkyyden-itsearviointi"  # theme 1: every part has sv (and en)
FINNISH_ONLY_MODULE = "digipedagogiikka"  # its Swedish material is taken out by the test (drop_language)
NOTICE_SV = "Denna del finns bara på finska"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The page's visible text, split into what is outside and inside elements marked ``lang="fi"``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, inside a lang="fi" element)
        self.outside: list[str] = []
        self.inside: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        parent_fi = self.stack[-1][1] if self.stack else False
        lang = dict(attrs).get("lang")
        self.stack.append((tag, parent_fi if lang is None or tag == "html" else lang == "fi"))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(t in ("script", "style", "title") for t, _fi in self.stack):
            return
        (self.inside if self.stack and self.stack[-1][1] else self.outside).append(data)


def visible(html: str) -> tuple[str, str]:
    parser = VisibleText()
    parser.feed(html)
    squash = lambda parts: re.sub(r"\s+", " ", " ".join(parts))  # noqa: E731
    return squash(parser.outside), squash(parser.inside)


def plain(markdown: str) -> list[str]:
    """The paragraphs of rendered Markdown as plain text (what a reader sees)."""
    text = re.sub(r"<[^>]+>", "\n", str(render_markdown(markdown)))
    return [re.sub(r"\s+", " ", p).strip() for p in text.split("\n") if p.strip()]


def finnish_strings(m) -> list[str]:
    """Every Finnish text of the module's material, except those its Swedish texts contain too
    (a name such as "SELFIE for work-based learning" is the same in both)."""
    values = [
        m.title,
        m.summary,
        m.reflection,
        *(s.title for s in m.sections),
        *(q.prompt for q in m.questions),
        *(c for q in m.questions for c in q.choices),
        *(q.explanation for q in m.questions),
    ]
    swedish = " ".join(re.sub(r"\s+", " ", v.get("sv", "")) for v in values if v)
    swedish += " ".join(" ".join(plain(s.body.get("sv", ""))) for s in m.sections)
    texts = [re.sub(r"\s+", " ", v["fi"]).strip() for v in values if v and v.get("fi")]
    for s in m.sections:
        texts += [p for p in plain(s.body["fi"]) if len(p) > 25]
    return [t for t in texts if t not in swedish]


def swedish_learner(client, email="elev@example.fi"):
    from tests.factories import make_user

    user = make_user(None, email=email, name="Elsa Elev", language="sv", password=PASSWORD)
    sign_in(client, email)
    return user


def start(client, slug):
    response = client.post(f"/modules/{slug}/start", data={"csrf_token": token_of(client, f"/modules/{slug}/study")})
    assert response.status_code == 302


def test_a_swedish_learner_reads_no_finnish_outside_elements_marked_finnish(client):
    swedish_learner(client)
    start(client, SWEDISH_MODULE)
    m = module(SWEDISH_MODULE)
    finnish = finnish_strings(m)
    assert len(finnish) > 30
    for index, section in enumerate(m.sections):
        html = client.get(f"/modules/{SWEDISH_MODULE}/study?section={index}").get_data(as_text=True)
        outside, inside = visible(html)
        leaked = [t for t in finnish if t in outside]
        assert not leaked, f"Finnish outside lang=fi in section {index}: {leaked[:3]}"
        assert inside.replace("Suomi", "").strip() == "" and NOTICE_SV not in html  # only the switcher says "Suomi"
        assert section.title["sv"] in outside and plain(section.body["sv"])[0] in outside
        assert m.questions[0].prompt["sv"] in outside and m.reflection["sv"] in outside
        assert "Avsnitt" in outside  # the interface is Swedish too


def test_a_module_without_swedish_shows_finnish_marked_and_says_so_once(client):
    drop_language(FINNISH_ONLY_MODULE, "sv")
    swedish_learner(client)
    start(client, FINNISH_ONLY_MODULE)
    m = module(FINNISH_ONLY_MODULE)
    assert not m.sections[0].body.get("sv")  # the premise: this module's material is Finnish only
    html = client.get(f"/modules/{FINNISH_ONLY_MODULE}/study?section=0").get_data(as_text=True)
    assert html.count(NOTICE_SV) == 1
    outside, inside = visible(html)
    assert not [t for t in finnish_strings(m) if t in outside]
    assert plain(m.sections[0].body["fi"])[0] in inside
    assert f'<h2 id="section-title"><span lang="fi">{m.sections[0].title["fi"]}</span></h2>' in html
    assert '<div lang="fi">' in html  # the section body as one block in Finnish
    prompt = m.questions[0].prompt["fi"]
    assert re.search(rf'<span lang="fi">{re.escape(prompt)}</span>', html.replace("&#39;", "'")) or prompt not in html


def test_a_finnish_learner_sees_no_notice_and_no_marks(client):
    from tests.factories import make_user

    make_user(None, email="oppija2@example.fi", language="fi", password=PASSWORD)
    sign_in(client, "oppija2@example.fi")
    start(client, FINNISH_ONLY_MODULE)
    html = client.get(f"/modules/{FINNISH_ONLY_MODULE}/study").get_data(as_text=True)
    assert "Tämä osa on saatavilla vain suomeksi" not in html and 'lang="fi">' not in html.split("<body", 1)[1]


def test_switching_language_in_the_middle_of_a_self_check_loses_nothing(client):
    user = swedish_learner(client)
    start(client, SWEDISH_MODULE)
    html = client.get(f"/modules/{SWEDISH_MODULE}/study").get_data(as_text=True)
    token, shown = shown_check(html)
    m = module(SWEDISH_MODULE)
    by_id = {q.id: q for q in m.questions}
    assert by_id[shown[0]].prompt["sv"] in html
    orders = {qid: shown_choices(html, qid) for qid in shown}
    data = {"csrf_token": form_token(html), "draw": token}
    for qid in shown:
        data[f"q{qid}"] = [str(c) for c in by_id[qid].correct]  # choice ids, as the Swedish form posted them

    switched = client.post(
        "/language", data={"csrf_token": form_token(html), "lang": "fi", "next": f"/modules/{SWEDISH_MODULE}/study"}
    )
    assert switched.status_code == 302
    db.session.refresh(user)
    assert user.language == "fi"
    finnish_page = client.get(f"/modules/{SWEDISH_MODULE}/study").get_data(as_text=True)
    assert by_id[shown[0]].prompt["fi"] in finnish_page

    response = client.post(f"/modules/{SWEDISH_MODULE}/check", data=data)  # the form filled in Swedish
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == user.id))
    assert attempt.score == 100 and attempt.passed
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="result result-pass"' in result
    assert by_id[shown[0]].prompt["fi"] in result and by_id[shown[0]].prompt["sv"] not in result
    for qid in shown:  # the choices stay in the order the learner saw them
        first = by_id[qid].choices[orders[qid][0]]["fi"]
        later = by_id[qid].choices[orders[qid][-1]]["fi"]
        assert result.index(first) < result.index(later)
