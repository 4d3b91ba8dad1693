"""What an edit would change for learners, before it is saved."""

from kampus.graph import ImpactLearner, build_graph, impact


def module(slug, position=0):
    return {
        "slug": slug,
        "theme": "theme-1",
        "theme_position": 1,
        "position": position,
        "level": "A1",
        "minutes": 30,
        "status": "published",
    }


def edge(before, after, kind="required"):
    return {"before": before, "after": after, "kind": kind}


SLUGS = ["intro", "basics", "practice", "advanced", "extra"]
MODULES = [module(slug, index) for index, slug in enumerate(SLUGS)]
EDGES = [edge("intro", "basics"), edge("basics", "advanced")]


def graphs(*added, removed_modules=()):
    before = build_graph(MODULES, EDGES)
    after = build_graph(
        [m for m in MODULES if m["slug"] not in removed_modules],
        [e for e in EDGES + list(added) if e["before"] not in removed_modules and e["after"] not in removed_modules],
    )
    return before, after


def test_a_new_required_edge_locks_a_started_module_and_changes_the_plan():
    before, after = graphs(edge("practice", "advanced"))
    learners = {
        1: ImpactLearner(goals=["advanced"], satisfied={"intro", "basics"}, in_progress={"advanced"}),
        2: ImpactLearner(goals=["basics"], satisfied={"intro"}, in_progress={"basics"}),
    }
    result = impact(before, after, learners)
    assert result.changed == [1]
    assert result.learners_changed == 1
    assert result.newly_locked == {"advanced": [1]}


def test_a_module_already_locked_is_not_newly_locked():
    before, after = graphs(edge("practice", "advanced"))
    learners = {7: ImpactLearner(goals=["advanced"], satisfied=set(), in_progress={"advanced"})}
    result = impact(before, after, learners)
    assert result.changed == [7]
    assert result.newly_locked == {}


def test_a_recommended_edge_reorders_without_locking():
    before, after = graphs(edge("extra", "intro", "recommended"))
    learners = {3: {"goals": ["intro", "extra"], "satisfied": [], "in_progress": ["intro"]}}
    result = impact(before, after, learners)
    assert result.changed == [3]
    assert result.newly_locked == {}


def test_an_edit_away_from_a_learners_path_changes_nothing_for_them():
    before, after = graphs(edge("practice", "extra"))
    learners = {
        1: {"goals": ["advanced"], "satisfied": ["intro"], "in_progress": ["basics"]},
        2: {"goals": ["extra"], "satisfied": [], "in_progress": ["extra"]},
    }
    result = impact(before, after, learners)
    assert result.changed == [2]
    assert result.newly_locked == {"extra": [2]}


def test_identical_graphs_change_nothing():
    before, after = graphs()
    learners = {n: ImpactLearner(goals=["advanced"], satisfied=set(), in_progress={"intro"}) for n in range(5)}
    result = impact(before, after, learners)
    assert result.changed == []
    assert result.newly_locked == {}
    assert result.learners_changed == 0


def test_a_removed_goal_is_dropped_rather_than_refused():
    before, after = graphs(removed_modules=("advanced",))
    learners = {
        5: {"goals": ["advanced"], "satisfied": ["intro"], "in_progress": ["advanced"]},
        6: {"goals": ["basics"]},
    }
    result = impact(before, after, learners)
    assert result.changed == [5]
    assert result.newly_locked == {}


def test_learner_ids_and_module_lists_come_back_sorted():
    before, after = graphs(edge("practice", "advanced"))
    state = {"goals": ["advanced"], "satisfied": ["intro", "basics"], "in_progress": ["advanced"]}
    result = impact(before, after, {30: state, 4: state, 12: state})
    assert result.changed == [4, 12, 30]
    assert result.newly_locked == {"advanced": [4, 12, 30]}


def test_a_changed_plan_reports_its_minutes_and_a_due_date_that_moves_to_at_risk():
    import datetime as dt

    today = dt.date(2026, 12, 7)
    before, after = graphs(edge("practice", "advanced"), edge("extra", "practice"))
    # Advanced alone is 30 minutes (one week at 30 a week); after the edit practice and extra come first.
    tight = ImpactLearner(["advanced"], {"intro", "basics"}, (), today + dt.timedelta(days=7), 30, today)
    roomy = ImpactLearner(["advanced"], {"intro", "basics"}, (), today + dt.timedelta(days=70), 30, today)
    result = impact(before, after, {"tight": tight, "roomy": roomy, "personal": ImpactLearner(["advanced"])})
    assert result.minutes["tight"] == (30, 90) and result.minutes["roomy"] == (30, 90)
    assert result.at_risk == {"tight": ("on_track", "at_risk")}  # roomy still has time; personal has no due date
