"""Personas as fixtures (STYLE.md point 10): the people the product serves.

alice: officer of Housing; bob: officer of Finance; harriet: head of Housing;
sam: SMT member; pat: the partner's contract manager; audrey: an auditor; ada: admin;
mo: an elected member (councillor).
"""

import pytest

from departments.roles import Role
from tests.browser.chromium import SHARED_CHROMIUM
from tests.factories import (
    CouncilFactory,
    DepartmentFactory,
    MembershipFactory,
    PartnershipFactory,
    UserFactory,
)
from tests.shared_rows import OPEN as OPEN_SHARED_ROWS

PASSWORD = "correct-horse-battery"
# Requests the schemathesis run sent (tests/test_api_fuzzing.py), for the closing summary.
FUZZING_CALLS = pytest.StashKey[dict]()


def pytest_terminal_summary(terminalreporter, config):
    calls = config.stash.get(FUZZING_CALLS, None)
    if calls and calls["requests"]:
        terminalreporter.write_line(
            f"schemathesis: {calls['requests']} requests over {calls['operations']} operations "
            f"(up to {calls['max_examples']} generated examples each, as {calls['roles']} roles)"
        )
    if calls and calls.get("stateful_requests"):
        terminalreporter.write_line(
            f"schemathesis stateful: {calls['stateful_requests']} requests in "
            f"{calls['stateful_scenarios']} chains of operations"
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests and slow tests first, each group in its own order, and with
    pytest-xdist each group at the front of its own worker's share.

    ``--dist worksteal`` first hands each worker an equal run of consecutive tests (the
    first worker the first run, and so on), which the worker runs from the front; a worker
    that runs out then takes the back half of another's remaining run. With both groups at
    the front of the list, the first worker alone would run every long test, one after
    another, for longer than the other worker takes for all the rest. So the browser tests
    (one Chromium for the lot, tests/browser/chromium.py) open the first worker's run and
    the other slow tests the second's, and nothing long is left for the end."""
    browser = [item for item in items if item.get_closest_marker("browser")]
    chosen = set(browser)
    slow = [item for item in items if item not in chosen and item.get_closest_marker("slow")]
    chosen.update(slow)
    rest = [item for item in items if item not in chosen]
    starts = _worker_runs(len(items), getattr(config, "workerinput", {}).get("workercount", 1))
    groups = [browser, slow] if len(starts) > 1 else [browser + slow]
    ordered = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(items)
        group = groups[index] if index < len(groups) else []
        size = max(0, end - start - len(group))
        ordered += group + rest[:size]
        rest = rest[size:]
    items[:] = ordered + rest


def _worker_runs(count: int, workers: int) -> list[int]:
    """Where each worker's first run of tests starts in a list of ``count`` tests, as
    pytest-xdist's worksteal scheduler shares them out (xdist/scheduler/worksteal.py:
    each worker in turn takes the tests left divided by the workers left)."""
    starts, left = [], count
    for remaining in range(workers, 0, -1):
        starts.append(count - left)
        left -= left // remaining
    return starts


@pytest.fixture
def council(db):
    return CouncilFactory()


@pytest.fixture
def housing(council):
    return DepartmentFactory(council=council, name="Housing", code="housing")


@pytest.fixture
def finance(council):
    return DepartmentFactory(council=council, name="Finance", code="finance")


@pytest.fixture
def partnership(council):
    return PartnershipFactory(council=council, name="ICT Strategic Service Partnership")


def _member(username: str, role: str, **scope):
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, **{"department": None, **scope})
    return user


@pytest.fixture
def alice(housing):
    return _member("alice", Role.OFFICER, department=housing)


@pytest.fixture
def bob(finance):
    return _member("bob", Role.OFFICER, department=finance)


@pytest.fixture
def harriet(housing):
    return _member("harriet", Role.HEAD, department=housing)


@pytest.fixture
def sam(council):
    return _member("sam", Role.SMT)


@pytest.fixture
def pat(partnership):
    return _member("pat", Role.PARTNER, partnership=partnership)


@pytest.fixture
def audrey(council):
    return _member("audrey", Role.AUDITOR)


@pytest.fixture
def ada(council):
    return _member("ada", Role.ADMIN)


@pytest.fixture
def mo(council):
    return _member("mo", Role.MEMBER)


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in process in tests, except where a test starts a real worker.

    CI sets REDIS_URL, which turns eager mode off in settings; tests that dispatch a task
    without a worker would otherwise wait for ever.
    """
    from config.celery import app

    eager = request.node.get_closest_marker("celery_worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    """Uploaded imports and built reports go to the test's own folder, not ./media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """Each test database is created straight from the models (Django's TEST ``MIGRATE``
    off), not by running every migration: the migrations render the project's model
    states again at each step, about 12 seconds of CPU per pytest-xdist worker, and no
    migration stores rows a test reads (their RunPython steps only rewrite rows already
    stored). That the migrations build the models' schema is tested once, from an empty
    database (tests/test_migrations.py); Django switches the migrations off only while it
    creates the test database, so that test and the data migrations' tests still see them."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        database.setdefault("TEST", {})["MIGRATE"] = False


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Hashing with PBKDF2's full work factor would dominate the suite's run time. For the
    whole session, so rows shared by a module's tests are hashed the same way too."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _static_files_found_when_asked_for():
    """Static files are found when a request asks for one, as on the embedded default
    (whitenoise's autorefresh, which follows DEBUG there). Tests run with DEBUG off, and
    whitenoise would otherwise index every static file of every app each time a test
    client loads the middleware: about 30 ms a client, a third of the API role sweep's
    time, for an index that a production process builds once."""
    from django.test import override_settings

    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def _demo_council_shared_between_workers(tmp_path_factory, worker_id):
    """The pytest-xdist workers of a run share their copies of the demo council
    (tests/demo_council.py) in the run's temporary directory, which pytest clears away
    with its old runs."""
    from tests import demo_council

    if worker_id != "master":
        demo_council.SHARED_FOLDER = tmp_path_factory.getbasetemp().parent / "demo-council"


@pytest.fixture(autouse=True)
def _shared_rows_only_where_asked(request):
    """A module's shared rows (tests/shared_rows.py) are seen only by the tests that ask for
    them, and only by tests that roll back their own writes: a test that would see rows it
    did not ask for, or flush them for the tests after it, fails here instead."""
    unasked = [name for name in OPEN_SHARED_ROWS if name not in request.fixturenames]
    uses_database = request.node.get_closest_marker("django_db") or (
        {"db", "transactional_db"} & set(request.fixturenames)
    )
    if unasked and uses_database:  # a test without the database cannot see any row
        pytest.fail(f"this test would see the shared rows of {', '.join(unasked)}: ask for them")
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if OPEN_SHARED_ROWS and transactional:
        pytest.fail("a transactional test cannot run on shared rows: it would flush them")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: in CI the cache is the shared Redis, and a
    cached dashboard or period generation from another test must never leak in. So too
    Django's content-type cache: a flush (transactional tests) or a copied demo council
    (tests/demo_council.py) gives content types other ids than the ones it may hold."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    cache.clear()
    ContentType.objects.clear_cache()
    yield


@pytest.fixture(scope="session", autouse=True)
def _end_stray_sessions(django_db_setup, django_db_blocker):
    """Live-server threads and worker processes may still hold a session on the test
    database when the run ends; PostgreSQL then refuses to drop it and the next run
    starts from a leftover. End those sessions first, so teardown drops it cleanly."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID Connect provider (oidc-provider-mock) in its own process on a free
    loopback port, started once per test process and stopped at the end."""
    from tests.oidc_provider import start_provider, stop_provider

    process, provider = start_provider()
    yield provider
    stop_provider(process)


@pytest.fixture
def council_sign_on(settings, oidc_provider):
    """Single sign-on on, against the real provider, for one test."""
    from tests.oidc_provider import use_provider

    use_provider(settings, oidc_provider.issuer)
    return oidc_provider


@pytest.fixture
def migrations_database(db, tmp_path):
    """An empty database of its own for a data migration's test, every query routed to
    it (tests/scratch_database.py): ``migrations_database.migrate(targets)``."""
    from tests.scratch_database import scratch_database

    with scratch_database(tmp_path) as database:
        yield database


def pytest_runtest_setup(item):
    """A test that is not a browser test never runs beside the browser tests' Chromium
    and its event loop (tests/browser/chromium.py)."""
    if item.get_closest_marker("browser") is None:
        SHARED_CHROMIUM.stop()


def pytest_sessionfinish(session):
    SHARED_CHROMIUM.stop()
