"""A real SAML 2.0 identity provider for the tests: pysaml2's own IdP (``saml2.server.Server``) in a WSGI app.

Run as ``python tests/sso/saml_idp.py PORT KEY_PEM CERT_PEM`` (the test fixture does, on a loopback port).
It signs with its own key (made by the fixture) through Debian's ``xmlsec1``.

* ``GET /metadata``: the IdP's metadata (entity id ``http://127.0.0.1:PORT/idp``).
* ``POST /_register``: SP metadata XML to trust (the tests register each Kampus they start).
* ``GET /sso/redirect``: the HTTP-Redirect SSO endpoint. It checks the AuthnRequest (and its
  signature, ``want_authn_requests_signed``); without ``user`` it shows a page to choose a test person,
  with ``user`` it signs that person in and answers with the HTTP-POST binding's auto-submitting form
  to the SP's ACS. ``mode=expired`` makes an assertion issued two hours ago (valid for 15 minutes),
  ``mode=audience`` one for another SP.
* ``GET /idp-initiated?user=…&sp=ENTITY_ID``: an unsolicited response (no AuthnRequest).

The people carry MPASSid-style attributes; ``urn:mpass.id:role`` holds several roles in one value,
``;``-separated (``teacher;admin``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import sys
import threading
import time as _time
from urllib.parse import urlencode

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, time_util
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
DISPLAY_NAME = "urn:oid:2.16.840.1.113730.3.1.241"
ROLE = "urn:mpass.id:role"

USERS = {
    "maija": {"subject": "mpass-maija-0001", MAIL: ["maija.opettaja@saml-a.example"], DISPLAY_NAME: ["Maija Opettaja"],
              ROLE: ["teacher;admin"]},
    "ville": {"subject": "mpass-ville-0002", MAIL: ["ville.oppija@saml-a.example"], DISPLAY_NAME: ["Ville Oppija"],
              ROLE: ["student"]},
    "uusi": {"subject": "mpass-uusi-0003", MAIL: ["uusi.henkilo@saml-a.example"], DISPLAY_NAME: ["Uusi Henkilö"],
             ROLE: ["teacher"]},
}  # fmt: skip


_clock_lock = threading.Lock()


@contextlib.contextmanager
def clock_behind(seconds: int):
    """Make pysaml2's clock (``saml2.time_util``) run ``seconds`` behind while one response is made:
    an assertion issued then, as a response captured and posted later would be."""

    class ShiftedTime:
        def gmtime(self, secs=None):
            return _time.gmtime(_time.time() - seconds if secs is None else secs)

        def __getattr__(self, name):
            return getattr(_time, name)

    class ShiftedDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime.now(tz) - dt.timedelta(seconds=seconds)

    with _clock_lock:
        saved = time_util.time, time_util.datetime
        time_util.time, time_util.datetime = ShiftedTime(), ShiftedDatetime
        try:
            yield
        finally:
            time_util.time, time_util.datetime = saved


def make_server_app(port: int, key_file: str, cert_file: str):
    base = f"http://127.0.0.1:{port}"
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base}/idp",
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "key_file": key_file,
            "cert_file": cert_file,
            "service": {
                "idp": {
                    "name": "Kampus test IdP",
                    "endpoints": {"single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]},
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": True,
                    "policy": {"default": {"lifetime": {"minutes": 15}, "name_form": NAME_FORMAT_URI}},
                }
            },
            "metadata": {},
        }
    )
    server = Server(config=config)
    metadata = create_metadata_string(None, config=config, valid=24)

    def respond(sp_entity_id: str, destination: str, in_response_to: str | None, user: str, mode: str) -> str:
        person = USERS[user]
        identity = {k: v for k, v in person.items() if k != "subject"}
        audience = "https://another-sp.example/metadata" if mode == "audience" else sp_entity_id
        name_id = NameID(format=NAMEID_FORMAT_PERSISTENT, text=person["subject"], sp_name_qualifier=audience)
        clock = clock_behind(2 * 3600) if mode == "expired" else contextlib.nullcontext()
        with clock:  # expired: issued two hours ago, valid for 15 minutes
            response = server.create_authn_response(
                identity,
                in_response_to,
                destination,
                audience,
                name_id=name_id,
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
                sign_assertion=True,
                sign_response=False,
            )
        return str(response)

    def post_form(response_xml: str, destination: str, relay_state: str) -> Response:
        http_args = server.apply_binding(BINDING_HTTP_POST, response_xml, destination, relay_state, response=True)
        return Response(http_args["data"], content_type="text/html; charset=utf-8")

    def app(environ, start_response):
        request = Request(environ)
        if request.path == "/metadata":
            return Response(metadata, content_type="application/samlmetadata+xml")(environ, start_response)
        if request.path == "/_register" and request.method == "POST":
            server.metadata.load("inline", request.get_data(as_text=True))
            return Response("ok")(environ, start_response)
        if request.path == "/sso/redirect":
            return sso(request)(environ, start_response)
        if request.path == "/idp-initiated":
            sp = request.args["sp"]
            acs = server.metadata.assertion_consumer_service(sp, BINDING_HTTP_POST)[0]["location"]
            xml = respond(sp, acs, None, request.args.get("user", "maija"), "normal")
            return post_form(xml, acs, "")(environ, start_response)
        return Response("not found", status=404)(environ, start_response)

    def sso(request: Request) -> Response:
        args = request.args
        try:
            parsed = server.parse_authn_request(
                args["SAMLRequest"],
                BINDING_HTTP_REDIRECT,
                relay_state=args.get("RelayState"),
                sigalg=args.get("SigAlg"),
                signature=args.get("Signature"),
            )
        except Exception as exc:  # noqa: BLE001 - a test IdP: say what was wrong
            return Response(f"bad AuthnRequest: {type(exc).__name__}: {exc}", status=400)
        user = args.get("user")
        if user not in USERS:
            return choose_page(request)
        resp_args = server.response_args(parsed.message, [BINDING_HTTP_POST])
        xml = respond(
            resp_args["sp_entity_id"],
            resp_args["destination"],
            resp_args["in_response_to"],
            user,
            args.get("mode", "normal"),
        )
        return post_form(xml, resp_args["destination"], args.get("RelayState", ""))

    def choose_page(request: Request) -> Response:
        keep = {k: v for k, v in request.args.items() if k not in ("user", "mode")}
        links = "".join(
            f'<li><a href="/sso/redirect?{html.escape(urlencode({**keep, "user": name}))}">'
            f"Sign in as {html.escape(person[DISPLAY_NAME][0])}</a></li>"
            for name, person in USERS.items()
        )
        page = f'<!doctype html><html lang="en"><title>Test IdP</title><h1>Test IdP</h1><ul>{links}</ul></html>'
        return Response(page, content_type="text/html; charset=utf-8")

    return app


def main() -> None:
    port, key_file, cert_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = make_server("127.0.0.1", port, make_server_app(port, key_file, cert_file), threaded=True)
    print(f"saml-idp listening on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
