"""Token pages: personal tokens on ``/account/tokens``, organisation tokens on
``/org/tokens`` (managers). A new token's secret is shown once, in the answer
to the form that made it, and never again (only its hash is kept).

Registering this blueprint also binds the REST API (:func:`kampus.api.spec.init_api`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kampus.api import services
from kampus.api.forms import RevokeForm, TokenForm
from kampus.auth.access import require_login, require_manager
from kampus.auth.forms import show_domain_error
from kampus.confirm import back_to_confirm_page, confirm_page, confirmed
from kampus.errors import DomainError
from kampus.extensions import db

bp = Blueprint("api_tokens", __name__)


@bp.record_once
def _bind_api(state) -> None:
    from kampus.api.spec import init_api

    init_api(state.app)


def _base_url() -> str:
    return current_app.config.get("KAMPUS_BASE_URL", "").rstrip("/")


def _page(template: str, form: TokenForm, tokens, new=None, **context):
    response = render_template(
        template, form=form, tokens=tokens, new=new, revoke_form=RevokeForm(), base_url=_base_url(), **context
    )
    if new is not None:
        # The secret is on this page only: keep it out of every cache and the back button's copy.
        return response, 201, {"Cache-Control": "no-store"}
    return response


@bp.route("/account/tokens", methods=["GET", "POST"])
def personal():
    user = require_login()
    form = TokenForm()
    new = None
    if form.validate_on_submit():
        try:
            new = services.create_token(name=form.name.data, scope=form.scope.data, user=user, created_by=user)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    return _page("api/personal.html", form, services.personal_tokens(user), new, user=user)


@bp.route("/account/tokens/<id:token_id>/revoke", methods=["GET", "POST"])
def revoke_personal(token_id: int):
    user = require_login()
    token = services.get_personal_token(user, token_id)
    if request.method == "GET":
        return _confirm_revoke(token, url_for("api_tokens.personal"))
    if not confirmed():
        return back_to_confirm_page()
    if RevokeForm().validate_on_submit():
        services.revoke_token(token)
        db.session.commit()
        flash(_("The token %(name)s was revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_tokens.personal"))


@bp.route("/org/tokens", methods=["GET", "POST"])
def organisation():
    organisation = require_manager()
    user = require_login()
    form = TokenForm()
    new = None
    if form.validate_on_submit():
        try:
            new = services.create_token(
                name=form.name.data, scope=form.scope.data, organisation=organisation, created_by=user
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    return _page(
        "api/organisation.html", form, services.organisation_tokens(organisation), new, organisation=organisation
    )


@bp.route("/org/tokens/<id:token_id>/revoke", methods=["GET", "POST"])
def revoke_organisation(token_id: int):
    organisation = require_manager()
    token = services.get_organisation_token(organisation, token_id)
    if request.method == "GET":
        return _confirm_revoke(token, url_for("api_tokens.organisation"))
    if not confirmed():
        return back_to_confirm_page()
    if RevokeForm().validate_on_submit():
        services.revoke_token(token)
        db.session.commit()
        flash(_("The token %(name)s was revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_tokens.organisation"))


def _confirm_revoke(token, cancel_url: str) -> str:
    return confirm_page(
        title=_("Revoke the token %(name)s?", name=token.name),
        question=_("Every system that uses the token %(name)s stops getting answers at once.", name=token.name),
        details=[_("A revoked token cannot be restored: make a new one if it is needed again.")],
        button=_("Revoke"),
        cancel_url=cancel_url,
    )
