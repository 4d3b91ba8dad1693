"""The prerequisite impact preview names who is affected: each learner with their
organisation, the study minutes added or removed, and the assigned due dates
that would move to at risk; the list is bounded and the rest counted."""

from __future__ import annotations

import datetime as dt
import re

from kampus.assignments.services import SUSTAINABLE_MINUTES_PER_WEEK
from kampus.catalogue.services import catalogue_graph
from kampus.extensions import db
from kampus.graph import plan
from kampus.graph.deadlines import deadline_state
from tests.authoring.helpers import admin_client, token
from tests.authoring.world import _progress
from tests.factories import make_org, make_team, make_user
from tests.reports.test_pages import assign_team

GOAL = "hybridi-ja-etaopetus"
NEW_BEFORE = "tekoaly-opetuksessa"


def url(slug: str) -> str:
    return f"/admin/content/modules/{slug}/prerequisites"


def _change_that_puts_the_goal_at_risk() -> tuple[str, dt.date]:
    """A module to require before GOAL and a due date on which a learner who has done nothing
    is on track now and at risk after the change (found with the engine's own rule)."""
    import networkx as nx

    graph = catalogue_graph()
    today = dt.date.today()

    def state(g, due):
        return deadline_state(
            plan(g, [GOAL], (), minutes_per_week=SUSTAINABLE_MINUTES_PER_WEEK, start=today, due=due), today, due
        )

    for candidate in sorted(graph):
        if candidate == GOAL or graph.has_edge(candidate, GOAL) or nx.has_path(graph, GOAL, candidate):
            continue
        if graph.nodes[candidate].get("status") != "published":
            continue
        after = graph.copy()
        after.add_edge(candidate, GOAL, kind="required")
        for days in range(0, 60):
            due = today + dt.timedelta(days=days)
            if state(graph, due) == "on_track" and state(after, due) == "at_risk":
                return candidate, due
    raise AssertionError("no such change in the seed catalogue")


def test_impact_lists_each_learner_with_organisation_minutes_and_due_dates_at_risk(app):
    new_before, due = _change_that_puts_the_goal_at_risk()
    org = make_org(name="Järvilaakson opisto")
    manager = make_user(org, manager=True)
    frida = make_user(org, name="Frida Forsman")
    team = make_team(org, "Pedagogit", [frida])
    db.session.commit()
    assignment = assign_team(org, manager, team, (GOAL,), days=1)
    assignment.due = due
    db.session.commit()
    client, _admin = admin_client(app)
    response = client.post(
        url(GOAL),
        data={"csrf_token": token(client, url(GOAL)), "action": "add", "before": new_before, "kind": "required"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    row = re.search(rf'<tr data-user="{frida.id}">(.*?)</tr>', html, re.S)
    assert row, "the learner is named"
    row = row.group(1)
    assert "Frida Forsman" in row and "Järvilaakson opisto" in row
    minutes = int(re.search(r"(\d+) minuuttia enemmän", row).group(1))
    assert minutes > 0
    assert "Tuottaminen" in row  # the assignment whose due date moves to at risk
    assert 'id="impact-at-risk"' in html


def test_impact_list_is_bounded_and_counts_the_rest(app):
    from kampus.authoring import prerequisites

    org = make_org()
    people = [make_user(org, name=f"Oppija {n:02d}") for n in range(prerequisites.PEOPLE_LISTED + 3)]
    for person in people:
        _progress(person, "digipedagogiikka", "completed")
        _progress(person, GOAL, "in_progress")
    team = make_team(org, "Kaikki", people)
    manager = make_user(org, manager=True)
    db.session.commit()
    assign_team(org, manager, team, (GOAL,), days=300)
    client, _admin = admin_client(app)
    html = client.post(
        url(GOAL),
        data={"csrf_token": token(client, url(GOAL)), "action": "add", "before": NEW_BEFORE, "kind": "required"},
    ).get_data(as_text=True)
    assert html.count("<tr data-user=") == prerequisites.PEOPLE_LISTED
    assert "ja 3 muuta oppijaa" in html
