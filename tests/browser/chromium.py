"""Debian's Chromium, launched once for a run of consecutive browser tests."""

import os

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _Chromium:
    """One Chromium for a run of consecutive browser tests in this process.

    Launching Chromium costs about a second; each test still gets a fresh browser context
    (its own cookies, storage and cache). Playwright's sync API keeps an event loop in
    this thread while it runs, so Django is told that the ORM calls of fixtures and of the
    live server's set-up are synchronous (DJANGO_ALLOW_ASYNC_UNSAFE) for exactly that
    time: the browser is stopped before the first test of another kind starts
    (``pytest_runtest_setup`` in tests/conftest.py), so no other test runs beside a
    running loop.
    """

    def __init__(self):
        self._playwright = None
        self.browser = None

    def start(self):
        if self.browser is None:
            from playwright.sync_api import sync_playwright

            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self._playwright = sync_playwright().start()
            self.browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, args=LAUNCH_ARGS
            )
        return self.browser

    def stop(self):
        if self.browser is not None:
            self.browser.close()
            self._playwright.stop()
            self.browser = self._playwright = None
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


SHARED_CHROMIUM = _Chromium()
