"""Charts are plain data, as plotly.js reads them (``reporting.charts.base``): built without
Plotly's figure classes, they must still be what those classes would write. Every chart of
every chart page of the demo council, read back through Plotly's own property checks,
comes out unchanged: every property is a real one, in the form Plotly gives it (a title
string, for one, would come back as ``{"text": ...}``, which plotly.js 3 requires)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import pytest
import time_machine
from django.contrib.auth import get_user_model

from departments.models import BenchmarkMetric, Department, PerformanceIndicator
from partnerships.models import Partnership
from publication.models import PublishedIndicator
from tests.demo_council import demo_council

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
FIGURE = re.compile(r'<script type="application/json" id="([^"]+)-data">(.*?)</script>', re.S)


def _pages() -> dict[str, list[str]]:
    """The chart pages of the demo council, by the demo user who reads them."""
    housing = Department.objects.get(code="housing")
    indicator = PerformanceIndicator.objects.filter(department=housing).order_by("code").first()
    benchmarked = BenchmarkMetric.objects.filter(indicator__isnull=False).first().indicator
    partnership = Partnership.objects.order_by("pk").first()
    published = PublishedIndicator.objects.order_by("pk").first().indicator
    return {
        "smt": [
            "/overview/",
            "/combined/",
            f"/combined/?partnership={partnership.pk}",
            "/coordination/",
            f"/departments/{housing.pk}/",
            f"/indicators/{indicator.pk}/",
            f"/indicators/{benchmarked.pk}/",
            f"/partnerships/{partnership.pk}/",
            f"/public/indicators/{published.code}/",
        ],
        "head": ["/combined/", "/coordination/"],
    }


def test_every_chart_is_what_plotlys_own_figure_would_write(client):
    with time_machine.travel(DAY):
        demo_council(seed=2025, today=date(2026, 11, 28))
        seen = set()
        for username, urls in _pages().items():
            client.force_login(get_user_model().objects.get(username=username))
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200, url
                for dom_id, text in FIGURE.findall(response.content.decode()):
                    figure = json.loads(text)
                    assert json.loads(go.Figure(figure).to_json()) == figure, (url, dom_id)
                    seen.add(dom_id)
    # Every kind of chart the pages draw: trends, heatmaps, bars, scatters, the spread.
    assert len(seen) >= 13, sorted(seen)
