// Verify an Open Badges 3.0 / VC credential with @digitalcredentials/verifier-core
// (an independent verifier from the npm registry) and print its result as JSON.
//
//   node tests/credentials/verify.mjs CREDENTIAL.json [--documents MAP.json]
//
// Offline: verifier-core builds its own document loader (bundled contexts plus
// HTTP for anything else, did:web always over https). This script replaces the
// global fetch that its HTTP client (ky) and its schema check use, so that every
// request is answered from MAP.json (URL -> JSON document: the issuer's did.json,
// the status list credential, ...) and anything else fails as "offline". Nothing
// leaves the machine. The trusted-issuer registry check needs the internet: it is
// run with no registries, and its step is reported as skipped ("registry_skipped").
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args[0];
const mapIndex = args.indexOf('--documents');
const documents = mapIndex >= 0 ? JSON.parse(readFileSync(args[mapIndex + 1], 'utf8')) : {};
const requested = [];
// The libraries log to stdout; keep stdout for the result alone.
console.log = (...parts) => console.error(...parts);

globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : (input.url ?? String(input));
  requested.push(url);
  const key = url.split('#')[0];
  if (Object.prototype.hasOwnProperty.call(documents, key)) {
    return new Response(JSON.stringify(documents[key]), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }
  throw new TypeError(`offline: no local document for ${url}`);
};

const { verifyCredential } = await import('@digitalcredentials/verifier-core');
const credential = JSON.parse(readFileSync(file, 'utf8'));
const result = await verifyCredential({ credential, knownDIDRegistries: [] });

const log = result.log ?? [];
const step = (id) => log.find((entry) => entry.id === id);
const errors = (result.errors ?? []).map(({ name, message }) => ({ name, message }));
const checks = {};
for (const entry of log) {
  checks[entry.id] = entry.valid === undefined ? (entry.error ? `error: ${entry.error.name}` : 'n/a') : entry.valid;
}
const schema = (result.additionalInformation ?? []).find((e) => e.id === 'schema_check');
const mustPass = ['valid_signature', 'expiration', 'revocation_status'];
const verified = errors.length === 0 && mustPass.every((id) => id === 'revocation_status'
  ? (step(id) === undefined || step(id).valid === true) : step(id)?.valid === true);
const revoked = step('revocation_status')?.valid === false;
delete checks.registered_issuer;
process.stdout.write(JSON.stringify({
  verified,
  revoked,
  checks,
  registry_skipped: 'the trusted-issuer registry check needs the internet; run with no registries and not counted',
  schema: schema ? schema.results : undefined,
  errors,
  requested,
}, null, 2) + '\n');
