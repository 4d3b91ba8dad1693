"""Through the pages: a learner studies a section and passes the self-check with
the test client, then ``kampus xapi deliver`` brings the expected statements to
the LRS."""

from __future__ import annotations

import re

from sqlalchemy import select

from kampus.extensions import db
from kampus.xapi.models import XapiOutbox
from tests.paths.helpers import make_learner, module, sign_in, token_of
from tests.xapi.conftest import lrs_config, validate_statement

ADL = "http://adlnet.gov/expapi/verbs/"


def test_studying_and_passing_through_the_pages_reaches_the_lrs(make_app, make_lrs):
    lrs = make_lrs()
    app = make_app("catalogue", **lrs_config(lrs), KAMPUS_BASE_URL="https://kampus.example")
    client = app.test_client()
    with app.app_context():
        make_learner()
        sign_in(client)
        slug = "digcomp-perusteet"
        token = token_of(client, f"/modules/{slug}/study")
        assert client.post(f"/modules/{slug}/start", data={"csrf_token": token}).status_code == 302
        for position in (0, 1):  # the pager: each section opened is a statement
            assert client.post(f"/modules/{slug}/sections/{position}", data={"csrf_token": token}).status_code == 302
        m = module(slug)
        study = client.get(f"/modules/{slug}/study").get_data(as_text=True)
        draw = re.search(r'name="draw" value="([^"]+)"', study).group(1)
        data = {"csrf_token": token, "draw": draw}
        for q in m.questions:
            data[f"q{q.id}"] = [str(c) for c in q.correct]
        assert client.post(f"/modules/{slug}/check", data=data).status_code in (200, 302)

        result = app.test_cli_runner().invoke(args=["xapi", "deliver"])
        assert result.exit_code == 0, result.output

        kinds = [row.kind for row in db.session.scalars(select(XapiOutbox).order_by(XapiOutbox.id))]
        assert kinds[0] == "started" and kinds.count("section_viewed") >= 2 and "completed" in kinds
        statements = sorted(lrs.stored.values(), key=lambda s: (s["timestamp"], s["id"]))
        for statement in statements:
            validate_statement(statement)
        verbs = {s["verb"]["id"] for s in statements}
        assert {ADL + "attempted", ADL + "experienced", ADL + "answered", ADL + "passed", ADL + "completed"} <= verbs
        sections = {s["object"]["id"] for s in statements if s["verb"]["id"] == ADL + "experienced"}
        assert {
            f"https://kampus.example/modules/{slug}/sections/1",
            f"https://kampus.example/modules/{slug}/sections/2",
        } <= sections
        (passed,) = [s for s in statements if s["verb"]["id"] == ADL + "passed"]
        assert passed["result"]["score"]["raw"] == 100 and passed["result"]["success"] is True
        assert len({s["actor"]["account"]["name"] for s in statements}) == 1
        assert all(row.state == "sent" for row in db.session.scalars(select(XapiOutbox)))
