"""The coordination page's charts, cached beside its figures: each reader gets the chart of
the department in focus or of the council, never another's from the cache."""

from __future__ import annotations

from unittest.mock import patch

import pytest

from reporting.charts.dashboards import coordination_chart

pytestmark = pytest.mark.django_db

URL = "/coordination/"


def _title(response) -> str:
    assert response.status_code == 200
    return response.context["chart"].title


def test_each_focus_has_its_own_chart_and_each_is_drawn_once(client, sam, harriet, housing):
    client.force_login(sam)
    with patch(
        "reporting.pages.coordination.coordination_chart", wraps=coordination_chart
    ) as drawn:
        assert _title(client.get(URL)) == "Council coordination index over the last 24 months"
        assert "matrix" in client.get(URL).context
        focused = client.get(f"{URL}?department={housing.pk}")
        assert _title(focused) == "Housing coordination index over the last 24 months"
        assert "matrix" in focused.context  # the SMT reads the council-wide matrix too
        # The council's chart again, from the cache: not the department's drawn last.
        assert _title(client.get(URL)).startswith("Council ")
        assert drawn.call_count == 2

        # A head of service reads their own department, council-wide figures left out.
        client.force_login(harriet)
        own = client.get(URL)
        assert _title(own) == "Housing coordination index over the last 24 months"
        assert "matrix" not in own.context
        assert drawn.call_count == 3
