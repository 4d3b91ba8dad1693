"""What the PostgreSQL pass of ``make test`` leaves to the SQLite pass: route × role cells refused
before the route runs (``refused_cell``, tests/conftest.py). A cell that reaches the route must stay."""

from types import SimpleNamespace

from tests.conftest import is_refused_cell
from tests.security.test_route_matrix import LOGIN, Route, managers


def cell(name: str, role: str, expect: dict):
    route = Route("GET", "/org/teams/1", expect)
    return SimpleNamespace(name=name, callspec=SimpleNamespace(params={"route": route, "role": role}))


def test_refused_cells_are_marked_and_cells_that_reach_the_route_are_not():
    expect = managers(200) | {"admin": 405}
    assert expect["anonymous"] == LOGIN
    refused = {role for role in expect if is_refused_cell(cell("test_route_matrix[x]", role, expect))}
    # manager_b's 404 comes from the organisation-scoped query itself: it runs on PostgreSQL too
    assert refused == {"anonymous", "learner_a", "admin"}


def test_csrf_and_sign_in_checks_are_refused_before_any_view():
    assert is_refused_cell(SimpleNamespace(name="test_every_post_route_needs_a_csrf_token[POST /x]"))
    assert is_refused_cell(SimpleNamespace(name="test_visitors_are_sent_to_sign_in[/x]"))
    assert not is_refused_cell(SimpleNamespace(name="test_a_team_of_two_thousand_is_paged"))
