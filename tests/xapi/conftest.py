"""xAPI test helpers: an independent statement validator and a small, flaky LRS stub.

The validator is ralph's (PyPI ``ralph-malph``) pydantic model of an xAPI
statement, not ours: it forbids unknown properties and empty values, checks
IRIs, language tags, UUIDs, score ranges and agent identifiers.

The stub is a tiny ``http.server`` on 127.0.0.1 and a free port: it checks Basic
auth and the version header, stores statements by id, answers 409 for an id it
already stored, and fails at random with a fixed seed: before storing (503) or
after storing, as when an answer is lost on the way back (502 after the write).
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

LRS_USER, LRS_PASSWORD = "kampus", "lrs-salasana"


def validate_statement(statement: dict) -> None:
    """Raise (pydantic's ValidationError, naming the field) unless ralph accepts ``statement``."""
    from ralph.models.xapi.base.statements import BaseXapiStatement

    BaseXapiStatement.model_validate(json.loads(json.dumps(statement)))


@pytest.fixture
def validate():
    return validate_statement


class LrsStub:
    def __init__(self, *, fail_before: float = 0.0, fail_after: float = 0.0, seed: int = 20, delay: float = 0.0):
        self.fail_before, self.fail_after, self.delay = fail_before, fail_after, delay
        self.random = random.Random(seed)
        self.stored: dict[str, dict] = {}
        self.received: dict[str, int] = {}  # statement id → times it reached the stub in a POST
        self.requests: list[tuple[int, int]] = []  # (batch size, answer status)
        self.lock = threading.Lock()
        self.down = False
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = stub.handle(self.path, self.headers, body)  # header names are case-insensitive
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"[]" if status == 200 else b'{"error": true}')

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/xapi"

    def handle(self, path: str, headers, body: bytes) -> int:
        expected = "Basic " + base64.b64encode(f"{LRS_USER}:{LRS_PASSWORD}".encode()).decode()
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            if path != "/xapi/statements":
                status = 404
            elif headers.get("Authorization") != expected:
                status = 401
            elif headers.get("X-Experience-API-Version") != "1.0.3":
                status = 400
            elif self.down or self.random.random() < self.fail_before:
                status = 503
            else:
                statements = json.loads(body)
                for statement in statements:
                    self.received[statement["id"]] = self.received.get(statement["id"], 0) + 1
                if any(s["id"] in self.stored for s in statements):
                    status = 409  # as an LRS does: the batch is refused whole
                else:
                    for statement in statements:
                        self.stored[statement["id"]] = statement
                    status = 502 if self.random.random() < self.fail_after else 200
            self.requests.append((len(json.loads(body)) if body.startswith(b"[") else 0, status))
            return status


@pytest.fixture
def make_lrs():
    """``make_lrs(fail_before=0.3, ...)`` → a running :class:`LrsStub` (stopped after the test)."""
    made = []

    def factory(**kwargs) -> LrsStub:
        stub = LrsStub(**kwargs)
        stub.thread.start()
        made.append(stub)
        return stub

    yield factory
    for stub in made:
        stub.server.shutdown()
        stub.server.server_close()


def lrs_config(stub: LrsStub, **more) -> dict:
    return {
        "KAMPUS_XAPI_ENDPOINT": stub.url,
        "KAMPUS_XAPI_USERNAME": LRS_USER,
        "KAMPUS_XAPI_PASSWORD": LRS_PASSWORD,
        "KAMPUS_XAPI_TIMEOUT": 5,
        **more,
    }
