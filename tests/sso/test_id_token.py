"""The ID token's checks, against the real IdP's discovery and keys: a token signed with the
IdP's own key but addressed to another client, from another issuer, expired, with the wrong
nonce, or signed by someone else is refused."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from kampus.sso import oidc


def _token(key, **claims):
    now = int(time.time())
    values = {"sub": "forged-1", "iat": now, "exp": now + 300, "nonce": "n-1", **claims}
    values = {key: value for key, value in values.items() if value is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, values, key)


@pytest.fixture
def checks(oidc_idp):
    config = {"issuer": oidc_idp.issuer, "client_id": oidc_idp.client_id}
    metadata = oidc.discover(oidc_idp.issuer)

    def check(token, nonce="n-1"):
        return oidc.validate_id_token(token, config=config, metadata=metadata, nonce=nonce)

    return check


def test_a_token_for_this_client_passes(oidc_idp, checks):
    claims = checks(_token(oidc_idp.signing_key, iss=oidc_idp.issuer, aud=oidc_idp.client_id))
    assert claims["sub"] == "forged-1"


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "another-client"},
        {"aud": ["another-client"], "azp": "another-client"},
        {"iss": "https://evil.example"},
        {"exp": int(time.time()) - 3600},
        {"nonce": "someone-elses"},
        {"nonce": None},
    ],
    ids=["wrong-audience", "wrong-audience-with-azp", "wrong-issuer", "expired", "wrong-nonce", "no-nonce"],
)
def test_a_wrong_token_is_refused(oidc_idp, checks, change):
    claims = {"iss": oidc_idp.issuer, "aud": oidc_idp.client_id, **change}
    with pytest.raises(oidc.OidcRefused) as refusal:
        checks(_token(oidc_idp.signing_key, **claims))
    assert refusal.value.reason == "invalid"


def test_a_token_signed_by_another_key_is_refused(oidc_idp, checks):
    stranger = RSAKey.generate_key(2048, parameters={"kid": oidc_idp.signing_key.kid}, private=True)
    with pytest.raises(oidc.OidcRefused):
        checks(_token(stranger, iss=oidc_idp.issuer, aud=oidc_idp.client_id))


def test_an_unsigned_token_is_refused(oidc_idp, checks):
    import base64
    import json

    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    body = {"iss": oidc_idp.issuer, "aud": oidc_idp.client_id, "sub": "x", "iat": now, "exp": now + 60, "nonce": "n-1"}
    with pytest.raises(oidc.OidcRefused):
        checks(part({"alg": "none"}) + "." + part(body) + ".")
