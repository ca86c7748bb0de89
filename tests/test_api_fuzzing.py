"""Schemathesis against /api/schema/: every operation, as every role, in process (WSGI).

For each operation the schema lists, schemathesis generates requests from the schema
(valid ones and, in its coverage phase, edge cases) and sends each one as every persona
of the small council in ``tests/api_council.py``, authenticated with that persona's own
API token. Every answer must be free of server errors and match the schema: a documented
status code, the documented content type, a body that fits its schema.

``SCHEMATHESIS_MAX_EXAMPLES`` bounds the examples per operation (default 3, which keeps
CI to a couple of minutes on two cores); run more locally, as the README shows.

The stateful run chains operations by the links schemathesis infers from the schema
(a POST's ``id`` into the GET, PUT, PATCH and DELETE of that record; an import's job into
``/imports/{id}/``), so requests reach real records rather than 404s, as the officer,
the partner's manager and the administrator (the roles that write). It is bounded by
``SCHEMATHESIS_STATEFUL_EXAMPLES`` scenarios of at most ``SCHEMATHESIS_STATEFUL_STEPS``
calls each (default 2 of 6 per role: a few seconds in CI).
"""

from __future__ import annotations

import functools
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from departments.tokens.services import create_token
from tests.api_council import build_council
from tests.conftest import FUZZING_CALLS
from tests.factories import CouncilFactory, DepartmentFactory, PartnershipFactory
from tests.shared_rows import shared_rows

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "2"))
STATEFUL_STEPS = int(os.environ.get("SCHEMATHESIS_STATEFUL_STEPS", "6"))
ROLES = ("officer", "head", "smt", "partner", "auditor", "admin")
WRITING_ROLES = ("officer", "partner", "admin")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Loading the schema is a plain GET of /api/schema/: no database, no signed-in user. As
# JSON, the same schema as the default YAML (each pytest-xdist worker loads it while
# collecting, and writing and reading the YAML took half a second more).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
# The schema's own examples, then generated requests bounded by MAX_EXAMPLES. The coverage
# phase (every boundary of every parameter) is for the longer local run in the README.
schema.config.phases.update(
    phases=os.environ.get("SCHEMATHESIS_PHASES", "examples,fuzzing").split(",")
)


OPERATIONS_SEEN: set[str] = set()
CALLS = {
    "requests": 0,
    "operations": 0,
    "max_examples": MAX_EXAMPLES,
    "roles": len(ROLES),
    "stateful_requests": 0,
    "stateful_scenarios": STATEFUL_EXAMPLES * len(WRITING_ROLES),
}


@pytest.fixture(scope="module", autouse=True)
def _report_calls(request):
    """Say how many requests the run sent, in pytest's closing summary."""
    request.config.stash[FUZZING_CALLS] = CALLS
    yield


@pytest.fixture(scope="module")
def fuzzing_council(django_db_setup, django_db_blocker, tmp_path_factory):
    """Each persona's token header for the council of ``tests/api_council.py``, built once
    for the module (tests/shared_rows.py): each test's own writes are rolled back after
    it, so every operation meets the council as built."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with media, shared_rows(django_db_blocker, "fuzzing_council"):
        with django_db_blocker.unblock():
            council = CouncilFactory()
            housing = DepartmentFactory(council=council, name="Housing", code="housing")
            finance = DepartmentFactory(council=council, name="Finance", code="finance")
            partnership = PartnershipFactory(council=council, name="ICT Partnership")
            users = build_council(housing, finance, partnership).users
            headers = {
                role: {"Authorization": f"Token {create_token(user=user, name='Fuzzing').key}"}
                for role, user in users.items()
                if role in ROLES
            }
        yield headers


@pytest.fixture
def role_headers(fuzzing_council, settings_override):
    return fuzzing_council


@pytest.fixture
def settings_override(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Thousands of requests in one test: the throttles are tested on their own.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": None, "token": None, "token_create": None},
    }
    settings.AXES_ENABLED = False
    # Django closes the database connection at the end of each request; the test client
    # stops it doing so, and so must this direct call of the WSGI handler, or the test's
    # transaction (on PostgreSQL) would be closed under it after the first request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_as_every_role_answers_without_server_errors_within_the_schema(
    case, role_headers
):
    if case.operation.label not in OPERATIONS_SEEN:  # once per operation, not per example
        OPERATIONS_SEEN.add(case.operation.label)
        CALLS["operations"] += 1
    for role, headers in role_headers.items():
        CALLS["requests"] += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except Exception as failure:
            failure.add_note(f"Sent as the {role}.")
            raise


@functools.cache
def _state_machine():
    """The state machine of the schema's links, inferred once for the three roles (the
    stateful phase on, whatever SCHEMATHESIS_PHASES says: schemathesis infers links only
    then)."""
    schema.config.phases.stateful.enabled = True
    return schema.as_state_machine()


@pytest.mark.django_db
@pytest.mark.parametrize("role", WRITING_ROLES)
def test_chained_operations_as_each_writing_role_answer_without_server_errors(role, role_headers):
    headers = role_headers[role]

    class Workflow(_state_machine()):
        # Each chain starts from the same council: what one chain created is rolled back,
        # so the operations a chain may call next depend on that chain alone (Hypothesis
        # replays chains and refuses ones that behave differently the second time).
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            CALLS["stateful_requests"] += 1
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)
            except Exception as failure:
                failure.add_note(f"Sent as the {role}, in a chain of operations.")
                raise

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
