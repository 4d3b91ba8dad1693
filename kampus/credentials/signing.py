"""Keys, the issuer's ``did:web`` and Data Integrity proofs (``eddsa-rdfc-2022``).

The proof follows the W3C *Data Integrity EdDSA Cryptosuites v1.0*: the
document without its proof and the proof options are each canonicalised with
RDFC-1.0 (URDNA2015, by ``pyld``), hashed with SHA-256, and the two hashes
(options first) are signed with Ed25519 (``cryptography``). ``pyld`` never
reaches the network: :func:`document_loader` serves only the context documents
vendored in ``contexts/`` (each with its source URL in ``contexts/index.json``).

Keys live in files outside the database (``KAMPUS_CREDENTIALS_KEY_DIR``, default
``instance/credential-keys``), one PEM file per key, named by its key id; the
newest signs, every key stays published in ``/.well-known/did.json`` so that
credentials signed before a rotation still verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
CRYPTOSUITE = "eddsa-rdfc-2022"
ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec ed25519-pub


class KeyMissing(RuntimeError):
    """No signing key: ``kampus credentials keygen`` makes one."""


class ContextNotVendored(RuntimeError):
    """A JSON-LD document was asked for that is not vendored (nothing is fetched)."""


# --- vendored contexts --------------------------------------------------------


@cache
def vendored_contexts() -> dict[str, dict]:
    index = json.loads((CONTEXTS_DIR / "index.json").read_text())
    return {url: json.loads((CONTEXTS_DIR / entry["file"]).read_text()) for url, entry in index.items()}


def document_loader(url: str, options: dict | None = None) -> dict:
    """pyld document loader that serves only the vendored contexts."""
    documents = vendored_contexts()
    if url not in documents:
        raise ContextNotVendored(f"JSON-LD document {url} is not vendored in {CONTEXTS_DIR}; nothing is fetched")
    return {"contextUrl": None, "documentUrl": url, "document": documents[url]}


def canonize(document: dict) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document."""
    return jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader}
    )


# --- multibase ---------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc ('z…')")
    raw = b58decode(value[1:])
    if not raw.startswith(ED25519_PUB_PREFIX) or len(raw) != 34:
        raise ValueError("not an Ed25519 multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


# --- the issuer --------------------------------------------------------------


def did_web(base_url: str) -> str:
    """``did:web`` of a base URL: ``http://127.0.0.1:5000`` → ``did:web:127.0.0.1%3A5000``."""
    parts = urlsplit(base_url)
    did = "did:web:" + quote(parts.netloc, safe="")
    for segment in [s for s in parts.path.split("/") if s]:
        did += ":" + quote(segment, safe="")
    return did


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


def key_dir(config) -> Path:
    configured = config.get("KAMPUS_CREDENTIALS_KEY_DIR")
    return Path(configured) if configured else Path(config["INSTANCE_PATH"]) / "credential-keys"


def generate_key(directory: Path, *, now: dt.datetime | None = None) -> SigningKey:
    """Write a new Ed25519 key (PEM, mode 0600) and return it; it signs from now on."""
    now = now or dt.datetime.now(dt.UTC)
    directory.mkdir(parents=True, exist_ok=True)
    kid = "key-" + now.strftime("%Y%m%dT%H%M%S%fZ")
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = directory / f"{kid}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return SigningKey(kid, private_key)


def load_keys(directory: Path) -> list[SigningKey]:
    """Every key in the folder, oldest first (key ids sort by creation time)."""
    if not directory.is_dir():
        return []
    keys = []
    for path in sorted(directory.glob("key-*.pem")):
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(private_key, Ed25519PrivateKey):
            keys.append(SigningKey(path.stem, private_key))
    return keys


def current_key(directory: Path) -> SigningKey:
    keys = load_keys(directory)
    if not keys:
        raise KeyMissing(f"no credential signing key in {directory}: run `kampus credentials keygen`")
    return keys[-1]


def did_document(did: str, keys: list[SigningKey]) -> dict:
    methods = [
        {
            "id": f"{did}#{key.kid}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_key_multibase(key.public_key),
        }
        for key in keys
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


# --- proofs ------------------------------------------------------------------


def _hash_data(unsecured: dict, proof_options: dict) -> bytes:
    options = dict(proof_options)
    options.pop("proofValue", None)
    options["@context"] = unsecured["@context"]
    return hashlib.sha256(canonize(options).encode()).digest() + hashlib.sha256(canonize(unsecured).encode()).digest()


def sign(document: dict, key: SigningKey, did: str, *, created: dt.datetime | None = None) -> dict:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` DataIntegrityProof."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    created = (created or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": f"{did}#{key.kid}",
        "proofPurpose": "assertionMethod",
    }
    signature = key.private_key.sign(_hash_data(unsecured, proof))
    return {**unsecured, "proof": {**proof, "proofValue": "z" + b58encode(signature)}}


@dataclass(frozen=True)
class ProofCheck:
    verified: bool
    reason: str = ""


def verify_proof(document: dict, resolve_key) -> ProofCheck:
    """Check an ``eddsa-rdfc-2022`` proof. ``resolve_key(verification_method)`` returns the
    Ed25519 public key, or None when the method is unknown."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return ProofCheck(False, "no proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(False, f"unsupported proof {proof.get('type')}/{proof.get('cryptosuite')}")
    if proof.get("proofPurpose") != "assertionMethod":
        return ProofCheck(False, "proof purpose is not assertionMethod")
    value = proof.get("proofValue", "")
    if not isinstance(value, str) or not value.startswith("z"):
        return ProofCheck(False, "proofValue is not base58btc")
    public_key = resolve_key(proof.get("verificationMethod", ""))
    if public_key is None:
        return ProofCheck(False, f"unknown verification method {proof.get('verificationMethod')}")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    try:
        data = _hash_data(unsecured, proof)
        public_key.verify(b58decode(value[1:]), data)
    except InvalidSignature:
        return ProofCheck(False, "the signature does not match the document")
    except (ContextNotVendored, jsonld.JsonLdError, ValueError) as error:
        return ProofCheck(False, f"the document cannot be canonicalised: {error}")
    return ProofCheck(True)
