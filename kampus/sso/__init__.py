"""Single sign-on: an organisation's own identity providers (OpenID Connect here, SAML 2.0 in
:mod:`kampus.sso.saml_views`) sign its staff in; accounts are created or linked by
:func:`kampus.sso.accounts.sign_in_external`."""
