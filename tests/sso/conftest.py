"""A real OpenID Connect provider (npm ``oidc-provider``, ``tests/sso/oidc_idp.mjs``) on a
loopback port for the whole session, and helpers to sign in through it.

``oidc_idp.add_account(sub, email=..., groups=...)`` adds or changes a test person;
``oidc_idp.authorize(url, sub)`` plays the browser at the IdP (its login form) with
``requests`` and returns the Kampus callback URL the IdP sends the browser back to.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from joserfc.jwk import RSAKey

from tests.auth.conftest import inbox, mail_app  # noqa: F401 (the SMTP inbox fixtures, for password links)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CLIENT_ID = "kampus-test"
CLIENT_SECRET = "kampus-test-secret-0123456789"
KEY_CLIENT_ID = "kampus-test-private-key-jwt"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcIdp:
    def __init__(self, issuer: str, accounts_file: Path, signing_key: RSAKey, client_key: RSAKey):
        self.issuer = issuer
        self.accounts_file = accounts_file
        self.signing_key = signing_key
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.key_client_id = KEY_CLIENT_ID
        self.client_private_key_pem = client_key.as_pem(private=True).decode()

    def add_account(self, sub: str, **claims) -> None:
        accounts = json.loads(self.accounts_file.read_text())
        claims.setdefault("email_verified", True)
        accounts[sub] = claims
        self.accounts_file.write_text(json.dumps(accounts))

    def provider_config(self, **extra) -> dict:
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scopes": "openid email profile",
            "auth_method": "client_secret_basic",
            "claims": {"email": "email", "name": "name", "roles": "groups"},
            **extra,
        }

    def authorize(self, url: str, sub: str) -> str:
        """Sign ``sub`` in at the IdP from the authorisation ``url``; the callback URL it redirects to."""
        browser = requests.Session()
        response = browser.get(url, allow_redirects=False, timeout=10)
        for _hop in range(10):
            location = response.headers.get("Location")
            if response.is_redirect and location:
                target = urljoin(response.url, location)
                if not target.startswith(self.issuer):
                    return target
                response = browser.get(target, allow_redirects=False, timeout=10)
                continue
            page = response.text
            action = re.search(r'<form[^>]+action="([^"]+)"', page)
            assert action, f"no form at the IdP: {page[:500]}"
            fields = dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
            fields.update({"login": sub, "password": "any"})
            response = browser.post(
                urljoin(response.url, unescape(action.group(1))), data=fields, allow_redirects=False, timeout=10
            )
        raise AssertionError("the IdP never sent the browser back")


@pytest.fixture(scope="session")
def oidc_idp(tmp_path_factory):
    """The local OpenID Connect provider, started once (``node tests/sso/oidc_idp.mjs``)."""
    folder = tmp_path_factory.mktemp("oidc-idp")
    accounts = folder / "accounts.json"
    accounts.write_text("{}")
    key = RSAKey.generate_key(2048, parameters={"kid": "kampus-test-1", "use": "sig", "alg": "RS256"}, private=True)
    client_key = RSAKey.generate_key(2048, private=True)  # Kampus's own, for private_key_jwt
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "IDP_PORT": str(port),
        "IDP_ISSUER": issuer,
        "IDP_ACCOUNTS": str(accounts),
        "IDP_JWKS": json.dumps({"keys": [key.as_dict(private=True)]}),
        "IDP_CLIENTS": json.dumps(
            [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": ["http://127.0.0.1:5000/sso/oidc/registered/callback"],
                    "token_endpoint_auth_method": "client_secret_basic",
                },
                {
                    "client_id": KEY_CLIENT_ID,
                    "redirect_uris": ["http://127.0.0.1:5000/sso/oidc/registered/callback"],
                    "token_endpoint_auth_method": "private_key_jwt",
                    "jwks": {"keys": [client_key.as_dict(private=False)]},
                },
            ]
        ),
    }
    log = (folder / "idp.log").open("w")
    process = subprocess.Popen(["node", str(HERE / "oidc_idp.mjs")], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(issuer + "/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the OIDC provider did not start: " + (folder / "idp.log").read_text()[-2000:])
            time.sleep(0.2)
        yield OidcIdp(issuer, accounts, key, client_key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def english(client):
    """A test client that asks for English pages (the messages asserted are the source strings)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def client(app):
    return english(app.test_client())
