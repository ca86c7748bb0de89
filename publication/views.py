"""The public portal at /public/ (no sign-in) and its open-data files.

Every page and file reads ``cached_portal`` (``publication.cache``), built from
``publication.selectors.public_returns`` alone, so nothing unpublished, unsigned or in
draft can reach them. Staff are never named: the portal's dataclasses hold no person.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from core.tabular import CSV_CONTENT_TYPE
from departments.periods import periods_between
from departments.rating import Rag
from publication import open_data
from publication.cache import cached_portal
from publication.selectors import RAG_WORDS, Portal, PublicIndicator
from reporting.charts.dashboards import TrendWords, indicator_trend

SEARCH_LIMIT = 100  # characters of a search; a longer one is cut, never an error


def _licence() -> dict:
    return {"licence": open_data.LICENCE, "licence_url": open_data.LICENCE_URL}


@require_safe
def portal_home(request: HttpRequest) -> HttpResponse:
    """Published indicators by theme and department, with a search."""
    portal = cached_portal()
    query = request.GET.get("q", "").strip()[:SEARCH_LIMIT]
    return render(
        request,
        "publication/portal.html",
        {
            "portal": portal,
            "query": query,
            "results": portal.search(query) if query else None,
            "themes": portal.by_theme(),
            **_licence(),
        },
    )


# The trend in the portal's words: its ratings as the cards say them, a gap as such.
RESIDENTS_WORDS = TrendWords(
    missing="No published figure", rating_heading="Rating", ratings=RAG_WORDS
)


def _public_indicator(portal: Portal, code: str) -> PublicIndicator:
    indicator = portal.by_code(code)
    if indicator is None:
        raise Http404("No published indicator has this code.")
    return indicator


@require_safe
def public_indicator(request: HttpRequest, code: str) -> HttpResponse:
    """One published indicator: latest figure, rating, direction, trend and commentary."""
    indicator = _public_indicator(cached_portal(), code)
    # Every period from the first figure to the latest: one without a published figure
    # is a gap in the line and a row saying so in the table, never joined across.
    figures = {f.period: f for f in indicator.figures}
    span = periods_between(indicator.figures[0].period, indicator.figures[-1].period)
    shown = [figures.get(period) for period in span]
    chart = indicator_trend(
        dom_id="public-trend",
        title=f"{indicator.title}, every signed-off period",
        code=indicator.title,
        labels=[period.short_label for period in span],
        values=[f.value if f else None for f in shown],
        targets=[f.target if f else None for f in shown],
        rags=[f.rag if f else Rag.NOT_RATED for f in shown],
        decimal_places=indicator.decimal_places,
        unit=indicator.unit_label,
        words=RESIDENTS_WORDS,
    )
    commentary = [f for f in reversed(indicator.figures) if f.commentary]
    return render(
        request,
        "publication/indicator.html",
        {"indicator": indicator, "chart": chart, "commentary": commentary, **_licence()},
    )


@require_safe
def open_data_page(request: HttpRequest) -> HttpResponse:
    """The datasets, each at a stable URL, with the licence."""
    return render(request, "publication/open_data.html", {"portal": cached_portal(), **_licence()})


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return open_data.open_to_any_site(response)


def _json(document: dict, filename: str) -> HttpResponse:
    content = json.dumps(document, ensure_ascii=False, indent=2).encode()
    return _download(content, "application/json", filename)


@require_safe
def council_csv(request: HttpRequest) -> HttpResponse:
    return _download(
        open_data.csv_file(cached_portal().indicators), CSV_CONTENT_TYPE, "council-performance.csv"
    )


@require_safe
def council_json(request: HttpRequest) -> HttpResponse:
    url = request.build_absolute_uri(reverse("publication:council-json"))
    document = open_data.json_document(
        cached_portal().indicators, dataset="Council performance", url=url
    )
    return _json(document, "council-performance.json")


@require_safe
def indicator_csv(request: HttpRequest, code: str) -> HttpResponse:
    indicator = _public_indicator(cached_portal(), code)
    return _download(open_data.csv_file([indicator]), CSV_CONTENT_TYPE, f"{code}.csv")


@require_safe
def indicator_json(request: HttpRequest, code: str) -> HttpResponse:
    indicator = _public_indicator(cached_portal(), code)
    url = request.build_absolute_uri(reverse("publication:indicator-json", args=[code]))
    document = open_data.json_document([indicator], dataset=indicator.title, url=url)
    return _json(document, f"{code}.json")


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404 under /public/ (``NOT_FOUND_VIEWS``): the residents' page, pointing back to the
    measures, never the staff's page that offers a home page behind a sign-in."""
    return render(request, "publication/not_found.html", _licence(), status=404)
