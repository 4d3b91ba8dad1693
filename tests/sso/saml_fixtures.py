"""Fixtures for SAML tests: the local pysaml2 IdP (``saml_idp.py``) as a subprocess on a loopback port,
a Kampus SP key folder shared by the session, and an MPASSid-like provider row.

Import the fixtures into a test module (``from tests.sso.saml_fixtures import saml_idp, ...``).
"""

from __future__ import annotations

import html
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.sso.saml_idp import DISPLAY_NAME, MAIL, ROLE

IDP_SCRIPT = Path(__file__).with_name("saml_idp.py")
ROOT = IDP_SCRIPT.parent.parent.parent


@dataclass
class PostedForm:
    """The IdP's HTTP-POST binding form: where it posts, and what."""

    action: str
    saml_response: str
    relay_state: str

    @property
    def data(self) -> dict:
        return {"SAMLResponse": self.saml_response, "RelayState": self.relay_state}

    @property
    def path(self) -> str:
        return urlsplit(self.action).path


@dataclass
class LocalIdp:
    url: str
    process: subprocess.Popen

    @property
    def entity_id(self) -> str:
        return f"{self.url}/idp"

    @property
    def metadata(self) -> str:
        return requests.get(f"{self.url}/metadata", timeout=10).text

    def trust(self, sp_metadata: bytes | str) -> None:
        """Register an SP (its metadata) with the IdP."""
        reply = requests.post(f"{self.url}/_register", data=sp_metadata, timeout=10)
        reply.raise_for_status()

    def sign_in(self, authn_request_url: str, user: str = "maija", mode: str = "normal") -> PostedForm:
        """Follow Kampus's redirect to the IdP as ``user``; the IdP's signed response form."""
        reply = requests.get(authn_request_url, params={"user": user, "mode": mode}, timeout=20)
        assert reply.status_code == 200, reply.text
        return parse_form(reply.text)

    def unsolicited(self, sp_entity_id: str, user: str = "maija") -> PostedForm:
        reply = requests.get(f"{self.url}/idp-initiated", params={"sp": sp_entity_id, "user": user}, timeout=20)
        assert reply.status_code == 200, reply.text
        return parse_form(reply.text)


def parse_form(page: str) -> PostedForm:
    action = re.search(r'<form[^>]*action="([^"]+)"', page)
    response = re.search(r'name="SAMLResponse"[^>]*value="([^"]+)"', page)
    relay = re.search(r'name="RelayState"[^>]*value="([^"]*)"', page)
    assert action and response, page
    return PostedForm(
        html.unescape(action.group(1)), html.unescape(response.group(1)), html.unescape(relay.group(1)) if relay else ""
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    """pysaml2's IdP serving on 127.0.0.1 with its own key and certificate (made here)."""
    from kampus.sso.saml import make_key_and_certificate

    folder = tmp_path_factory.mktemp("saml-idp")
    key_pem, cert_pem = make_key_and_certificate("saml-idp.test")
    (folder / "idp-key.pem").write_bytes(key_pem)
    (folder / "idp-cert.pem").write_bytes(cert_pem)
    port = _free_port()
    log = open(folder / "idp.log", "wb")  # noqa: SIM115 - kept open while the IdP runs
    process = subprocess.Popen(
        [sys.executable, str(IDP_SCRIPT), str(port), str(folder / "idp-key.pem"), str(folder / "idp-cert.pem")],
        cwd=str(ROOT),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/metadata", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the local SAML IdP did not start:\n" + (folder / "idp.log").read_text())
        time.sleep(0.2)
    yield LocalIdp(url, process)
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def saml_key_dir(tmp_path_factory):
    """One SP key pair for every Kampus of the session (RSA key generation is slow)."""
    return str(tmp_path_factory.mktemp("saml-sp"))


def add_saml_provider(idp: LocalIdp, org, *, slug: str = "mpass-a", domains: str = "saml-a.example", **extra):
    """An MPASSid-like provider of ``org``: roles ``;``-separated, ``admin`` makes a manager."""
    from kampus.extensions import db
    from kampus.sso import services

    provider = services.save_provider(
        None,
        organisation=org,
        kind="saml",
        name=extra.pop("name", "MPASSid"),
        slug=slug,
        email_domains=domains,
        config={
            "metadata_xml": idp.metadata,
            "entity_id": idp.entity_id,
            "attributes": {"email": MAIL, "name": DISPLAY_NAME, "roles": ROLE},
            "trust_email": True,
            **extra.pop("config", {}),
        },
        role_rules=extra.pop("role_rules", [{"claim": ROLE, "value": "admin", "role": "manager"}]),
        **extra,
    )
    db.session.commit()
    return provider
