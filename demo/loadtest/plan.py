"""What each simulated person does in the load test: their pages, API calls and weights.

Plain data and two small helpers, with no Locust import: ``locustfile.py`` turns each
persona into a Locust user class, ``python manage.py loadtest`` fills the addresses in
from the seeded council (``context``), and the test suite checks every address against
the real app without Locust installed (tests/demo/test_loadtest_plan.py).

A persona is one demo user (bench.py's usernames); every simulated person of that role
signs in as it, through the sign-in form, once. Its API calls carry that user's API token.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# Seconds a person spends reading a page before the next one: a busy morning.
THINK_SECONDS = (3.0, 10.0)
# The name of the throwaway API tokens the run makes and revokes.
TOKEN_NAME = "load test"


@dataclass(frozen=True)
class Page:
    """One page or API call: ``url`` is a template filled from ``context()["ids"]``; a
    placeholder whose value is a list takes one of its items at random on each visit."""

    label: str
    url: str
    weight: int
    api: bool = False  # sent with the persona's API token instead of its session

    def address(self, ids: dict, rng: random.Random | None = None) -> str:
        rng = rng or random
        return self.url.format(
            **{
                key: rng.choice(value) if isinstance(value, list) else value
                for key, value in ids.items()
            }
        )

    def addresses(self, ids: dict) -> list[str]:
        """Every address this page may visit (each item of each list placeholder)."""
        lists = {key: value for key, value in ids.items() if isinstance(value, list)}
        used = [key for key in lists if "{" + key + "}" in self.url]
        if not used:
            return [self.address(ids)]
        # One list placeholder per page is all the plan uses.
        (key,) = used
        return [self.url.format(**{**ids, key: item}) for item in lists[key]]


@dataclass(frozen=True)
class Persona:
    name: str  # the Locust user class
    username: str  # the demo user it signs in as
    weight: int  # its share of the simulated users
    pages: tuple[Page, ...]

    @property
    def uses_api(self) -> bool:
        return any(page.api for page in self.pages)


# Weights add up to 50, so 50 users are exactly 18 officers, 10 heads of service, 7 SMT
# members, 6 partner managers, 6 auditors and 3 administrators.
PERSONAS = (
    Persona(
        "Officer",
        "officer",
        18,
        (
            Page("home", "/", 2),
            Page("my returns", "/returns/", 4),
            Page("return form", "/returns/enter/{housing_indicator}/{latest_month}/", 3),
            Page("referrals list", "/referrals/", 2),
            Page(
                "api returns", "/api/v1/returns/?period={latest_month}&page_size=100", 2, api=True
            ),
        ),
    ),
    Persona(
        "Head",
        "head",
        10,
        (
            Page("home", "/", 2),
            Page("department page", "/departments/{housing}/", 3),
            Page("returns of the month", "/returns/?period={latest_month}", 3),
            Page("coordination", "/coordination/", 2),
        ),
    ),
    Persona(
        "Smt",
        "smt",
        7,
        (
            Page("overview", "/overview/", 3),
            Page("combined view", "/combined/", 2),
            Page("coordination", "/coordination/", 2),
            Page("early warnings", "/early-warnings/", 2),
            Page("partnership page", "/partnerships/{partnership}/", 2),
            Page("sign-off page", "/periods/{latest_month}/sign-off/", 1),
        ),
    ),
    Persona(
        "Partner",
        "partner",
        6,
        (
            Page("partnership page", "/partnerships/{partnership}/", 3),
            Page("sla results page", "/partnerships/{partnership}/sla-results/{latest_month}/", 4),
            Page(
                "api sla-results",
                "/api/v1/sla-results/?period={previous_month}&page_size=100",
                2,
                api=True,
            ),
        ),
    ),
    Persona(
        "Auditor",
        "auditor",
        6,
        (
            Page("overview", "/overview/", 2),
            Page("reports page", "/reports/", 2),
            Page("audit trail", "/audit-trail/", 3),
        ),
    ),
    Persona(
        "Admin",
        "admin",
        3,
        (
            Page("home", "/", 1),
            Page("admin index", "/admin/", 1),
            Page("admin indicators", "/admin/departments/performanceindicator/", 2),
            Page("api indicators", "/api/v1/indicators/?page_size=100", 2, api=True),
        ),
    ),
)

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def csrf_token(html: str) -> str | None:
    """The CSRF token of the first form in a page, as a browser would post it back."""
    match = _CSRF_FIELD.search(html)
    return match.group(1) if match else None


def context() -> dict:
    """What the Locust process needs from the seeded council, as JSON-ready values: real
    ids and period keys for the addresses (as bench.py's placeholders), the demo password,
    and a new API token for each persona that calls the API (revoke with
    ``revoke_tokens``)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from departments import periods
    from departments.models import KpiReturn, Membership
    from departments.tokens.services import create_token

    latest = periods.latest_closed(periods.PeriodKind.MONTH)
    housing_returns = KpiReturn.objects.filter(
        department__code="housing", period=latest.key
    ).order_by("pk")[:10]
    if not housing_returns:
        raise LookupError(f"No Housing returns for {latest.key}: is the demo council seeded?")
    users = {
        user.username: user
        for user in get_user_model().objects.filter(
            username__in=[persona.username for persona in PERSONAS]
        )
    }
    ids = {
        "latest_month": latest.key,
        "previous_month": latest.previous().key,
        "housing": housing_returns[0].department_id,
        "housing_indicator": [kpi_return.indicator_id for kpi_return in housing_returns],
        "partnership": Membership.objects.get(user=users["partner"]).partnership_id,
    }
    revoke_tokens()  # any left by a run that was stopped before it could revoke them
    tokens = {
        persona.username: create_token(user=users[persona.username], name=TOKEN_NAME).key
        for persona in PERSONAS
        if persona.uses_api
    }
    return {"ids": ids, "tokens": tokens, "password": settings.DEMO_PASSWORD}


def revoke_tokens() -> int:
    """Revoke every active token ``context`` made; returns how many."""
    from departments.models import ApiToken
    from departments.tokens.services import revoke_token

    tokens = (
        ApiToken.objects.active()
        .filter(name=TOKEN_NAME, user__username__in=[persona.username for persona in PERSONAS])
        .select_related("user")
    )
    for token in tokens:
        revoke_token(token=token, actor=token.user)
    return len(tokens)
