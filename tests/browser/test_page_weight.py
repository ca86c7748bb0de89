"""Lighter chart pages: with static files collected as ``make run`` and production collect
them, the overview's first visit transfers under 1.5 MB (plotly.js crosses the network
brotli-compressed) and a second visit takes every static file from the browser's cache.

The server is a live server without Django's static files handler (which would serve the
files itself, uncompressed), so whitenoise serves them as it does under ``make run``.
"""

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_dashboards import _sign_in
from tests.demo_council import demo_council

BUDGET = 1_500_000  # bytes a chart page may transfer on a first visit (issue 16, item 9)
A_YEAR = 365 * 24 * 60 * 60


class _Recording:
    """The site as a WSGI application, noting each path a request reached the server for."""

    def __init__(self, application):
        self.application = application
        self.paths: list[str] = []

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        return self.application(environ, start_response)


@pytest.fixture
def collected_static(settings, request):
    """Static files collected, hashed and compressed, and served from there (the settings
    ``DJANGO_STATIC_COLLECTED=1`` gives the embedded default). The project's own files and
    plotly.js only (the pages' files; not the admin's or the API browser's, whose brotli
    copies would take a minute of CPU more), collected into pytest's cache folder, which
    outlives the run: a file compressed before is not compressed again
    (core/staticfiles.py), so only a first run pays for plotly.js's brotli copy."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "core.staticfiles.CollectedStaticFilesStorage"},
    }
    settings.STATIC_ROOT = request.config.cache.mkdir("collected-static")
    settings.STATICFILES_FINDERS = [
        finder
        for finder in settings.STATICFILES_FINDERS
        if not finder.endswith(".AppDirectoriesFinder")
    ]
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


@pytest.fixture
def whitenoise_server(collected_static):
    server = LiveServer("localhost:0", start=False)
    recording = None

    def static_handler(application):
        nonlocal recording
        recording = _Recording(application)  # in place of Django's StaticFilesHandler
        return recording

    server.thread.static_handler = static_handler
    server.start()
    server.recording = lambda: recording
    yield server
    server.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_overview_transfers_under_budget_then_comes_from_the_cache(whitenoise_server, page):
    demo_council(seed=2025, today=timezone.localdate())
    base = whitenoise_server.url
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    _sign_in(page, base, "smt")
    page.goto(f"{base}/overview/")
    page.wait_for_selector("svg.main-svg")
    page.wait_for_load_state("networkidle")

    # Everything the browser fetched from signing in to the drawn charts: bodies as they
    # crossed the network (compressed) and their headers.
    transferred = sum(
        response.sizes()["responseBodySize"] + response.sizes()["responseHeadersSize"]
        for response in responses
    )
    static = [r for r in responses if "/static/" in r.url]
    plotly = next(r for r in static if "/static/plotly/plotly.min." in r.url)
    assert plotly.response().header_value("content-encoding") == "br"
    assert plotly.sizes()["responseBodySize"] < 1_200_000  # 4.8 MB as shipped
    assert transferred < BUDGET, f"{transferred:,} bytes"
    print(f"first visit, signing in and the overview: {transferred:,} bytes")
    for response in static:
        cache_control = response.response().header_value("cache-control")
        assert f"max-age={10 * A_YEAR}" in cache_control and "immutable" in cache_control, (
            response.url,
            cache_control,
        )

    # The second visit asks the server for the page alone.
    reached = whitenoise_server.recording().paths
    reached.clear()
    page.goto(f"{base}/overview/")
    page.wait_for_selector("svg.main-svg")
    page.wait_for_load_state("networkidle")
    assert reached == ["/overview/"]
