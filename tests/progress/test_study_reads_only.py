"""Reading the study page writes nothing: no event, no progress, no commit of changes (issue 19)."""

from __future__ import annotations

from tests.conftest import form_token
from tests.paths.helpers import make_learner, sign_in

SLUG = "digcomp-perusteet"


def test_opening_and_paging_the_study_page_writes_nothing(app, client, count_queries):
    make_learner()
    sign_in(client)
    intro = client.get(f"/modules/{SLUG}/study").get_data(as_text=True)
    assert client.post(f"/modules/{SLUG}/start", data={"csrf_token": form_token(intro)}).status_code == 302
    for url in (f"/modules/{SLUG}/study", f"/modules/{SLUG}/study?section=0", f"/modules/{SLUG}/study"):
        with count_queries(app) as counter:
            assert client.get(url).status_code == 200
        writes = [s for s in counter.statements if s.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
        assert writes == [], writes
