"""The JSON-LD of an issued credential against the vendored contexts (VC 2.0 and OB 3.0.3,
copied from npm's @digitalcredentials/credentials-v2-context and open-badges-context, the
copies verifier-core itself uses; each file's source URL is in
kampus/credentials/contexts/index.json): every term is defined.

JSON-LD expansion silently drops a term no context defines (or, with the final VC 2.0
context's ``@vocab``, maps it to ``…/issuer-dependent#``). So "no unknown terms" means:
expanding and compacting again gives back every (path, value) of the document, and no
IRI is issuer-dependent."""

import pytest
from pyld import jsonld

from kampus.credentials import signing
from tests.credentials.conftest import complete, credential_of
from tests.factories import make_org, make_user

UNDEFINED = "https://www.w3.org/ns/credentials/issuer-dependent#"
OPTIONS = {"documentLoader": signing.document_loader}


def leaves(node, path=()):
    """(key path, scalar) pairs, list positions ignored (compaction may unwrap one-item lists)."""
    if isinstance(node, dict):
        return {pair for key, value in node.items() if key != "@context" for pair in leaves(value, (*path, key))}
    if isinstance(node, list):
        return {pair for item in node for pair in leaves(item, path)}
    return {(path, node)}


def iris(node):
    if isinstance(node, dict):
        found = set(node)
        for key, value in node.items():
            if key == "@type":
                found |= set(value if isinstance(value, list) else [value])
            found |= iris(value)
        return found
    if isinstance(node, list):
        return set().union(*(iris(item) for item in node)) if node else set()
    return set()


def unknown_terms(document: dict) -> set:
    expanded = jsonld.expand(document, OPTIONS)
    back = jsonld.compact(expanded, {"@context": document["@context"]}, OPTIONS)
    dropped = {"/".join(path) for path, _value in leaves(document) - leaves(back)}
    return dropped | {iri for iri in iris(expanded) if iri.startswith(UNDEFINED)}


def test_an_issued_credential_uses_only_terms_the_contexts_define(cred_app):
    learner = make_user(make_org())
    complete(learner)
    document = credential_of(learner).document
    assert unknown_terms(document) == set()
    assert len(leaves(document)) > 30  # the check looked at the whole credential


def test_the_status_list_and_an_achievement_use_only_defined_terms(cred_app, client):
    learner = make_user(make_org())
    complete(learner)
    assert unknown_terms(client.get("/credentials/status/1").get_json()) == set()
    assert unknown_terms(client.get("/achievements/module/digikyvykkyyden-itsearviointi?lang=sv").get_json()) == set()


def test_the_check_notices_an_unknown_term():
    document = {"@context": [signing.VC_V2, signing.OB_V3], "type": ["VerifiableCredential"], "kampusSecret": "x"}
    assert unknown_terms(document) == {"kampusSecret"}
    nested = {
        "@context": [signing.VC_V2, signing.OB_V3],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {"type": ["Achievement"], "nimi": "x", "name": "y"},
        },
    }
    assert unknown_terms(nested) == {"credentialSubject/achievement/nimi"}


def test_the_document_loader_never_fetches():
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand({"@context": "https://example.org/ctx.jsonld", "a": 1}, OPTIONS)
