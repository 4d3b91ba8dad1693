"""Administrators configure an organisation's own sign-in (``/admin/organisations/<id>/sso``).

The organisation page lists its sign-in services; this page adds or changes an OpenID
Connect one. Saving checks the issuer's discovery document, so a mistyped issuer is said
beside its field rather than at the first person's sign-in.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kampus.auth.access import require_admin
from kampus.auth.forms import show_domain_error
from kampus.errors import DomainError, NotFound
from kampus.extensions import db
from kampus.links import external_url
from kampus.orgs.services import get_organisation
from kampus.sso import oidc, services
from kampus.sso.forms import OidcProviderForm, RemoveProviderForm

bp = Blueprint("sso_admin", __name__, url_prefix="/admin/organisations")


def manager_values_of(provider) -> str:
    return "\n".join(rule.get("value", "") for rule in provider.role_rules or [] if rule.get("role") == "manager")


def _form_for(provider) -> OidcProviderForm:
    config = provider.config or {}
    claims = config.get("claims") or {}
    return OidcProviderForm(
        formdata=None,
        data={
            "name": provider.name,
            "slug": provider.slug,
            "email_domains": provider.email_domains,
            "issuer": config.get("issuer", ""),
            "client_id": config.get("client_id", ""),
            "auth_method": config.get("auth_method", "client_secret_basic"),
            "scopes": config.get("scopes", oidc.DEFAULT_SCOPES),
            "email_claim": claims.get("email", "email"),
            "name_claim": claims.get("name", "name"),
            "roles_claim": claims.get("roles", ""),
            "manager_values": manager_values_of(provider),
            "trust_email": bool(config.get("trust_email")),
            "require_sso": provider.require_sso,
            "enabled": provider.enabled,
        },
    )


def _page(organisation, form, provider=None):
    callback = external_url("sso.oidc_callback", slug=form.slug.data or "SHORT-NAME")
    return render_template(
        "sso/provider_form.html",
        organisation=organisation,
        form=form,
        provider=provider,
        callback_url=callback,
        remove_form=RemoveProviderForm(formdata=None),
    )


def _save(organisation, form, provider=None):
    """Validate and save the form; the redirect, or None when the form is shown again."""
    previous = provider.config if provider is not None else None
    try:
        config = services.oidc_config(
            issuer=form.issuer.data,
            client_id=form.client_id.data,
            auth_method=form.auth_method.data,
            client_secret=form.client_secret.data,
            private_key=form.private_key.data,
            scopes=form.scopes.data,
            email_claim=form.email_claim.data,
            name_claim=form.name_claim.data,
            roles_claim=form.roles_claim.data,
            trust_email=form.trust_email.data,
            previous=previous,
            allow_http=current_app.debug or current_app.testing,
        )
        values = [line.strip() for line in (form.manager_values.data or "").splitlines() if line.strip()]
        if values and not config["claims"]["roles"]:
            raise DomainError(_("Name the claim that holds the groups or roles."), field="roles_claim")
        rules = [{"claim": config["claims"]["roles"], "value": value, "role": "manager"} for value in values]
        try:
            oidc.discover(config["issuer"], force=True)
        except oidc.OidcRefused:
            raise DomainError(
                _("Kampus could not read the provider's settings from this issuer. Check the address."),
                field="issuer",
            ) from None
        saved = services.save_provider(
            provider,
            organisation=organisation,
            kind="oidc",
            name=form.name.data,
            slug=form.slug.data,
            email_domains=form.email_domains.data,
            config=config,
            role_rules=rules,
            require_sso=form.require_sso.data,
            enabled=form.enabled.data,
        )
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return None
    db.session.commit()
    flash(_("The sign-in service %(name)s was saved.", name=saved.name), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id))


@bp.route("/<id:organisation_id>/sso/new", methods=["GET", "POST"])
def new_oidc_provider(organisation_id: int):
    require_admin()
    organisation = get_organisation(organisation_id)
    form = OidcProviderForm()
    if form.validate_on_submit():
        done = _save(organisation, form)
        if done is not None:
            return done
    return _page(organisation, form)


@bp.route("/<id:organisation_id>/sso/<id:provider_id>", methods=["GET", "POST"])
def edit_oidc_provider(organisation_id: int, provider_id: int):
    require_admin()
    organisation = get_organisation(organisation_id)
    provider = _provider(organisation, provider_id)
    form = OidcProviderForm() if request.method == "POST" else _form_for(provider)
    if form.validate_on_submit():
        done = _save(organisation, form, provider)
        if done is not None:
            return done
    return _page(organisation, form, provider)


@bp.post("/<id:organisation_id>/sso/<id:provider_id>/remove")
def remove_oidc_provider(organisation_id: int, provider_id: int):
    require_admin()
    organisation = get_organisation(organisation_id)
    provider = _provider(organisation, provider_id)
    if RemoveProviderForm().validate_on_submit():
        name = provider.name
        services.remove_provider(provider)
        db.session.commit()
        flash(_("The sign-in service %(name)s was removed.", name=name), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id))


def _provider(organisation, provider_id):
    try:
        provider = services.get_provider_of(organisation, provider_id)
    except NotFound:
        abort(404)
    if provider.kind != "oidc":
        abort(404)
    return provider
