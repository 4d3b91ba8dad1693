"""After a failed submit the page says so: the title starts with "Error:" (in the reader's
language), an error summary at the top of the form (role="alert", focusable, moved to by
js/forms.js) links to each field; an incomplete self-check names its unanswered questions,
the rating error belongs to its radio group, and the result of a self-check takes focus."""

from __future__ import annotations

import re

from kampus.extensions import db
from kampus.progress import services as progress
from tests.conftest import form_token
from tests.factories import csrf_token, login
from tests.paths.helpers import make_learner, module, shown_check, sign_in, submit_check, token_of

SLUG = "oppimateriaalin-laatu"


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def summary(html: str) -> str:
    match = re.search(r'<div class="error-summary" role="alert" tabindex="-1">(.*?)</div>', html, re.S)
    assert match, "no error summary on the page"
    return match.group(1)


def test_a_failed_form_has_an_error_title_and_a_summary_linking_each_field(app, world):
    client = app.test_client()
    login(client, world.manager_a.email)
    ok = client.get("/org/staff/invite").get_data(as_text=True)
    assert not title(ok).startswith("Virhe") and "error-summary" not in ok and "js/forms.js" in ok

    response = client.post(
        "/org/staff/invite",
        data={"email": "ei-osoite", "name": "Nimi Kirjoitettu", "team": "", "csrf_token": form_token(ok)},
    )
    html = response.get_data(as_text=True)
    assert title(html).startswith("Virhe: ")
    assert '<a href="#email">' in summary(html)
    assert 'value="Nimi Kirjoitettu"' in html  # what was typed is kept


def test_the_error_title_is_translated(app, world):
    client = app.test_client()
    client.post("/language", data={"lang": "sv", "next": "/login", "csrf_token": csrf_token(client, "/login")})
    html = client.post(
        "/login", data={"email": "", "password": "", "csrf_token": csrf_token(client, "/login")}
    ).get_data(as_text=True)
    assert title(html).startswith("Fel: ")
    assert 'href="#email"' in summary(html)


def test_a_form_level_refusal_is_in_the_summary_too(app, world):
    client = app.test_client()
    html = client.post(
        "/login",
        data={"email": world.learner_a.email, "password": "väärä-salasana", "csrf_token": csrf_token(client, "/login")},
    ).get_data(as_text=True)
    assert title(html).startswith("Virhe: ")
    assert "Sähköpostiosoite tai salasana ei ole oikein." in summary(html)


def started_learner(client):
    user = make_learner()
    progress.start_module(user.id, module(SLUG))
    db.session.commit()
    sign_in(client)
    return user


def test_an_incomplete_self_check_names_the_unanswered_questions(client):
    started_learner(client)
    html = client.get(f"/modules/{SLUG}/study").get_data(as_text=True)
    token, shown = shown_check(html)
    assert len(shown) >= 2
    answered = next(q for q in module(SLUG).questions if q.id == shown[0])
    response = client.post(
        f"/modules/{SLUG}/check",
        data={"csrf_token": form_token(html), "draw": token, f"q{shown[0]}": [str(answered.correct[0])]},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and title(page).startswith("Virhe: ")
    listed = summary(page)
    missing = shown[1:]
    assert f"{len(missing)} kysymykseen ei ole vielä vastattu" in listed
    for position, qid in enumerate(shown[1:], start=2):
        assert f"Kysymys {position}:" in listed and f'href="#q{qid}-' in listed
        assert f'id="q{qid}" aria-describedby="q{qid}-error"' in page
    assert f'id="q{shown[0]}" aria-describedby' not in page  # the answered one is not marked
    assert f'value="{answered.correct[0]}" checked' in page  # and keeps its answer


def test_the_rating_error_is_tied_to_its_radio_group(client):
    started_learner(client)
    response = client.post(
        f"/modules/{SLUG}/rating", data={"csrf_token": token_of(client, f"/modules/{SLUG}/study"), "comment": "Hyvä"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and title(html).startswith("Virhe: ")
    assert re.search(
        r'<fieldset class="field rating has-error" id="rating-group" aria-describedby="rating-error">', html
    )
    assert '<p class="error" id="rating-error">' in html
    assert 'href="#rating-0"' in summary(html)
    assert "Hyvä" in html


def test_the_result_of_a_self_check_takes_focus(client):
    started_learner(client)
    response = submit_check(client, SLUG, right=True, url=f"/modules/{SLUG}/study")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<p class="result result-pass" id="attempt-result" tabindex="-1" data-focus-on-load>', html)
