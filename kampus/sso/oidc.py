"""OpenID Connect, the relying party's side, with Authlib: discovery, the authorisation request
(state, nonce, PKCE S256), the code exchange (``client_secret_basic`` or ``private_key_jwt``) and
the ID token's checks (signature by the issuer's keys, ``iss``, ``aud``, ``exp``, ``iat``, ``nonce``,
``azp``, ``at_hash``).

No Flask here: the caller keeps the pending request (:class:`Pending`) in the
session and hands it back on the callback; :func:`complete` raises :class:`OidcRefused` with a
reason code the view turns into a page.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, cast

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization
from joserfc.jws import JWSRegistry

DISCOVERY_TTL_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 10
PENDING_LIFETIME_SECONDS = 600  # a sign-in not finished in ten minutes starts again
CLOCK_LEEWAY_SECONDS = 60
DEFAULT_SCOPES = "openid email profile"

_discovery: dict[str, tuple[float, dict]] = {}
_jwks: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


class OidcRefused(Exception):
    """A callback refused; ``reason`` is one of ``expired``, ``replayed``, ``denied``, ``invalid``,
    ``unavailable``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class Pending:
    """What the callback needs to check the answer: kept server-side of the redirect (in the session)."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    next_url: str | None
    created: float

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Pending:
        # a missing field becomes None, as the session kept it; complete() checks what it needs
        values: dict[str, Any] = {key: data.get(key) for key in cls.__dataclass_fields__}
        return cls(**values)


def _jwk_set(url: str, *, force: bool = False) -> KeySetSerialization:
    """The issuer's published keys. The jwks_uri document is a JWK Set (RFC 7517 section 5); joserfc
    checks each key as it imports them."""
    return cast("KeySetSerialization", _cached_json(_jwks, url, force=force))


def _cached_json(cache: dict, url: str, *, force: bool = False) -> dict:
    now = time.monotonic()
    with _lock:
        hit = cache.get(url)
        if hit and not force and now - hit[0] < DISCOVERY_TTL_SECONDS:
            return hit[1]
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise OidcRefused("unavailable", f"{url}: {error}") from error
    with _lock:
        cache[url] = (now, data)
    return data


def discover(issuer: str, *, force: bool = False) -> dict:
    """The issuer's ``/.well-known/openid-configuration`` (cached five minutes); its ``issuer``
    must be the one configured (OpenID Connect Discovery §4.3)."""
    issuer = (issuer or "").rstrip("/")
    metadata = _cached_json(_discovery, issuer + "/.well-known/openid-configuration", force=force)
    if str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise OidcRefused("unavailable", f"discovery names issuer {metadata.get('issuer')!r}, expected {issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not metadata.get(key):
            raise OidcRefused("unavailable", f"discovery lacks {key}")
    return metadata


def forget_cached_metadata() -> None:
    with _lock:
        _discovery.clear()
        _jwks.clear()


def _session(config: dict, redirect_uri: str | None, metadata: dict | None = None) -> OAuth2Session:
    method = config.get("auth_method") or "client_secret_basic"
    secret = config.get("private_key") if method == "private_key_jwt" else config.get("client_secret")
    session = OAuth2Session(
        client_id=config.get("client_id"),
        client_secret=secret,
        token_endpoint_auth_method=method,
        scope=config.get("scopes") or DEFAULT_SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    if method == "private_key_jwt":
        session.register_client_auth_method(PrivateKeyJWT((metadata or {}).get("token_endpoint")))
    return session


def begin(
    provider_slug: str, config: dict, redirect_uri: str, next_url: str | None, *, login_hint: str | None = None
) -> tuple[str, Pending]:
    """The authorisation URL to send the browser to (with ``login_hint`` when the address is
    known), and the pending request to keep."""
    metadata = discover(config.get("issuer", ""))
    pending = Pending(
        provider=provider_slug,
        state=generate_token(32),
        nonce=generate_token(32),
        code_verifier=secrets.token_urlsafe(64),
        next_url=next_url,
        created=time.time(),
    )
    session = _session(config, redirect_uri)
    url, _state = session.create_authorization_url(
        metadata["authorization_endpoint"],
        state=pending.state,
        nonce=pending.nonce,
        code_verifier=pending.code_verifier,
        **({"login_hint": login_hint} if login_hint else {}),
    )
    return url, pending


def validate_id_token(id_token: str, *, config: dict, metadata: dict, nonce: str, access_token: str | None = None):
    """The ID token's claims once its signature (the issuer's published keys), issuer, audience
    (this client), expiry, issue time and nonce are right; OidcRefused("invalid") otherwise."""
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in algorithms if alg != "none"]
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        try:
            token = jwt.decode(id_token, KeySet.import_key_set(_jwk_set(metadata["jwks_uri"])), registry=registry)
        except JoseError:  # keys may have rotated: fetch them once more
            token = jwt.decode(
                id_token,
                KeySet.import_key_set(_jwk_set(metadata["jwks_uri"], force=True)),
                registry=registry,
            )
        params = {"nonce": nonce, "client_id": config.get("client_id")}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": config.get("client_id")},
                "exp": {"essential": True},
                "nonce": {"essential": True},
            },
            params,
        )
        claims.validate(now=int(time.time()), leeway=CLOCK_LEEWAY_SECONDS)
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise OidcRefused("invalid", f"id_token: {type(error).__name__} {error}") from error
    return dict(claims)


def complete(config: dict, pending: Pending | None, args: dict, redirect_uri: str) -> dict:
    """The ID token's claims (and the userinfo's, when the token has no e-mail) for a callback.

    ``pending`` is the request this browser started for the callback's ``state`` (None when
    there is none: used already, or never started here).
    """
    if args.get("error"):
        raise OidcRefused("denied", str(args.get("error"))[:100])
    if pending is None:
        raise OidcRefused("replayed", "no pending request for this state")
    if time.time() - float(pending.created or 0) > PENDING_LIFETIME_SECONDS:
        raise OidcRefused("expired", "the sign-in took too long")
    if not args.get("code") or not secrets.compare_digest(str(args.get("state", "")), pending.state):
        raise OidcRefused("invalid", "no code or a different state")
    metadata = discover(config.get("issuer", ""))
    if "iss" in args and str(args["iss"]).rstrip("/") != metadata["issuer"].rstrip("/"):  # RFC 9207 mix-up defence
        raise OidcRefused("invalid", "iss parameter names another issuer")
    session = _session(config, redirect_uri, metadata)
    try:
        token = session.fetch_token(
            metadata["token_endpoint"],
            grant_type="authorization_code",
            code=args["code"],
            code_verifier=pending.code_verifier,
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise OidcRefused("unavailable", f"token endpoint: {error}") from error
    except Exception as error:  # Authlib's OAuthError: the IdP refused the code (used, expired, wrong verifier)
        raise OidcRefused("replayed" if "invalid_grant" in str(error) else "invalid", str(error)[:200]) from error
    if not token.get("id_token"):
        raise OidcRefused("invalid", "no id_token in the token response")
    claims = validate_id_token(
        token["id_token"], config=config, metadata=metadata, nonce=pending.nonce, access_token=token.get("access_token")
    )
    if "email" not in claims and metadata.get("userinfo_endpoint"):
        try:
            response = session.get(metadata["userinfo_endpoint"], timeout=HTTP_TIMEOUT_SECONDS)
            response.raise_for_status()
            info = response.json()
        except (requests.RequestException, ValueError) as error:
            raise OidcRefused("unavailable", f"userinfo: {error}") from error
        if info.get("sub") == claims.get("sub"):
            claims = {**info, **claims}
    return claims
