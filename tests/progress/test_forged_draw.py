"""A self-check form belongs to the learner it was drawn for: another learner who sends it, or a
form signed for them that carries another learner's nonce (a forged one, as with a leaked key),
is refused like an expired form (400, the form again, nothing recorded), never a server error."""

from __future__ import annotations

from sqlalchemy import select

from kampus.extensions import db
from kampus.progress import services
from kampus.progress.integrity import Draw
from kampus.progress.models import Attempt
from tests.conftest import form_token
from tests.paths.helpers import make_learner, module, shown_check, sign_in, submit_check, token_of

SLUG = "oppimateriaalin-laatu"
EXPIRED = "Itsetestin lomake on vanhentunut. Vastaa kysymyksiin uudelleen."


def answered_right(token: str, csrf: str) -> dict:
    """The POST of the self-check form ``token`` with each of its drawn questions answered right."""
    by_id = {q.id: q for q in module(SLUG).questions}
    drawn = Draw.from_json(services._serializer().loads(token)).question_ids
    return {"csrf_token": csrf, "draw": token, **{f"q{qid}": [str(c) for c in by_id[qid].correct] for qid in drawn}}


def attempts() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(select(Attempt.user_id, Attempt.draw_nonce).order_by(Attempt.id))]


def test_another_learners_form_or_nonce_is_refused_as_an_expired_form(app, client):
    anna, bertil = make_learner("anna@example.fi"), make_learner("bertil@example.fi")
    sign_in(client, "anna@example.fi")
    assert submit_check(client, SLUG, right=False).status_code == 302  # Anna's attempt, with its form's nonce
    [(_anna, annas_nonce)] = attempts()
    annas_form, _shown = shown_check(client.get(f"/modules/{SLUG}/test-out").get_data(as_text=True))

    client.post("/logout", data={"csrf_token": token_of(client, "/me")})
    sign_in(client, "bertil@example.fi")
    page = client.get(f"/modules/{SLUG}/test-out").get_data(as_text=True)
    with app.test_request_context():  # a form signed for Bertil that carries Anna's recorded nonce
        forged = services._serializer().dumps(
            services._serializer().loads(annas_form) | {"u": bertil.id, "n": annas_nonce}
        )
    for token in (annas_form, forged):
        response = client.post(f"/modules/{SLUG}/check", data=answered_right(token, form_token(page)))
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and EXPIRED in html, (response.status_code, html[:300])
        assert 'name="draw"' in html  # a fresh form to answer again
    assert attempts() == [(anna.id, annas_nonce)]
    assert submit_check(client, SLUG, right=True).status_code == 302  # Bertil's own form is graded
    assert attempts()[1][0] == bertil.id
