"""Test set-up shared by every app.

The test database is created from the migrations and loaded once with the bundled
reference data (gazetteer, actors, sources), as `manage.py setup` does; each test
then runs in a transaction that is rolled back.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from django.conf import settings

SHARED_DIR = Path(os.environ.get("TIDEMARK_SHARED_DIR", Path(__file__).resolve().parent.parent / "shared"))

# Processes the tests start (a Celery worker) load the production settings (DEBUG off), which
# refuse to start without a key and a host list; tests are no deployment, so they supply them.
os.environ.setdefault("DJANGO_SECRET_KEY", "tidemark-tests-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from conflict.services.reference import reference_setup

    with django_db_blocker.unblock():
        reference_setup()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (live_server, a worker) ends with a flush of every table, which
    also removes the reference data and groups the session loaded; put them back once the
    flush is done, so tests that run later find the database as promised above."""
    yield
    if not ({"transactional_db", "live_server"} & set(item.fixturenames) or _marked_transactional(item)):
        return
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("test_"):  # skipped before the test database was made
        return
    from django.contrib.auth.models import Group
    from pytest_django.plugin import blocking_manager_key

    from conflict.services.reference import reference_setup
    from reports.lexicon import lexicon_reset

    with item.config.stash[blocking_manager_key].unblock():
        reference_setup()
        for name in ("editor", "admin"):
            Group.objects.get_or_create(name=name)
    lexicon_reset()  # its cached tables name the ids of the rows just flushed


def _marked_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.fail(f"the shared folder {SHARED_DIR} is missing; set TIDEMARK_SHARED_DIR")
    return SHARED_DIR


@pytest.fixture(scope="session")
def seeds_dir(shared_dir: Path) -> Path:
    return shared_dir / "seeds"


@pytest.fixture(scope="session")
def score_events(shared_dir: Path):
    """The shared scorer's `score(gold, pred, aliases, verbose)` (../shared/tools/score_events.py):
    the same one that is run on reports this project never sees."""
    path = shared_dir / "tools" / "score_events.py"
    spec = importlib.util.spec_from_file_location("score_events", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["score_events"] = module  # score_control.py imports it by this name
    spec.loader.exec_module(module)
    return module.score


@pytest.fixture
def editor(db):
    from conflict.tests.factories import UserFactory

    return UserFactory(groups=["editor"])


@pytest.fixture
def eager():
    """Celery tasks run in this process, whatever broker the environment names."""
    from config.celery import app

    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tests see what a task does at once, unless they test the real queue: those ask for
    `broker_url` and start a worker (CI sets CELERY_BROKER_URL for them)."""
    if "broker_url" in request.fixturenames:
        yield
        return
    yield request.getfixturevalue("eager")


@pytest.fixture
def broker_url() -> str:
    """The Celery broker for tests that need a real one. Skips only where none is
    configured (a laptop); in CI a missing broker is a failure."""
    url = settings.CELERY_BROKER_URL
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CELERY_BROKER_URL is not set in CI")
        pytest.skip("no Celery broker configured (CELERY_BROKER_URL unset): tasks run in-process")
    return url
