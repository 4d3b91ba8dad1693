"""A locked module through its pages: reading it records nothing, and a refusal names
what to complete first by title, in the reader's language, linked to each module."""

import re

from sqlalchemy import func, select

from kampus.extensions import db
from kampus.progress import services
from kampus.progress.models import LearningEvent, Progress
from tests.paths.helpers import make_learner, module, sign_in, token_of

LOCKED = "saavutettava-sisalto"


def counts():
    return (
        db.session.scalar(select(func.count(Progress.id))),
        db.session.scalar(select(func.count(LearningEvent.id)).where(LearningEvent.verb != "assessed")),
    )


def test_opening_a_locked_module_records_nothing(client):
    make_learner()
    sign_in(client)
    for url in (f"/modules/{LOCKED}/study", f"/modules/{LOCKED}/study?section=1", f"/modules/{LOCKED}/test-out"):
        assert client.get(url).status_code == 200, url
    # moving to a section of a locked, unstarted module is readable but saves nothing either
    response = client.post(f"/modules/{LOCKED}/sections/1", data={"csrf_token": token_of(client, "/me")})
    assert response.status_code == 302
    assert counts() == (0, 0)
    assert db.session.scalar(select(func.count(LearningEvent.id)).where(LearningEvent.verb == "started")) == 0


def test_the_refusal_names_the_prerequisites_by_title_with_links(client):
    user = make_learner()
    sign_in(client)
    missing = services.blockers(user.id, module(LOCKED))
    assert missing
    response = client.post(f"/modules/{LOCKED}/start", data={"csrf_token": token_of(client, "/me")})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    flash = re.search(r'<p class="flash flash-error">(.*?)</p>', html, re.S).group(1)
    assert "suorita ensin" in flash
    for slug in missing:
        title = module(slug).title["fi"]
        assert f'<a href="/modules/{slug}/study">{title}</a>' in flash
        assert re.search(rf"\b{slug}\b", re.sub(r"<[^>]+>", "", flash)) is None  # no bare slug in the words
    assert counts() == (0, 0)


def test_the_refusal_follows_the_readers_language(client):
    user = make_learner()
    user.language = "sv"
    db.session.commit()
    sign_in(client)
    missing = services.blockers(user.id, module(LOCKED))
    html = client.post(f"/modules/{LOCKED}/start", data={"csrf_token": token_of(client, "/me")}).get_data(as_text=True)
    flash = re.search(r'<p class="flash flash-error">(.*?)</p>', html, re.S).group(1)
    assert "slutför först" in flash
    for slug in missing:
        assert module(slug).title["sv"] in flash
