"""The council overview's figures for a month, cached, for its page
(``reporting/pages/overview.py``) and ``GET /api/v1/metrics/overview/``; they are worked out
by ``reporting.metrics.overview.overview_figures``."""

from __future__ import annotations

from departments.periods import Period
from reporting.figures.cache import cached_figures
from reporting.metrics import overview
from reporting.metrics.health import trailing_months


def cached_overview_figures(month: Period) -> tuple[overview.OverviewFigures, bool]:
    """``overview_figures`` over the 24 months to ``month``, cached until a write retires
    it (``reporting/figures/cache.py``): the page and the API read the same entry."""
    return cached_figures(
        "overview",
        month=month,
        build=lambda: overview.overview_figures(month, trailing_months(month)),
    )
