"""The combined view's figures for a month, cached, for its page
(``reporting/pages/combined.py``), ``GET /api/v1/metrics/combined/`` and the monthly pack's
combined sections; they are worked out by ``reporting.metrics.combined.combined_figures``."""

from __future__ import annotations

from departments.models import Department
from departments.periods import Period
from partnerships.models import Partnership
from reporting.figures.cache import cached_figures
from reporting.metrics import combined


def cached_combined_figures(
    month: Period, *, departments: list[Department], partnership: Partnership | None
) -> tuple[combined.CombinedFigures, bool]:
    """``combined_figures``, cached until a write retires it (``reporting/figures/cache.py``): the
    page, the API and the pack read the same entry, scoped by the partnership and the
    departments."""
    return cached_figures(
        "combined",
        month=month,
        scope=[partnership.pk if partnership else "all", *(d.pk for d in departments)],
        build=lambda: combined.combined_figures(
            month, departments=departments, partnership=partnership
        ),
    )
