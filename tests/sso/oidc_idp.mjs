// A real OpenID Connect provider for the tests: the npm package oidc-provider (v9), on a
// loopback port, with one static confidential client and test accounts.
//
// Environment:
//   IDP_PORT          port to listen on (127.0.0.1)
//   IDP_ISSUER        the issuer URL (default http://127.0.0.1:IDP_PORT)
//   IDP_CLIENTS       JSON list of clients: [{client_id, client_secret?, redirect_uris, jwks?,
//                     token_endpoint_auth_method?}]
//   IDP_ACCOUNTS      path of a JSON file {sub: {email, email_verified, name, groups}}; the login
//                     name on the IdP's form is the sub. Read at every sign-in, so a test can change
//                     a person's claims (their e-mail, their groups) between sign-ins
//   IDP_JWKS          JSON {keys: [private JWK]} the provider signs with (the tests keep a copy
//                     to forge a wrongly addressed but correctly signed ID token)
//
// Sign-in uses the package's devInteractions (a login form: any password, the login names the
// account); consent is granted at once for the registered clients, as a school's IdP does for
// a first-party application.
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const port = Number(process.env.IDP_PORT || 0);
const issuer = process.env.IDP_ISSUER || `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.IDP_CLIENTS || '[]');
const accountsFile = process.env.IDP_ACCOUNTS;
const jwks = process.env.IDP_JWKS ? JSON.parse(process.env.IDP_JWKS) : undefined;

function accounts() {
  return accountsFile ? JSON.parse(readFileSync(accountsFile, 'utf8')) : {};
}

function accountFor(id) {
  const all = accounts();
  return Object.hasOwn(all, id) ? { ...all[id], sub: id } : undefined;
}

const configuration = {
  clients,
  jwks,
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['kampus-test-idp-cookie-key-0123456789'] },
  async findAccount(ctx, id) {
    if (!accountFor(id)) return undefined;
    return {
      accountId: id,
      async claims() {
        return accountFor(id) || { sub: id };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html lang="en"><head><title>IdP error</title></head><body><h1>IdP error</h1><p id="error">${out.error}: ${out.error_description || ''}</p></body></html>`;
  },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;
// Kampus test servers listen on free ports: accept any loopback Kampus callback besides the registered ones.
const loopbackCallback = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/sso\/oidc\/[a-z0-9-]+\/callback$/;
const redirectUriAllowed = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function allowLoopback(value) {
  return redirectUriAllowed.call(this, value) || loopbackCallback.test(value);
};
provider.on('server_error', (ctx, err) => console.error('server_error', err));

const server = provider.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${address.port}`);
});
