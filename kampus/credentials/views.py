"""Credential pages: the issuer's DID document and status lists, achievements and their
badge images, the learner's "My credentials", the public verification page and the
JSON download, revocation, and the badge switches (administrators; managers for their
organisation's own path templates)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import select

from kampus.auth.access import require_login
from kampus.catalogue.models import Module
from kampus.confirm import back_to_confirm_page, confirm_page, confirmed
from kampus.credentials import services
from kampus.credentials.models import Credential
from kampus.errors import DomainError, NotFound
from kampus.extensions import db

bp = Blueprint("credentials", __name__)

JSON_LD = "application/ld+json"


def _json(document: dict, *, mimetype: str = "application/json", download: str | None = None) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers and wallets read these from anywhere
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


# --- machine-readable: the issuer, status lists, achievements ----------------------------


@bp.get("/.well-known/did.json")
def did_json():
    return _json(services.did_document(), mimetype="application/did+json")


@bp.get("/credentials/status/<id:number>")
def status_list(number: int):
    if number < 1 or number not in (services.status_list_numbers() or [1]):
        raise NotFound(f"no status list {number}")
    response = _json(services.status_list_credential(number))
    response.headers["Cache-Control"] = "no-cache"
    return response


def _lang() -> str:
    lang = request.args.get("lang", "fi")
    return lang if lang in services.LANGS else "fi"


def _module_or_404(slug: str) -> Module:
    module = db.session.scalar(select(Module).where(Module.slug == slug, Module.status == "published"))
    if module is None:
        raise NotFound(f"no module {slug}")
    return module


def _template_or_404(template_id: int):
    from kampus.assignments.models import PathTemplate

    template = db.session.get(PathTemplate, template_id)
    if template is None:
        raise NotFound(f"no path template {template_id}")
    return template


@bp.get("/achievements/module/<slug>")
def module_achievement(slug: str):
    document = {
        "@context": [services.signing.VC_V2, services.signing.OB_V3],
        **services.module_achievement(_module_or_404(slug), _lang()),
    }
    return _json(document)


@bp.get("/achievements/path/<id:template_id>")
def path_achievement(template_id: int):
    document = {
        "@context": [services.signing.VC_V2, services.signing.OB_V3],
        **services.template_achievement(_template_or_404(template_id), _lang()),
    }
    return _json(document)


def _badge_svg(title: str, kind_label: str) -> Response:
    words, lines, line = title.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > 18 and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    lines = lines[:4]
    start = 118 - 9 * (len(lines) - 1)
    texts = "".join(
        f'<text x="120" y="{start + 19 * i}" text-anchor="middle" font-size="16" font-weight="bold" '
        f'fill="#0b3d5c">{escape(text)}</text>'
        for i, text in enumerate(lines)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        '<circle cx="120" cy="120" r="112" fill="#e6f1f7" stroke="#0b3d5c" stroke-width="8"/>'
        '<circle cx="120" cy="120" r="96" fill="none" stroke="#2a7ab0" stroke-width="2"/>'
        f'<text x="120" y="62" text-anchor="middle" font-size="13" fill="#0b3d5c">{escape(kind_label)}</text>'
        f"{texts}"
        '<text x="120" y="196" text-anchor="middle" font-size="13" fill="#0b3d5c">Kampus</text></svg>'
    )
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/achievements/module/<slug>/badge.svg")
def module_badge(slug: str):
    module = _module_or_404(slug)
    return _badge_svg(services._text(module.title, _lang()), module.level)


@bp.get("/achievements/path/<id:template_id>/badge.svg")
def path_badge(template_id: int):
    template = _template_or_404(template_id)
    return _badge_svg(services._text(template.title, _lang()), _("Path"))


# --- people: the learner, the public, revokers ---------------------------------------------


@bp.get("/me/credentials")
def mine():
    user = require_login()
    rows = services.credentials_of(user.id)
    return render_template("credentials/mine.html", credentials=rows)


@bp.post("/me/credentials/<credential_uuid>/privacy")
def privacy(credential_uuid: str):
    user = require_login()
    row = services.get_credential(credential_uuid)
    if row.user_id != user.id:
        raise NotFound("not yours")
    services.set_private(user, row, request.form.get("private") == "1")
    db.session.commit()
    flash(
        _("Only you can see this credential now.")
        if row.private
        else _("Anyone with the link can verify this credential now."),
        "success",
    )
    return redirect(url_for("credentials.mine"))


def _visible_or_404(credential_uuid: str) -> Credential:
    row = services.get_credential(credential_uuid)
    if not services.visible_to(row, current_user):
        raise NotFound("private credential")
    return row


@bp.get("/credentials/<credential_uuid>.json")
def download(credential_uuid: str):
    row = _visible_or_404(credential_uuid)
    return _json(row.document, download=f"kampus-credential-{row.uuid}.json")


@bp.get("/credentials/<credential_uuid>")
def show(credential_uuid: str):
    row = _visible_or_404(credential_uuid)
    verdict = services.verify_document(row.document)
    return render_template(
        "credentials/show.html",
        credential=row,
        document=row.document,
        verdict=verdict,
        can_revoke=services.can_revoke(current_user, row),
        owner=current_user.is_authenticated and current_user.id == row.user_id,
        pretty=json.dumps(row.document, ensure_ascii=False, indent=2),
    )


@bp.route("/credentials/<credential_uuid>/revoke", methods=["GET", "POST"])
def revoke(credential_uuid: str):
    actor = require_login()
    row = services.get_credential(credential_uuid)
    if not services.can_revoke(actor, row):
        abort(403)
    if request.method == "GET":
        return confirm_page(
            title=_("Revoke this credential?"),
            question=_(
                "The credential of %(name)s will show as revoked to anyone who checks it.", name=row.user.display_name
            ),
            details=[_("A revoked credential cannot be restored.")],
            reason_label=_("Reason for revoking"),
            button=_("Revoke the credential"),
            cancel_url=url_for("credentials.show", credential_uuid=row.uuid),
        )
    if not confirmed():
        return back_to_confirm_page()
    try:
        services.revoke(actor, row, request.form.get("reason", ""))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("credentials.revoke", credential_uuid=row.uuid)), 303
    db.session.commit()
    flash(_("The credential was revoked."), "success")
    return redirect(url_for("credentials.show", credential_uuid=row.uuid))


# --- badge switches ---------------------------------------------------------------------


@bp.route("/admin/credentials", methods=["GET", "POST"])
def badges():
    from kampus.assignments.models import PathTemplate

    user = require_login()
    if not (user.is_admin or (user.is_manager and user.organisation_id)):
        abort(403)
    modules = (
        db.session.scalars(select(Module).where(Module.status == "published").order_by(Module.slug)).all()
        if user.is_admin
        else []
    )
    templates_query = select(PathTemplate).order_by(PathTemplate.id)
    if not user.is_admin:
        templates_query = templates_query.where(PathTemplate.organisation_id == user.organisation_id)
    templates = db.session.scalars(templates_query).all()
    if request.method == "POST":
        on = set(request.form.getlist("on"))
        for module in modules:
            services.set_badge(enabled=f"m{module.id}" in on, module=module)
        for template in templates:
            services.set_badge(enabled=f"t{template.id}" in on, template=template)
        db.session.commit()
        flash(_("Badge settings saved."), "success")
        return redirect(url_for("credentials.badges"))
    module_ids, template_ids = services.enabled_ids()
    return render_template(
        "credentials/badges.html",
        modules=modules,
        templates=templates,
        module_ids=module_ids,
        template_ids=template_ids,
    )
