"""Small helpers for the learner tests: a signed-in learner and module lookups."""

from __future__ import annotations

from sqlalchemy import select

from kampus.auth.models import User
from kampus.auth.passwords import hash_password
from kampus.catalogue.models import Module
from kampus.extensions import db
from tests.conftest import form_token

PASSWORD = "oppija-salasana-1"


def make_learner(email: str = "oppija@example.fi", name: str = "Olli Oppija") -> User:
    user = User(email=email, name=name, password_hash=hash_password(PASSWORD), language="fi")
    db.session.add(user)
    db.session.commit()
    return user


def sign_in(client, email: str = "oppija@example.fi", password: str = PASSWORD):
    token = form_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def module(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def token_of(client, url: str) -> str:
    return form_token(client.get(url).get_data(as_text=True))


def shown_check(html: str) -> tuple[str | None, list[int]]:
    """The self-check form of a page: its signed draw token and the question ids shown, in order."""
    import re

    token = re.search(r'name="draw" value="([^"]+)"', html)
    return (token.group(1) if token else None), [int(q) for q in dict.fromkeys(re.findall(r'name="q(\d+)"', html))]


def shown_choices(html: str, question_id: int) -> list[int]:
    """The choice ids of one question in the order the page shows them."""
    import re

    return [int(c) for c in re.findall(rf'name="q{question_id}" value="(\d+)"', html)]


def submit_check(client, slug: str, *, right=True, draw: str | None = None, url: str | None = None):
    """Open the module's self-check (the test-out page, or the study page once started) and send it.

    ``right`` answers every shown question right (True), wrong (False), or a
    given number of them right (an int). ``draw`` overrides the form's token.
    Returns the POST's response (a redirect to the attempt on success).
    """
    html = client.get(url or f"/modules/{slug}/test-out", follow_redirects=True).get_data(as_text=True)
    token, shown = shown_check(html)
    m = module(slug)
    by_id = {q.id: q for q in m.questions}
    if not shown:  # no form on the page (a locked module): send every question, as a forged page would
        shown = list(by_id)
    data = {"csrf_token": form_token(html), "draw": draw if draw is not None else (token or "")}
    for n, qid in enumerate(shown):
        q = by_id[qid]
        good = right if isinstance(right, bool) else n < right
        wrong = next(i for i in range(len(q.choices)) if i not in q.correct)
        data[f"q{qid}"] = [str(c) for c in q.correct] if good else [str(wrong)]
    return client.post(f"/modules/{slug}/check", data=data)
