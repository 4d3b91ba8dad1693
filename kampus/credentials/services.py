"""Open Badges 3.0 credentials: achievements, issuing, status lists, revocation, verification.

A module becoming completed or recognised calls :func:`on_module_satisfied`
(from :func:`kampus.progress.services._finish`, in the same transaction): when
the module (or a path template it completes) gives a badge, a
``credential.issue`` outbox message is added, keyed by learner × achievement,
and delivered after the commit by :func:`deliver_issue` (in-process without a
broker, by a Celery worker with one). Issuing is idempotent: one credential per
learner × achievement.

Credentials are ``OpenBadgeCredential``s (VC data model 2.0 + OB 3.0.3 contexts)
issued by the network's ``did:web`` (from ``KAMPUS_BASE_URL``) and signed with an
``eddsa-rdfc-2022`` Data Integrity proof (:mod:`kampus.credentials.signing`).
Each has a ``BitstringStatusListEntry``; the status list credential (a 16 KB
bitstring, gzip + base64url multibase) is signed whenever it is served.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import secrets
import uuid as uuid_module
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from kampus.catalogue.models import Module
from kampus.credentials import signing
from kampus.credentials.models import BadgeSetting, Credential
from kampus.db import utcnow
from kampus.errors import DomainError, NotAllowed, NotFound
from kampus.extensions import db
from kampus.jobs import outbox

STATUS_LIST_BITS = 131072  # 16 KB: the minimum the Bitstring Status List spec allows
ISSUE_KIND = "credential.issue"
DIGCOMPEDU_URL = "https://joint-research-centre.ec.europa.eu/digcompedu_en"
LANGS = ("fi", "sv", "en")


# --- configuration -----------------------------------------------------------


def base_url() -> str:
    return current_app.config["KAMPUS_BASE_URL"].rstrip("/")


def issuer_did() -> str:
    return signing.did_web(base_url())


def key_directory():
    return signing.key_dir(current_app.config | {"INSTANCE_PATH": current_app.instance_path})


def did_document() -> dict:
    return signing.did_document(issuer_did(), signing.load_keys(key_directory()))


def _text(value: dict | str | None, lang: str = "fi") -> str:
    if not isinstance(value, dict):
        return value or ""
    return value.get(lang) or value.get("fi") or next((v for v in value.values() if v), "")


# --- badge settings ------------------------------------------------------------


def _setting(*, module_id: int | None = None, template_id: int | None = None) -> BadgeSetting | None:
    column = BadgeSetting.module_id if module_id is not None else BadgeSetting.template_id
    return db.session.scalar(
        select(BadgeSetting).where(column == (module_id if module_id is not None else template_id))
    )


def badge_enabled(*, module_id: int | None = None, template_id: int | None = None) -> bool:
    row = _setting(module_id=module_id, template_id=template_id)
    return bool(row and row.badge_enabled)


def enabled_ids() -> tuple[set[int], set[int]]:
    """(module ids, template ids) whose badge is on."""
    rows = db.session.execute(
        select(BadgeSetting.module_id, BadgeSetting.template_id).where(BadgeSetting.badge_enabled.is_(True))
    ).all()
    return {m for m, _t in rows if m is not None}, {t for _m, t in rows if t is not None}


def set_badge(*, enabled: bool, module: Module | None = None, template=None) -> BadgeSetting:
    """Switch the badge of one module or one path template on or off (add + flush)."""
    if (module is None) == (template is None):
        raise ValueError("name a module or a template")
    if module is not None and enabled and module.status != "published":
        raise DomainError(_("Only a published module can give a badge."))
    row = _setting(module_id=module.id if module else None, template_id=template.id if template else None)
    if row is None:
        row = BadgeSetting(module_id=module.id if module else None, template_id=template.id if template else None)
        db.session.add(row)
    row.badge_enabled = enabled
    db.session.flush()
    return row


def enable_all_published() -> int:
    """Switch badges on for every published module and every path template; returns how many were switched on."""
    from kampus.assignments.models import PathTemplate

    switched = 0
    for module in db.session.scalars(select(Module).where(Module.status == "published")):
        if not badge_enabled(module_id=module.id):
            set_badge(enabled=True, module=module)
            switched += 1
    for template in db.session.scalars(select(PathTemplate)):
        if not badge_enabled(template_id=template.id):
            set_badge(enabled=True, template=template)
            switched += 1
    return switched


def template_module_ids(template) -> set[int]:
    """The published modules a path template asks for (named modules and every module of named themes)."""
    ids: set[int] = set()
    theme_ids = set()
    for goal in template.goals:
        if goal.module_id is not None:
            ids.add(goal.module_id)
        else:
            theme_ids.add(goal.theme_id)
    if theme_ids:
        ids |= set(
            db.session.scalars(select(Module.id).where(Module.theme_id.in_(theme_ids), Module.status == "published"))
        )
    return ids


# --- the hook: a module became completed or recognised --------------------------


def on_module_satisfied(user_id: int, module_id: int, provenance: str) -> None:
    """Queue the credentials this completion earns (same transaction; issued after the commit).

    ``provenance``: ``completed`` (studied and passed the self-check, or finished a
    module without one), ``self_check`` (tested out), ``self_assessment`` or ``manager``.
    """
    from kampus.assignments.models import PathTemplate
    from kampus.auth.models import User
    from kampus.progress.models import SATISFIED, Progress

    module_ids, template_ids = enabled_ids()
    if module_id in module_ids:
        outbox.enqueue(
            ISSUE_KIND,
            {"user_id": user_id, "kind": "module", "module_id": module_id, "provenance": provenance},
            key=f"credential:{user_id}:module:{module_id}",
        )
    if not template_ids:
        return
    user = db.session.get(User, user_id)
    satisfied = set(
        db.session.scalars(
            select(Progress.module_id).where(Progress.user_id == user_id, Progress.status.in_(SATISFIED))
        )
    )
    for template in db.session.scalars(select(PathTemplate).where(PathTemplate.id.in_(template_ids))):
        if template.organisation_id is not None and template.organisation_id != (user and user.organisation_id):
            continue
        wanted = template_module_ids(template)
        if wanted and module_id in wanted and wanted <= satisfied:
            outbox.enqueue(
                ISSUE_KIND,
                {"user_id": user_id, "kind": "path", "template_id": template.id, "provenance": "path"},
                key=f"credential:{user_id}:path:{template.id}",
            )


@outbox.handler(ISSUE_KIND)
def deliver_issue(payload: dict) -> None:
    """The outbox handler: issue (idempotently) and commit; raises so the outbox retries."""
    try:
        issue(payload)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# --- achievements ----------------------------------------------------------------


def achievement_url(kind: str, ref: str | int) -> str:
    return f"{base_url()}/achievements/{kind}/{ref}"


def _criteria_module(module: Module) -> str:
    pass_mark = module.pass_mark or 70
    if module.questions:
        return _(
            "Earned by studying the module %(title)s and passing its self-check at %(mark)d %% or more; "
            "by passing the self-check without studying (testing out); or by having prior learning "
            "recognised by the learner's manager or through a self-assessment.",
            title=_text(module.title),
            mark=pass_mark,
        )
    return _(
        "Earned by studying the module %(title)s to the end; or by having prior learning recognised "
        "by the learner's manager or through a self-assessment.",
        title=_text(module.title),
    )


def module_achievement(module: Module, lang: str = "fi") -> dict:
    """The OB 3.0 Achievement of a module, in ``lang`` (other languages as ``related``)."""
    url = achievement_url("module", module.slug)
    with force_locale(lang):
        achievement: dict[str, Any] = {
            "id": url if lang == "fi" else f"{url}?lang={lang}",
            "type": ["Achievement"],
            "achievementType": "Competency",
            "name": _text(module.title, lang),
            "description": _text(module.summary, lang) or _text(module.title, lang),
            "criteria": {"narrative": _criteria_module(module)},
            "image": {"id": f"{url}/badge.svg", "type": "Image", "caption": _text(module.title, lang)},
            "inLanguage": lang,
            "tag": [module.level] + [f"DigCompEdu {c}" for c in module.competences or []],
        }
    alignment = [
        {
            "type": ["Alignment"],
            "targetName": f"DigCompEdu {code}",
            "targetCode": str(code),
            "targetFramework": "DigCompEdu",
            "targetType": "ceasn:Competency",
            "targetUrl": DIGCOMPEDU_URL,
        }
        for code in module.competences or []
    ]
    if module.case_uuid:  # the module's item in the catalogue's CASE framework (kampus.case)
        alignment.append(
            {
                "type": ["Alignment"],
                "targetName": _text(module.title, "fi"),
                "targetCode": module.case_uuid,
                "targetFramework": "Kampus CASE",
                "targetType": "CFItem",
                "targetUrl": f"{base_url()}/ims/case/v1p0/CFItems/{module.case_uuid}",
            }
        )
    if alignment:
        achievement["alignment"] = alignment
    achievement["related"] = [
        {"id": url if other == "fi" else f"{url}?lang={other}", "type": ["Related"], "inLanguage": other}
        for other in LANGS
        if other != lang and isinstance(module.title, dict) and module.title.get(other)
    ] or None
    if achievement["related"] is None:
        del achievement["related"]
    return achievement


def template_achievement(template, lang: str = "fi") -> dict:
    url = achievement_url("path", template.id)
    modules = db.session.scalars(select(Module).where(Module.id.in_(template_module_ids(template)))).all()
    names = ", ".join(sorted(_text(m.title, lang) for m in modules))
    with force_locale(lang):
        narrative = _(
            "Earned by completing, or having recognised, every module of the path: %(modules)s.", modules=names
        )
    achievement: dict[str, Any] = {
        "id": url if lang == "fi" else f"{url}?lang={lang}",
        "type": ["Achievement"],
        "achievementType": "Achievement",
        "name": _text(template.title, lang),
        "description": _text(template.description, lang) or _text(template.title, lang),
        "criteria": {"narrative": narrative},
        "image": {"id": f"{url}/badge.svg", "type": "Image", "caption": _text(template.title, lang)},
        "inLanguage": lang,
    }
    competences = sorted({str(c) for m in modules for c in (m.competences or [])})
    if competences:
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": f"DigCompEdu {c}",
                "targetCode": c,
                "targetFramework": "DigCompEdu",
                "targetType": "ceasn:Competency",
                "targetUrl": DIGCOMPEDU_URL,
            }
            for c in competences
        ]
    return achievement


# --- issuing ---------------------------------------------------------------------


def identity_object(email: str, salt: str | None = None) -> dict:
    """OB 3.0 IdentityObject: ``sha256$`` + hex SHA-256 of the e-mail address followed by the salt."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def _evidence_narrative(kind: str, provenance: str, score: int | None, pass_mark: int | None) -> str:
    with force_locale("fi"):
        if kind == "path":
            return _("Completed or had recognised every module of the path.")
        if provenance == "completed" and score is not None:
            return _(
                "Studied the module and passed the self-check at %(score)d %% (pass mark %(mark)d %%).",
                score=score,
                mark=pass_mark or 70,
            )
        if provenance == "completed":
            return _("Studied the module to the end.")
        if provenance == "self_check":
            return _(
                "Tested out: passed the self-check at %(score)d %% (pass mark %(mark)d %%) without studying.",
                score=score or 0,
                mark=pass_mark or 70,
            )
        if provenance == "manager":
            return _("Prior learning recognised by the learner's manager.")
        return _("Prior learning recognised through a self-assessment.")


def _allocate_status_index() -> tuple[int, int]:
    """The next free (list number, index): positions are handed out in order, never reused."""
    highest = db.session.scalar(
        select(func.max((Credential.status_list - 1) * STATUS_LIST_BITS + Credential.status_index))
    )
    position = 0 if highest is None else highest + 1
    return position // STATUS_LIST_BITS + 1, position % STATUS_LIST_BITS


def status_list_url(number: int) -> str:
    return f"{base_url()}/credentials/status/{number}"


def issue(payload: dict, *, now: dt.datetime | None = None) -> Credential:
    """Issue the credential a ``credential.issue`` message asks for, or return the one already issued."""
    from kampus.assignments.models import PathTemplate
    from kampus.auth.models import User
    from kampus.progress.models import Progress

    user = db.session.get(User, payload["user_id"])
    if user is None:
        raise NotFound("no such learner")
    kind = payload["kind"]
    module = template = None
    if kind == "module":
        module = db.session.get(Module, payload["module_id"])
        if module is None:
            raise NotFound("no such module")
        key = f"module:{module.slug}"
    else:
        template = db.session.get(PathTemplate, payload["template_id"])
        if template is None:
            raise NotFound("no such path template")
        key = f"path:{template.id}"
    existing = db.session.scalar(
        select(Credential).where(Credential.user_id == user.id, Credential.achievement_key == key)
    )
    if existing is not None:
        return existing
    signing_key = signing.current_key(key_directory())
    provenance = payload.get("provenance", "completed")
    score = None
    if module is not None:
        score = db.session.scalar(
            select(Progress.best_score).where(Progress.user_id == user.id, Progress.module_id == module.id)
        )
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    credential_uuid = str(uuid_module.uuid4())
    list_number, index = _allocate_status_index()
    achievement = module_achievement(module) if module is not None else template_achievement(template)
    narrative = _evidence_narrative(kind, provenance, score, module.pass_mark if module else None)
    did = issuer_did()
    document = {
        "@context": [signing.VC_V2, signing.OB_V3],
        "id": f"urn:uuid:{credential_uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": {
            "id": did,
            "type": ["Profile"],
            "name": current_app.config.get("KAMPUS_ISSUER_NAME", "Kampus"),
            "url": base_url(),
        },
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [identity_object(user.email)],
            "achievement": achievement,
        },
        "evidence": [{"type": ["Evidence"], "name": achievement["name"], "narrative": narrative}],
        "credentialStatus": {
            "id": f"{status_list_url(list_number)}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": status_list_url(list_number),
        },
    }
    signed = signing.sign(document, signing_key, did, created=now)
    row = Credential(
        uuid=credential_uuid,
        user_id=user.id,
        organisation_id=user.organisation_id,
        kind=kind,
        module_id=module.id if module else None,
        template_id=template.id if template else None,
        achievement_key=key,
        provenance=provenance,
        status_list=list_number,
        status_index=index,
        document=signed,
        issued_at=now.replace(tzinfo=None),
    )
    db.session.add(row)
    db.session.flush()
    return row


# --- status lists ------------------------------------------------------------------


def encode_bitstring(revoked_indexes, bits: int = STATUS_LIST_BITS) -> str:
    """gzip + base64url (no padding) with the multibase prefix ``u``; index 0 is the first byte's high bit."""
    data = bytearray(bits // 8)
    for index in revoked_indexes:
        data[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(data), mtime=0)).decode().rstrip("=")


def decode_bitstring(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u…')")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_is_set(data: bytes, index: int) -> bool:
    return bool(data[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(number: int, *, now: dt.datetime | None = None) -> dict:
    """The signed BitstringStatusListCredential of list ``number`` (revoked credentials' bits set)."""
    revoked = db.session.scalars(
        select(Credential.status_index).where(Credential.status_list == number, Credential.revoked_at.is_not(None))
    ).all()
    url = status_list_url(number)
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    document = {
        "@context": [signing.VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(revoked),
        },
    }
    return signing.sign(document, signing.current_key(key_directory()), issuer_did(), created=now)


def status_list_numbers() -> list[int]:
    return list(db.session.scalars(select(Credential.status_list).distinct().order_by(Credential.status_list)))


# --- the learner's and the revoker's actions ------------------------------------------


def get_credential(credential_uuid: str) -> Credential:
    row = db.session.scalar(select(Credential).where(Credential.uuid == credential_uuid))
    if row is None:
        raise NotFound(f"no credential {credential_uuid}")
    return row


def credentials_of(user_id: int) -> list[Credential]:
    return list(
        db.session.scalars(
            select(Credential).where(Credential.user_id == user_id).order_by(Credential.issued_at.desc())
        )
    )


def visible_to(credential: Credential, viewer) -> bool:
    """A private credential is seen only by its owner and administrators."""
    if not credential.private:
        return True
    return bool(viewer and viewer.is_authenticated and (viewer.id == credential.user_id or viewer.is_admin))


def set_private(user, credential: Credential, private: bool) -> Credential:
    if credential.user_id != user.id:
        raise NotAllowed(_("Only the credential's owner can change who sees it."))
    credential.private = private
    db.session.flush()
    return credential


def can_revoke(actor, credential: Credential) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    if actor.is_admin:
        return True
    return bool(
        actor.is_manager and actor.organisation_id is not None and actor.organisation_id == credential.organisation_id
    )


def revoke(actor, credential: Credential, reason: str) -> Credential:
    """Revoke with a reason (an administrator, or a manager of the issuing organisation)."""
    if not can_revoke(actor, credential):
        raise NotAllowed(
            _("Only an administrator or a manager of the issuing organisation can revoke this credential.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for revoking."), field="reason")
    if len(reason) > 1000:
        raise DomainError(_("Keep the reason under 1000 characters."), field="reason")
    if credential.revoked:
        raise DomainError(_("This credential is already revoked."))
    credential.revoked_at = utcnow()
    credential.revoked_by_id = actor.id
    credential.revoked_reason = reason
    db.session.flush()
    return credential


# --- verification (server side and the CLI) --------------------------------------------


@dataclass
class Verdict:
    verified: bool
    signature: bool
    revoked: bool | None  # None: not checked
    checks: list[tuple[str, bool | None, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "verified": self.verified,
            "signature": self.signature,
            "revoked": self.revoked,
            "checks": [{"check": name, "ok": ok, "detail": detail} for name, ok, detail in self.checks],
        }


def _resolver(extra_did_documents: list[dict] | None = None):
    documents: dict[str, Any] = {issuer_did(): did_document()}
    for document in extra_did_documents or []:
        documents[str(document.get("id"))] = document

    def resolve(verification_method: str):
        did = verification_method.split("#")[0]
        if did.startswith("did:key:"):
            multibase = did[len("did:key:") :]
            try:
                return signing.public_key_from_multibase(multibase)
            except ValueError:
                return None
        document = documents.get(did)
        if not document:
            return None
        for method in document.get("verificationMethod", []):
            if method.get("id") == verification_method and method.get("publicKeyMultibase"):
                assertion = document.get("assertionMethod", [])
                if verification_method not in [a if isinstance(a, str) else a.get("id") for a in assertion]:
                    return None
                try:
                    return signing.public_key_from_multibase(method["publicKeyMultibase"])
                except ValueError:
                    return None
        return None

    return resolve


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def verify_document(
    document: dict, *, did_documents: list[dict] | None = None, now: dt.datetime | None = None
) -> Verdict:
    """Verify a credential: structure, proof (eddsa-rdfc-2022), validity period and, for
    credentials whose status list is ours, revocation."""
    now = now or dt.datetime.now(dt.UTC)
    checks: list[tuple[str, bool | None, str]] = []
    context = document.get("@context") if isinstance(document, dict) else None
    structure_ok = (
        isinstance(context, list)
        and context[:1] == [signing.VC_V2]
        and "VerifiableCredential" in (document.get("type") or [])
    )
    checks.append(("structure", structure_ok, "" if structure_ok else "not a VC 2.0 credential"))
    proof = (
        signing.verify_proof(document, _resolver(did_documents))
        if structure_ok
        else signing.ProofCheck(False, "not checked")
    )
    checks.append(("signature", proof.verified, proof.reason))
    try:
        valid_from, valid_until = _parse_time(document.get("validFrom")), _parse_time(document.get("validUntil"))
        period_ok = (valid_from is None or valid_from <= now) and (valid_until is None or now < valid_until)
        checks.append(("validity period", period_ok, "" if period_ok else "not valid at this time"))
    except (ValueError, AttributeError):
        period_ok = False
        checks.append(("validity period", False, "validFrom/validUntil unreadable"))
    revoked: bool | None = None
    status = document.get("credentialStatus") if isinstance(document, dict) else None
    if isinstance(status, dict) and status.get("type") == "BitstringStatusListEntry":
        list_url = status.get("statusListCredential", "")
        prefix = f"{base_url()}/credentials/status/"
        if list_url.startswith(prefix) and list_url[len(prefix) :].isdigit():
            number, index = int(list_url[len(prefix) :]), int(status.get("statusListIndex", "-1"))
            revoked = db.session.scalar(
                select(Credential.revoked_at.is_not(None)).where(
                    Credential.status_list == number, Credential.status_index == index
                )
            )
            revoked = bool(revoked)
            checks.append(("revocation", not revoked, _("revoked") if revoked else ""))
        else:
            checks.append(("revocation", None, f"status list {list_url} is not ours; not checked offline"))
    verified = structure_ok and proof.verified and period_ok and not revoked
    return Verdict(verified, proof.verified, revoked, checks)
