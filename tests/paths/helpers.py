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
