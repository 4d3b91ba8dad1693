"""``kampus sso add-oidc`` and ``kampus sso load FILE``."""

from __future__ import annotations

from kampus.extensions import db
from kampus.sso.models import IdentityProvider
from tests.factories import make_org


def _provider(slug):
    db.session.expire_all()
    return db.session.scalar(db.select(IdentityProvider).where(IdentityProvider.slug == slug))


def test_add_oidc_saves_a_provider_checked_against_the_issuer(app, runner, oidc_idp):
    org = make_org(slug="cli-opisto")
    result = runner.invoke(
        args=["sso", "add-oidc", "cli-id", "--org", "cli-opisto", "--issuer", oidc_idp.issuer, "--client-id",
              oidc_idp.client_id, "--domains", "cli.example", "--roles-claim", "groups", "--manager-value",
              "kampus-managers", "--require-sso", "--allow-http"],
        env={"KAMPUS_SSO_CLIENT_SECRET": oidc_idp.client_secret},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "saved oidc provider cli-id for cli-opisto" in result.output
    provider = _provider("cli-id")
    assert provider.organisation_id == org.id and provider.require_sso
    assert provider.config["client_secret"] == oidc_idp.client_secret
    assert provider.role_rules == [{"claim": "groups", "value": "kampus-managers", "role": "manager"}]


def test_add_oidc_refuses_an_unknown_organisation_or_an_http_issuer(app, runner, oidc_idp):
    make_org(slug="cli-two")
    base = ["sso", "add-oidc", "x-id", "--client-id", "c", "--issuer", oidc_idp.issuer]
    env = {"KAMPUS_SSO_CLIENT_SECRET": "s"}
    result = runner.invoke(args=[*base, "--org", "nowhere"], env=env)
    assert result.exit_code == 1 and "there is no organisation 'nowhere'" in result.output
    result = runner.invoke(args=[*base, "--org", "cli-two"], env=env)
    assert result.exit_code == 1 and "Enter the issuer's address" in result.output
    assert _provider("x-id") is None


def test_load_adds_and_updates_by_slug_all_or_nothing(app, runner, oidc_idp, tmp_path, monkeypatch):
    make_org(slug="yaml-a")
    make_org(slug="yaml-b")
    monkeypatch.setenv("YAML_A_SECRET", "from-the-environment")
    good = f"""
providers:
  - slug: yaml-a-id
    organisation: yaml-a
    name: A:n tunnus
    email_domains: [a.example, edu.a.example]
    issuer: {oidc_idp.issuer}
    allow_http: true
    client_id: {oidc_idp.client_id}
    client_secret_env: YAML_A_SECRET
    claims: {{roles: groups}}
    role_rules:
      - {{claim: groups, value: "teacher-admins", role: manager}}
    require_sso: true
  - slug: yaml-b-saml
    organisation: yaml-b
    kind: saml
    name: B (MPASSid)
    email_domains: b.example
    config: {{metadata_url: "https://mpass.example/metadata", entity_id: "https://kampus.example/sp"}}
"""
    path = tmp_path / "providers.yaml"
    path.write_text(good)
    result = runner.invoke(args=["sso", "load", str(path)])
    assert result.exit_code == 0, result.output
    a, b = _provider("yaml-a-id"), _provider("yaml-b-saml")
    assert a.config["client_secret"] == "from-the-environment" and a.domains == ["a.example", "edu.a.example"]
    assert b.kind == "saml" and b.config["metadata_url"] == "https://mpass.example/metadata"

    # A second file with one good change and one mistake changes nothing.
    path.write_text(good.replace("A:n tunnus", "A, uusi nimi").replace("role: manager", "role: admin"))
    result = runner.invoke(args=["sso", "load", str(path)])
    assert result.exit_code == 1 and "can grant only the manager role" in result.output
    assert _provider("yaml-a-id").name == "A:n tunnus"
    result = runner.invoke(args=["sso", "list"])
    assert "yaml-a-id\toidc\tyaml-a\ta.example edu.a.example\trequired" in result.output
