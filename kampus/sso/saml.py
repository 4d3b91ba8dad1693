"""SAML 2.0 service provider: a thin adapter around pysaml2 (signatures by Debian's ``xmlsec1``).

Kampus is one SP for every organisation. Its entity id is the URL of its own
metadata (``/sso/saml/metadata``, built from ``KAMPUS_BASE_URL``), its one
Assertion Consumer Service is ``/sso/saml/acs`` (HTTP-POST). Each identity
provider row (kind ``saml``) holds in ``config``:

``metadata_xml`` or ``metadata_url``
    the IdP's metadata (its signing certificate and SSO endpoint);
``entity_id``
    the IdP's entity id (optional when the metadata describes one IdP);
``subject_attribute``
    optional: an attribute whose first value is the stable subject (MPASSid's
    ``urn:mpass.id:uid``) instead of the NameID.

The SP signs its AuthnRequests and requires signed assertions
(``want_assertions_signed``); unsolicited (IdP-initiated) responses are refused.
:func:`finish` turns every way a response can be wrong into a
:class:`SamlRefused` with a ``reason`` the page explains: ``signature``
(tampered or unsigned), ``replayed``, ``expired``, ``audience``, ``unsolicited``
(no matching request, or ``InResponseTo`` of another request), ``idp_status``
(the IdP said no) and ``invalid``.

The SP's RSA key and self-signed certificate are made on first use and kept in
``KAMPUS_SAML_KEY_DIR`` (default ``instance/saml-sp``); every worker of one
installation reads the same files.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from kampus.db import utcnow
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.links import external_url
from kampus.sso import services
from kampus.sso.models import UsedOnce

log = logging.getLogger(__name__)

KEY_FILE = "sp-key.pem"
CERT_FILE = "sp-cert.pem"
METADATA_CACHE_SECONDS = 3600
REPLAY_PURPOSE = "saml-message"  # UsedOnce.purpose of accepted Response and Assertion IDs
REPLAY_KEEP_MAX = dt.timedelta(hours=24)  # a response is never remembered longer than this

CLIENT_CACHE_SIZE = 32  # pysaml2 clients (and the SP metadata) kept per process

_metadata_cache: dict[str, tuple[float, str]] = {}
_clients: dict[str, object] = {}
_cache_lock = threading.Lock()


class SamlRefused(DomainError):
    """A SAML response Kampus will not accept; ``reason`` says why (see the module docstring)."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(
            f"SAML response refused ({reason}): {detail}" if detail else f"SAML response refused ({reason})"
        )


@dataclass(frozen=True)
class Assertion:
    """What a verified assertion says about the person."""

    subject: str
    name_id: str
    name_id_format: str | None
    issuer: str
    attributes: dict[str, list[str]] = field(default_factory=dict)
    session_index: str | None = None
    in_response_to: str | None = None

    def first(self, name: str | None) -> str | None:
        values = self.attributes.get(name or "") or []
        return values[0] if values else None


# --- the SP's key and certificate -------------------------------------------------


def key_dir() -> Path:
    configured = current_app.config.get("KAMPUS_SAML_KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "saml-sp"


def key_pair() -> tuple[Path, Path]:
    """Paths of the SP's private key and certificate, made on first use (RSA 3072, 10 years)."""
    folder = key_dir()
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    folder.mkdir(parents=True, exist_ok=True)
    key_pem, cert_pem = make_key_and_certificate(urlsplit(current_app.config["KAMPUS_BASE_URL"]).hostname or "kampus")
    try:  # O_EXCL: two workers starting at once keep the first pair
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            if cert_path.exists():
                break
            time.sleep(0.1)
        return key_path, cert_path
    with os.fdopen(fd, "wb") as out:
        out.write(key_pem)
    partial = cert_path.with_suffix(".tmp")
    partial.write_bytes(cert_pem)
    partial.replace(cert_path)
    return key_path, cert_path


def make_key_and_certificate(common_name: str, *, days: int = 3650) -> tuple[bytes, bytes]:
    """A new RSA key and a self-signed certificate for it, both PEM (SAML trusts the certificate by metadata)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


# --- configuration ------------------------------------------------------------------


def sp_entity_id() -> str:
    return external_url("sso.saml_metadata")


def acs_url() -> str:
    return external_url("sso.saml_acs")


def idp_metadata(config: dict) -> str:
    """The IdP's metadata XML: given inline, or fetched from ``metadata_url`` (cached for an hour per process)."""
    if config.get("metadata_xml"):
        return config["metadata_xml"]
    url = config.get("metadata_url")
    if not url:
        raise SamlRefused("config", "the identity provider has neither metadata_xml nor metadata_url")
    if not url.startswith("https://") and not config.get("allow_http"):
        # Whoever can change the metadata on the way can put their own signing certificate in it.
        raise SamlRefused("config", f"the metadata address must start with https:// (got {url})")
    cached = _metadata_cache.get(url)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    import requests

    try:
        reply = requests.get(url, timeout=10)
        reply.raise_for_status()
    except requests.RequestException as exc:
        if cached:  # the IdP's metadata host is down: keep signing in with what we had
            return cached[1]
        raise SamlRefused("config", f"cannot fetch the IdP metadata from {url}: {exc}") from exc
    _metadata_cache[url] = (time.monotonic() + METADATA_CACHE_SECONDS, reply.text)
    return reply.text


def _settings(config: dict | None) -> dict:
    """pysaml2's configuration mapping for Kampus, trusting the IdP described by ``config`` (if any)."""
    from saml2 import BINDING_HTTP_POST
    from saml2.saml import NAMEID_FORMAT_PERSISTENT

    key_path, cert_path = key_pair()
    return {
        "entityid": sp_entity_id(),
        "xmlsec_binary": current_app.config.get("SAML_XMLSEC_BINARY", "/usr/bin/xmlsec1"),
        "key_file": str(key_path),
        "cert_file": str(cert_path),
        "encryption_keypairs": [{"key_file": str(key_path), "cert_file": str(cert_path)}],
        "allow_unknown_attributes": True,
        "accepted_time_diff": int(current_app.config.get("SAML_ACCEPTED_TIME_DIFF", 60)),
        "service": {
            "sp": {
                "name": "Kampus",
                "endpoints": {"assertion_consumer_service": [(acs_url(), BINDING_HTTP_POST)]},
                "allow_unsolicited": False,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "authn_requests_signed": True,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "name_id_format_allow_create": True,
                "requested_attributes": [],
            }
        },
        "metadata": {"inline": [idp_metadata(config)]} if config is not None else {},
    }


def _cache_key(settings: dict) -> str:
    """Settings plus the key files' modification times: a new key (or new metadata) is a new client."""
    stamps = [os.stat(settings[name]).st_mtime_ns for name in ("key_file", "cert_file")]
    return hashlib.sha256(json.dumps([settings, stamps], sort_keys=True, default=str).encode()).hexdigest()


def sp_metadata() -> bytes:
    """The SP's own metadata (entity id, ACS, signing certificate) for IdP administrators."""
    from saml2.metadata import create_metadata_string

    settings = _settings(None)
    key = "metadata:" + _cache_key(settings)
    with _cache_lock:
        if key not in _clients:
            from saml2.config import SPConfig

            conf = SPConfig()
            conf.load(settings)
            _remember_client(key, create_metadata_string(None, config=conf, valid=24 * 365))
        # a "metadata:" key holds what create_metadata_string gave: the XML document (bytes)
        return cast("bytes", _clients[key])


class _NoPopulation:
    """pysaml2 keeps every signed-in person in an in-memory cache; Kampus keeps nothing there."""

    def add_information_about_person(self, session_info) -> None:
        return None


def _remember_client(key: str, value) -> None:
    while len(_clients) >= CLIENT_CACHE_SIZE:
        _clients.pop(next(iter(_clients)))
    _clients[key] = value


def _client(config: dict):
    """A Saml2Client for this provider's settings, kept per process: loading the SP key and parsing the
    metadata cost most of a request. The client keeps no per-person state (see :class:`_NoPopulation`)."""
    from saml2.client import Saml2Client

    try:
        settings = _settings(config)
        key = "client:" + _cache_key(settings)
        with _cache_lock:
            client = _clients.get(key)
            if client is None:
                from saml2.config import SPConfig

                conf = SPConfig()
                conf.load(settings)
                client = Saml2Client(config=conf)
                client.users = _NoPopulation()
                _remember_client(key, client)
            return client
    except SamlRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - unreadable metadata: pysaml2 raises many kinds
        raise SamlRefused("config", f"the IdP metadata cannot be read: {type(exc).__name__}: {exc}") from exc


def check_config(config: dict) -> str:
    """The IdP entity id that ``config`` signs people in with; raises :class:`SamlRefused` (``config``)
    unless its metadata is readable and names that IdP with a signing certificate and an HTTP-Redirect
    SSO endpoint. For the admin page, the YAML loader and the CLI, before a provider is saved."""
    from saml2 import BINDING_HTTP_REDIRECT

    client = _client(config)
    entity_id = _idp_entity_id(client, config)
    try:
        endpoints = client.metadata.single_sign_on_service(entity_id, BINDING_HTTP_REDIRECT)
        certificates = client.metadata.certs(entity_id, "idpsso", "signing")
    except Exception:  # noqa: BLE001 - an unknown entity id
        endpoints, certificates = [], []
    if not endpoints:
        raise SamlRefused("config", f"the metadata has no IdP {entity_id} with an HTTP-Redirect sign-in endpoint")
    if not certificates:
        raise SamlRefused("config", f"the metadata gives no signing certificate for {entity_id}")
    return entity_id


def _idp_entity_id(client, config: dict) -> str:
    if config.get("entity_id"):
        return config["entity_id"]
    idps = list(client.metadata.with_descriptor("idpsso"))
    if len(idps) != 1:
        raise SamlRefused("config", "the metadata describes several IdPs: set entity_id")
    return idps[0]


# --- the flow -----------------------------------------------------------------------


def start(provider, relay_state: str = "") -> tuple[str, str]:
    """A signed AuthnRequest for ``provider`` (HTTP-Redirect binding): ``(URL to send the browser to, request id)``.

    The caller keeps the request id bound to this browser and passes it to :func:`finish`.
    """
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.xmldsig import SIG_RSA_SHA256

    config = provider.config or {}
    client = _client(config)
    request_id, info = client.prepare_for_authenticate(
        entityid=_idp_entity_id(client, config),
        relay_state=relay_state,
        binding=BINDING_HTTP_REDIRECT,
        sigalg=SIG_RSA_SHA256,
    )
    return dict(info["headers"])["Location"], request_id


def peek_in_response_to(saml_response: str) -> str | None:
    """The ``InResponseTo`` of an (unverified) response, to find which pending request it answers."""
    message = _unverified(saml_response)
    return message.in_response_to if message is not None else None


def _unverified(saml_response: str):
    from saml2 import samlp

    try:
        xml = base64.b64decode(saml_response, validate=False)
        return samlp.response_from_string(xml)  # defusedxml underneath
    except Exception:  # noqa: BLE001 - anything unreadable is simply "not a response"
        return None


def _message_ids(message) -> list[str]:
    ids = [f"response:{message.id}"] if message.id else []
    ids += [f"assertion:{a.id}" for a in message.assertion or [] if a.id]
    return [_short(i) for i in ids]


def _short(message_id: str) -> str:
    return message_id if len(message_id) <= 250 else "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


def refuse_replay(saml_response: str):
    """The (unverified) response, unless its Response or Assertion ID was accepted before.

    Raises :class:`SamlRefused` ``replayed``, or ``invalid`` for something that is no Response.
    Only a refusal is decided on unverified data; IDs are recorded after verification.
    """
    message = _unverified(saml_response)
    if message is None:
        raise SamlRefused("invalid", "not a SAML Response")
    seen_ids = _message_ids(message)
    if seen_ids and db.session.scalar(
        select(UsedOnce.id).where(UsedOnce.purpose == REPLAY_PURPOSE, UsedOnce.value.in_(seen_ids)).limit(1)
    ):
        raise SamlRefused("replayed", "this response was used before")
    return message


def finish(provider, saml_response: str, expected_request_ids) -> Assertion:
    """Verify an HTTP-POST ``SAMLResponse`` from ``provider`` and remember its IDs (flushes).

    ``expected_request_ids`` are the AuthnRequest ids this browser is waiting for;
    a response to any other request, or to none, is refused. Raises
    :class:`SamlRefused` (see the module docstring for the reasons).
    """
    message = refuse_replay(saml_response)
    expected = {request_id: provider.id for request_id in expected_request_ids or ()}
    if not expected or message.in_response_to not in expected:
        raise SamlRefused("unsolicited", f"InResponseTo={message.in_response_to!r} answers no pending request")

    response = _verify(provider, saml_response, expected)
    assertion = response.assertion
    verified_ids = _message_ids(response.response) + ([_short(f"assertion:{assertion.id}")] if assertion.id else [])
    _remember(set(verified_ids), _until(response))
    return _assertion(provider, response)


def _verify(provider, saml_response: str, expected: dict):
    from saml2 import BINDING_HTTP_POST
    from saml2.response import StatusError, UnsolicitedResponse
    from saml2.sigver import SignatureError, SigverError
    from saml2.validate import ResponseLifetimeExceed, ToEarly

    client = _client(provider.config or {})
    try:
        response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding=expected)
    except (SignatureError, SigverError) as exc:
        raise SamlRefused("signature", str(exc) or type(exc).__name__) from exc
    except (ResponseLifetimeExceed, ToEarly) as exc:
        raise SamlRefused("expired", str(exc) or type(exc).__name__) from exc
    except UnsolicitedResponse as exc:
        raise SamlRefused("unsolicited", str(exc)) from exc
    except StatusError as exc:
        raise SamlRefused("idp_status", str(exc)) from exc
    except SamlRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - pysaml2 raises bare Exceptions for some checks
        text = str(exc)
        name = type(exc).__name__
        if "AudienceRestrictions" in text:
            raise SamlRefused("audience", text) from exc
        if "IncorrectlySigned" in name or "signature" in text.lower():
            raise SamlRefused("signature", text or name) from exc
        raise SamlRefused("invalid", f"{name}: {text}") from exc
    if response is None or response.assertion is None:
        raise SamlRefused("invalid", "no assertion in the response")
    if response.in_response_to not in expected:  # pysaml2 checked this; never trust one layer alone
        raise SamlRefused("unsolicited", "InResponseTo answers no pending request")
    config = provider.config or {}
    if config.get("entity_id") and response.issuer() != config["entity_id"]:
        raise SamlRefused("invalid", f"issued by {response.issuer()!r}, not by {config['entity_id']!r}")
    return response


def _until(response) -> dt.datetime:
    now = utcnow()
    not_on_or_after = getattr(response, "not_on_or_after", 0) or 0
    if not_on_or_after:
        until = dt.datetime.fromtimestamp(not_on_or_after, dt.UTC).replace(tzinfo=None)
        return min(max(until, now + dt.timedelta(minutes=5)), now + REPLAY_KEEP_MAX)
    return now + REPLAY_KEEP_MAX


def _remember(message_ids: set[str], until: dt.datetime) -> None:
    """Record accepted IDs; a concurrent second use of one response fails here (unique value)."""
    for message_id in sorted(message_ids):
        try:
            services.use_once(REPLAY_PURPOSE, message_id, until)
        except DomainError as exc:
            raise SamlRefused("replayed", "this response was used before") from exc


def _assertion(provider, response) -> Assertion:
    from saml2.saml import NAMEID_FORMAT_TRANSIENT

    attributes: dict[str, list[str]] = {}
    for statement in response.assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = [(v.text or "").strip() for v in attribute.attribute_value or [] if (v.text or "").strip()]
            for key in {attribute.name, attribute.friendly_name} - {None, ""}:
                attributes.setdefault(key, []).extend(values)
    name_id = response.name_id
    name_id_value = (name_id.text or "").strip() if name_id is not None else ""
    name_id_format = getattr(name_id, "format", None)
    config = provider.config or {}
    subject = name_id_value
    if config.get("subject_attribute"):
        values = attributes.get(config["subject_attribute"]) or []
        subject = values[0] if values else ""
        if not subject:
            raise SamlRefused("invalid", f"the assertion has no {config['subject_attribute']} attribute")
    elif name_id_format == NAMEID_FORMAT_TRANSIENT:
        raise SamlRefused("invalid", "a transient NameID is not a stable identifier: set subject_attribute")
    if not subject:
        raise SamlRefused("invalid", "the assertion names no subject")
    session_index = None
    if response.assertion.authn_statement:
        session_index = response.assertion.authn_statement[0].session_index
    return Assertion(
        subject=subject,
        name_id=name_id_value,
        name_id_format=name_id_format,
        issuer=response.issuer(),
        attributes=attributes,
        session_index=session_index,
        in_response_to=response.in_response_to,
    )
