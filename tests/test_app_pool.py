"""The app pool of tests/conftest.py: an app lent to the next test starts as if it were new,
on a fresh database of the kind asked for, with the configuration it was built with and no
memory of the last test. If it did not, tests would pass or fail by the order they run in."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kampus.catalogue.models import Module
from kampus.catalogue.services import GRAPH_CACHE, catalogue_graph
from kampus.extensions import db
from kampus.orgs.models import Organisation
from tests.conftest import APP_POOL, AppPool, app_factory
from tests.factories import make_org

# an override no other test gives, so that no other test's app is taken or lent here
PROBE = {"KAMPUS_TEST_POOL_PROBE": __name__}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.db  # PostgreSQL resets a lent app's database its own way
def test_a_lent_app_starts_on_a_fresh_database_with_its_own_configuration(databases):
    with app_factory(databases) as make_app:
        first = make_app("catalogue", **PROBE)
        base_url = first.config["KAMPUS_BASE_URL"]
        with first.app_context():
            make_org()
            db.session.commit()
            catalogue_graph()
            assert count(Organisation) == 1 and count(Module) > 0
        first.config["KAMPUS_BASE_URL"] = "https://changed.example.fi"
        first.config["SOMETHING_NEW"] = 1

    with app_factory(databases) as make_app:
        again = make_app("catalogue", **PROBE)
        assert again is first, "the app was not lent: this test checks nothing"
        assert again.config["KAMPUS_BASE_URL"] == base_url and "SOMETHING_NEW" not in again.config
        with again.app_context():
            assert count(Organisation) == 0 and count(Module) > 0
            builds = GRAPH_CACHE.builds
            catalogue_graph()  # the same URL and catalogue version: only an emptied cache builds again
            assert GRAPH_CACHE.builds == builds + 1

    with app_factory(databases) as make_app:
        empty = make_app("empty", **PROBE)
        assert empty is first
        with empty.app_context():
            assert count(Module) == 0


def test_apps_given_objects_or_a_shared_redis_are_never_lent():
    assert AppPool.key({"KAMPUS_BASE_URL": "https://a.example.fi"}) is not None
    assert AppPool.key({"HOOKS": [print]}) is None
    assert AppPool.key({"CACHE_URL": "redis://127.0.0.1:6379/1"}) is None
    assert APP_POOL.take(None) is None
