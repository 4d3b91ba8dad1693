"""Report snapshots (kampus.reports.snapshots): the overview and the network overview read the
figures the refresh task stored, refreshed after a write through the pages, honest when older."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from sqlalchemy import select, update

from kampus.auth.models import User
from kampus.catalogue.models import Module, Theme
from kampus.db import utcnow
from kampus.extensions import db
from kampus.i18n import format_datetime
from kampus.orgs.models import Organisation
from kampus.progress import services as progress
from kampus.progress.models import LearningEvent, Progress, SelfAssessment
from kampus.reports import aggregates, snapshots
from kampus.reports.models import ReportSnapshot
from kampus.reports.services import organisation_overview
from tests.factories import PASSWORD, login, make_org, make_user
from tests.paths.helpers import module, token_of

THEME = "osaamisen-johtaminen"
LAST = "digcomp-perusteet"  # one of the theme's basics, completed through the pages


@pytest.fixture
def snapshotting(app):
    """Every organisation (however small) on snapshots, as big ones are in production."""
    app.config["REPORT_INLINE_MAX_STAFF"] = 0
    aggregates.clear()
    return app


def basics_of(slug: str) -> list[Module]:
    theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
    return [m for m in theme.modules if m.status == "published" and m.level in ("A1", "A2", "B1")]


def theme_row(html: str, slug: str = THEME) -> str:
    return re.search(rf'<tr data-theme="{slug}">(.*?)</tr>', html, re.S).group(1)


def snapshot(org_id: int) -> ReportSnapshot | None:
    db.session.expire_all()
    return db.session.get(ReportSnapshot, org_id)


def complete_through_the_pages(client, slug: str) -> None:
    token = token_of(client, f"/modules/{slug}/study")
    assert client.post(f"/modules/{slug}/start", data={"csrf_token": token}).status_code == 302
    study = client.get(f"/modules/{slug}/study").get_data(as_text=True)
    data = {"csrf_token": token, "draw": re.search(r'name="draw" value="([^"]+)"', study).group(1)}
    for q in module(slug).questions:
        data[f"q{q.id}"] = [str(c) for c in q.correct]
    assert client.post(f"/modules/{slug}/check", data=data).status_code in (200, 302)


def move_version_behind_the_hooks(org_id: int, *, queued: bool) -> None:
    """A write whose refresh is queued but not yet done (a busy worker): the version moves by SQL."""
    db.session.execute(
        update(Organisation).where(Organisation.id == org_id).values(report_version=Organisation.report_version + 1)
    )
    db.session.execute(
        update(ReportSnapshot)
        .where(ReportSnapshot.organisation_id == org_id)
        .values(refresh_queued_at=utcnow() if queued else None)
    )
    db.session.commit()
    aggregates.clear()


def test_the_figures_move_after_a_learner_completes_a_module_through_the_pages(snapshotting, count_queries):
    app = snapshotting
    org = make_org()
    manager, learner = make_user(org, manager=True), make_user(org)
    for m in basics_of(THEME):
        if m.slug != LAST:
            progress.recognise(learner.id, m, "manager")
    db.session.commit()
    boss, person = app.test_client(), app.test_client()
    login(boss, manager.email, PASSWORD)
    login(person, learner.email, PASSWORD)
    assert "0\xa0% (0)" in theme_row(boss.get("/org").get_data(as_text=True))
    first = snapshot(org.id)
    assert first is not None  # the first reading stored the snapshot
    first_version = first.report_version
    complete_through_the_pages(person, LAST)
    refreshed = snapshot(org.id)
    assert refreshed.report_version > first_version  # the commit queued the refresh; eager: it ran
    assert refreshed.refresh_queued_at is None
    assert refreshed.report_version == db.session.get(Organisation, org.id).report_version
    aggregates.clear()
    with count_queries(app) as counter:
        html = boss.get("/org").get_data(as_text=True)
    assert "50\xa0% (1)" in theme_row(html)  # one of two active people has all the basics now
    assert 'id="figures-as-of"' not in html
    read_logs = [s for s in counter.statements if "FROM progress" in s or "FROM learning_events" in s]
    assert not read_logs, read_logs  # the page read the snapshot, not the logs


def test_an_older_snapshot_is_shown_with_its_time_and_refreshed(snapshotting):
    app = snapshotting
    org = make_org()
    manager, learner = make_user(org, manager=True), make_user(org)
    boss = app.test_client()
    login(boss, manager.email, PASSWORD)
    boss.get("/org")
    for m in basics_of(THEME):
        progress.recognise(learner.id, m, "manager")
    db.session.commit()  # the hook refreshed the snapshot: 50 %
    move_version_behind_the_hooks(org.id, queued=True)
    stored = snapshot(org.id)
    stored_version, stored_at = stored.report_version, stored.computed_at
    html = boss.get("/org").get_data(as_text=True)
    notice = re.search(r'<p class="notice" role="status" id="figures-as-of">(.*?)</p>', html, re.S)
    assert notice, html
    assert format_datetime(stored_at, "short", "fi") in notice.group(1)
    assert "päivitetään" in notice.group(1)
    assert snapshot(org.id).report_version == stored_version  # queued already: not queued twice
    move_version_behind_the_hooks(org.id, queued=False)  # a refresh that was lost (or never queued)
    assert 'id="figures-as-of"' in boss.get("/org").get_data(as_text=True)  # this reader still sees the old one
    now = snapshot(org.id)
    assert now.report_version == db.session.get(Organisation, org.id).report_version  # the page queued it
    html = boss.get("/org").get_data(as_text=True)
    assert 'id="figures-as-of"' not in html and "50\xa0% (1)" in theme_row(html)


def test_network_overview_reads_the_snapshots_and_says_when_one_is_older(snapshotting):
    app = snapshotting
    orgs = [make_org() for _ in range(2)]
    learners = [make_user(o) for o in orgs]
    admin = make_user(None, admin=True)
    client = app.test_client()
    login(client, admin.email, PASSWORD)
    client.get("/admin/network")  # first snapshots queued (eager: stored)
    assert all(snapshot(o.id) is not None for o in orgs)
    for m in basics_of(THEME):
        progress.recognise(learners[0].id, m, "manager")
    db.session.commit()
    move_version_behind_the_hooks(orgs[0].id, queued=True)
    html = client.get("/admin/network").get_data(as_text=True)
    assert 'id="figures-as-of"' in html
    row = re.search(rf'<tr data-org="{orgs[0].slug}">(.*?)</tr>', html, re.S).group(1)
    assert "100\xa0%" in row  # the learner is the organisation's only member


def org_of_size(people: int) -> tuple[Organisation, User]:
    org = make_org()
    manager = make_user(org, manager=True)
    db.session.add_all(
        User(email=f"s{org.id}-{i}@example.fi", name=f"H {i}", organisation_id=org.id, password_hash="x")
        for i in range(people)
    )
    db.session.commit()
    return org, manager


def test_overview_queries_do_not_grow_with_the_organisation(snapshotting, count_queries):
    app = snapshotting
    counts = []
    for size in (2, 60):
        org, manager = org_of_size(size)
        client = app.test_client()
        login(client, manager.email, PASSWORD)
        client.get("/org")
        move_version_behind_the_hooks(org.id, queued=True)  # cold: the page cache and figures are old
        with count_queries(app) as counter:
            assert "figures-as-of" in client.get("/org").get_data(as_text=True)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_network_queries_do_not_grow_with_the_number_of_organisations(snapshotting, count_queries):
    app = snapshotting
    admin = make_user(None, admin=True)
    client = app.test_client()
    login(client, admin.email, PASSWORD)
    counts = []
    for more in (2, 6):
        orgs = [org_of_size(3)[0] for _ in range(more)]
        client.get("/admin/network")  # their first snapshots
        for org in orgs:
            move_version_behind_the_hooks(org.id, queued=True)
        with count_queries(app) as counter:
            assert client.get("/admin/network").status_code == 200
        counts.append(counter.count)
        assert not [s for s in counter.statements if "FROM progress" in s], counter.statements
    assert counts[0] == counts[1], counts


def test_another_organisations_manager_sees_only_their_own_figures(snapshotting):
    app = snapshotting
    mine, theirs = make_org(), make_org()
    manager, stranger = make_user(mine, manager=True), make_user(theirs, manager=True)
    learner = make_user(theirs)
    for m in basics_of(THEME):
        progress.recognise(learner.id, m, "manager")
    db.session.commit()
    other = app.test_client()
    login(other, stranger.email, PASSWORD)
    assert "50\xa0% (1)" in theme_row(other.get("/org").get_data(as_text=True))  # their snapshot
    client = app.test_client()
    login(client, manager.email, PASSWORD)
    html = client.get("/org").get_data(as_text=True)
    assert "0\xa0% (0)" in theme_row(html) and "50\xa0%" not in html
    assert client.get("/admin/network").status_code == 403


def random_dataset(org: Organisation, rng: random.Random, today: dt.date) -> None:
    """People who completed or had recognised random basic modules at random times in the last
    eight months (some twice), some self-assessments and some deactivated people."""
    themes = list(db.session.scalars(select(Theme)))
    modules = [m for t in themes for m in basics_of(t.slug)]
    people = [
        User(email=f"r{org.id}-{i}@example.fi", name=f"R {i}", organisation_id=org.id, password_hash="x")
        for i in range(30)
    ]
    for person in people[:3]:
        person.active = False
    db.session.add_all(people)
    db.session.flush()
    for person in people:
        for m in rng.sample(modules, rng.randint(0, len(modules))):
            when = dt.datetime.combine(today, dt.time(12)) - dt.timedelta(days=rng.randint(0, 240))
            verb = rng.choice(("completed", "recognised"))
            db.session.add(Progress(user_id=person.id, module_id=m.id, status=verb))
            db.session.add(LearningEvent(user_id=person.id, module_id=m.id, verb=verb, created_at=when))
            if rng.random() < 0.2:  # done again later: the first time counts
                later = when + dt.timedelta(days=rng.randint(1, 30))
                db.session.add(LearningEvent(user_id=person.id, module_id=m.id, verb="completed", created_at=later))
        for theme in rng.sample(themes, rng.randint(0, 3)):
            db.session.add(
                SelfAssessment(user_id=person.id, theme_id=theme.id, level=rng.choice(("A1", "A2", "B1", "B2", "C2")))
            )
    db.session.commit()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_snapshot_figures_are_those_of_the_log_based_computation(snapshotting, seed):
    org = make_org()
    today = dt.date.today()
    random_dataset(org, random.Random(seed), today)
    assert snapshots.refresh(org.id) == "stored"
    stored = snapshots.overview_from_json(snapshot(org.id).figures)
    computed = organisation_overview(org.id, today)
    assert stored.trend == computed.trend
    assert any(value > 0 for _, value in stored.trend)  # the dataset is not empty
    assert stored.capability.members == computed.capability.members == 27
    assert [
        (t.theme.id, t.share, t.members_with_basics, t.average_level, t.assessed) for t in stored.capability.themes
    ] == [(t.theme.id, t.share, t.members_with_basics, t.average_level, t.assessed) for t in computed.capability.themes]
    assert (stored.active_learners, stored.due_soon, stored.overdue) == (
        computed.active_learners,
        computed.due_soon,
        computed.overdue,
    )
    assert snapshots.refresh(org.id) == "current"  # a retry or a duplicate changes nothing
