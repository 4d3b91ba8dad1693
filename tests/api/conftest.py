"""Fixtures of the API tests: the two-organisation world with a token for each kind of caller."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kampus.api import services
from kampus.extensions import db


@dataclass
class Tokens:
    """Secrets, ready for ``Authorization: Bearer``."""

    manager_a: str
    manager_a_read: str
    learner_a: str
    manager_b: str
    org_a: str
    revoked: str


def make_tokens(world) -> Tokens:
    def personal(user, scope="write"):
        return services.create_token(name=f"{user.email} {scope}", scope=scope, user=user, created_by=user).secret

    revoked = services.create_token(name="old", scope="write", user=world.manager_a, created_by=world.manager_a)
    services.revoke_token(revoked.token)
    tokens = Tokens(
        manager_a=personal(world.manager_a),
        manager_a_read=personal(world.manager_a, "read"),
        learner_a=personal(world.learner_a),
        manager_b=personal(world.manager_b),
        org_a=services.create_token(
            name="HR", scope="write", organisation=world.org_a, created_by=world.manager_a
        ).secret,
        revoked=revoked.secret,
    )
    db.session.commit()
    return tokens


@pytest.fixture
def tokens(world) -> Tokens:
    return make_tokens(world)


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}
