"""Locust users for ``make loadtest``: one user class per persona of ``plan.py``.

Run by ``python manage.py loadtest``, which passes what the council holds (ids, the demo
password, API tokens) as JSON in ``LOADTEST_CONTEXT``. Each simulated person signs in
through the real sign-in form once (CSRF token and all), then visits its persona's pages
at their weights, reading each for ``plan.THINK_SECONDS``; API calls carry the persona's
token. Any answer other than 200 counts as a failure (a lost session's redirect to the
sign-in page too).

Locust's own figures cover the whole run, sign-in rush included. From the moment the last
simulated person has signed in, every request is also counted in ``STEADY``: the figures
of people reading pages. Both are written as JSON to ``LOADTEST_FIGURES_FILE`` when Locust
stops (its ``--csv`` files are written every second, and may miss the last requests).

The server runs with production settings behind no TLS: the users play the part of the
TLS-terminating proxy, sending ``X-Forwarded-Proto: https`` (so Django sees HTTPS, as
``SECURE_PROXY_SSL_HEADER`` says) and sending the secure session and CSRF cookies back
over loopback HTTP.
"""

from __future__ import annotations

import json
import os
import time

from locust import HttpUser, between, events
from locust.stats import RequestStats
from requests.cookies import RequestsCookieJar

from demo.loadtest import plan

CONTEXT = json.loads(os.environ.get("LOADTEST_CONTEXT") or "{}")
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}

STEADY = RequestStats(use_response_times_cache=False)
_sign_ins = 0
_steady_since: float | None = None


class _BehindTheProxy(RequestsCookieJar):
    """Keeps Secure cookies as plain ones, so they go back over loopback HTTP: the proxy
    would have received them over TLS. (Every cookie the server sets is stored through
    ``set_cookie``, and each request sends a copy of the jar made the same way.)"""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class CouncilUser(HttpUser):
    """A member of staff: signs in once, then visits the persona's pages."""

    abstract = True
    persona: plan.Persona
    wait_time = between(*plan.THINK_SECONDS)

    def on_start(self) -> None:
        if not CONTEXT:
            raise RuntimeError("LOADTEST_CONTEXT is not set: run `python manage.py loadtest`.")
        self.client.cookies = _BehindTheProxy()
        self.client.headers.update(PROXY_HEADERS)
        self.sign_in()

    def sign_in(self) -> None:
        try:
            self._post_sign_in_form()
        finally:
            global _sign_ins, _steady_since
            _sign_ins += 1
            runner = self.environment.runner
            everyone = runner.target_user_count if runner else 1
            if _steady_since is None and _sign_ins >= everyone:
                _steady_since = time.time()

    def _post_sign_in_form(self) -> None:
        with self.client.get(
            "/accounts/login/", name="sign-in form", catch_response=True
        ) as response:
            token = plan.csrf_token(response.text)
            if not token:
                response.failure(f"no CSRF token in the sign-in form (HTTP {response.status_code})")
                return
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": self.persona.username,
                "password": CONTEXT["password"],
                "next": "",
            },
            # Django checks the Referer of a form posted over HTTPS.
            headers={"Referer": self.host.replace("http://", "https://") + "/accounts/login/"},
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}, not a redirect")

    def visit(self, page: plan.Page) -> None:
        headers = {}
        if page.api:
            headers["Authorization"] = f"Token {CONTEXT['tokens'][self.persona.username]}"
        with self.client.get(
            page.address(CONTEXT["ids"]),
            name=f"{page.label} [{self.persona.username}]",
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


@events.request.add_listener
def _count_after_the_last_sign_in(
    request_type, name, response_time, response_length, exception=None, **kwargs
) -> None:
    if _steady_since is not None:
        STEADY.log_request(request_type, name, response_time, response_length)
        if exception:
            STEADY.log_error(request_type, name, exception)


@events.quitting.add_listener
def _write_figures(environment, **kwargs) -> None:
    """The whole run's figures and those after the last sign-in, taken together once every
    user has stopped, as JSON in ``LOADTEST_FIGURES_FILE`` for the table of the runner."""
    path = os.environ.get("LOADTEST_FIGURES_FILE")
    if not path:
        return
    whole = environment.stats
    started = whole.total.start_time
    figures = {
        "whole": _figures(whole),
        "after_sign_in": _figures(STEADY),
        "seconds": whole.total.last_request_timestamp - started
        if whole.total.last_request_timestamp
        else 0,
        "last_sign_in_after": None if _steady_since is None else _steady_since - started,
        "failures": [
            {"name": error.name, "error": error.error, "occurrences": error.occurrences}
            for error in whole.errors.values()
        ],
    }
    with open(path, "w") as out:
        json.dump(figures, out, indent=1)


def _figures(stats: RequestStats) -> dict[str, dict]:
    entries = {entry.name: entry for entry in stats.entries.values()}
    entries["total"] = stats.total
    return {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            **{
                f"p{percent}": entry.get_response_time_percentile(percent / 100)
                if entry.num_requests
                else None
                for percent in (50, 95, 99)
            },
        }
        for name, entry in entries.items()
    }


def _visit(page: plan.Page):
    def visit(user: CouncilUser) -> None:
        user.visit(page)

    visit.__name__ = page.label
    return visit


def _user_class(persona: plan.Persona) -> type[CouncilUser]:
    return type(
        persona.name,
        (CouncilUser,),
        {
            "__module__": __name__,
            "__doc__": f"The {persona.username} persona of plan.py.",
            "persona": persona,
            "weight": persona.weight,
            "tasks": {_visit(page): page.weight for page in persona.pages},
        },
    )


# Locust finds the user classes among the module's names.
USER_CLASSES = [_user_class(persona) for persona in plan.PERSONAS]
Officer, Head, Smt, Partner, Auditor, Admin = USER_CLASSES
