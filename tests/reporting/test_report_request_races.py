"""Fifty requests for the same report at once by one person, on PostgreSQL with real
commits: one run is stored and every request is answered with it (a form sent many times,
a script in a loop), rather than fifty runs building the same file."""

from __future__ import annotations

import pytest

from reporting.models import ReportRun
from reporting.reports import services
from tests.factories import IndicatorFactory
from tests.races import AT_ONCE, api_post, at_once, race_ready, statuses  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("race_ready")]


def test_fifty_identical_requests_at_once_store_one_run(audrey, housing, monkeypatch):
    # The runs wait for a worker, as with a real broker, rather than being built at once.
    monkeypatch.setattr(services, "_dispatch_after_commit", lambda run: None)
    IndicatorFactory(department=housing)  # something of the report within her scope
    body = {"kind": "returns", "file_format": "csv", "parameters": {"period": "2025-26-P06"}}

    responses = at_once([api_post(audrey, "/api/v1/reports/", body) for _ in range(AT_ONCE)])

    assert statuses(responses) == {202: AT_ONCE}
    run = ReportRun.objects.get()
    assert {response.json()["id"] for response in responses} == {run.pk}
