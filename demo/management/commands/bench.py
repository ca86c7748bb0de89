"""python manage.py bench: seed the large council and time every page that exists.

Run through ``make bench`` with DATABASE_URL pointing at PostgreSQL. Prints the seeding
time and peak memory, then the median server time and SQL query count of each page and
endpoint for each demo role. Figures are reported, never asserted.
"""

from __future__ import annotations

import resource
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from demo.generator import seed_council
from demo.scale import SCALES

# (label, URL, usernames): every page and metric endpoint that exists so far.
PAGES = [
    ("home", "/", ["officer", "head", "smt", "partner", "auditor", "admin"]),
    ("healthz", "/healthz", ["smt"]),
    ("my returns", "/returns/", ["officer", "head", "smt", "auditor"]),
    ("returns P06 smt", "/returns/?period={previous_month}", ["smt"]),
    ("return page", "/returns/{housing_return}/", ["officer", "auditor"]),
    ("return form", "/returns/enter/{housing_indicator}/{latest_month}/", ["officer"]),
    ("sign-off page", "/periods/{latest_month}/sign-off/", ["smt"]),
    ("api returns", "/api/v1/returns/?page_size=100", ["smt", "officer"]),
    ("api returns period", "/api/v1/returns/?period={latest_month}&page_size=500", ["smt"]),
    ("api departments", "/api/v1/departments/", ["smt", "officer"]),
    ("api indicators", "/api/v1/indicators/?page_size=100", ["smt", "officer"]),
    ("api targets", "/api/v1/targets/?page_size=100", ["smt"]),
    ("api services", "/api/v1/services/", ["smt", "partner"]),
    ("api slas", "/api/v1/slas/?page_size=100", ["smt", "partner"]),
    ("partnership page", "/partnerships/{partnership}/", ["smt", "partner"]),
    ("partnership P06", "/partnerships/{partnership}/?period={previous_month}", ["smt"]),
    (
        "sla results page",
        "/partnerships/{partnership}/sla-results/{previous_month}/",
        ["smt", "partner"],
    ),
    ("records page", "/partnerships/{partnership}/records/", ["smt"]),
    ("api sla-results", "/api/v1/sla-results/?page_size=100", ["smt", "partner"]),
    (
        "api metrics partner",
        "/api/v1/metrics/partnerships/{partnership}/?period={previous_month}",
        ["smt"],
    ),
    ("coordination", "/coordination/", ["smt", "head"]),
    ("referrals list", "/referrals/", ["officer", "smt"]),
    ("api referrals", "/api/v1/referrals/?page_size=100", ["smt", "officer"]),
    (
        "api metrics coord",
        "/api/v1/metrics/coordination/?period={previous_month}",
        ["smt", "officer"],
    ),
    ("overview", "/overview/", ["smt", "auditor"]),
    ("overview P06", "/overview/?period={previous_month}", ["smt"]),
    ("department page", "/departments/{housing}/", ["head", "smt"]),
    ("indicator page", "/indicators/{housing_indicator}/", ["officer", "smt"]),
    ("api metrics overview", "/api/v1/metrics/overview/", ["smt"]),
    ("api metrics dept", "/api/v1/metrics/departments/{housing}/", ["head"]),
    ("combined view", "/combined/", ["smt", "head"]),
    ("combined P06", "/combined/?period={previous_month}", ["smt"]),
    ("api metrics combined", "/api/v1/metrics/combined/", ["smt", "head"]),
    ("early warnings", "/early-warnings/", ["smt", "head"]),
    ("api early-warnings", "/api/v1/early-warnings/?page_size=100", ["smt"]),
    ("benchmarking", "/benchmarking/", ["smt", "head"]),
    ("benchmarked indicator", "/indicators/{benchmarked_indicator}/", ["smt"]),
    (
        "api metrics benchmark",
        "/api/v1/metrics/indicators/{benchmarked_indicator}/benchmark/",
        ["smt"],
    ),
    ("api comparator-groups", "/api/v1/comparator-groups/", ["smt"]),
    ("audit trail", "/audit-trail/", ["auditor", "admin"]),
    ("contract page", "/partnerships/{partnership}/contract/", ["smt", "partner"]),
    ("scrutiny", "/scrutiny/", ["smt", "head"]),
    # The public portal and its open data (publication/): the same for anyone, signed in
    # or not; timed here as the SMT, as the bench signs every request in.
    ("public portal", "/public/", ["smt"]),
    ("public measure", "/public/indicators/BV82a/", ["smt"]),
    ("public csv", "/public/data/council-performance.csv", ["smt"]),
    ("api public", "/api/v1/public/indicators/", ["smt"]),
]


def _timed(client: Client, url: str, repeat: int, *, empty_cache: bool) -> tuple[float, int, int]:
    """The median server time of ``repeat`` requests for ``url`` (ms), the queries of the
    last and its status; ``empty_cache`` empties the cache before each request."""
    timings, queries, status = [], 0, None
    for _ in range(repeat):
        if empty_cache:
            cache.clear()
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
        queries, status = len(captured), response.status_code
    return statistics.median(timings), queries, status


class Command(BaseCommand):
    help = "Seed the large council into PostgreSQL and measure every page and endpoint."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="large")
        parser.add_argument(
            "--repeat", type=int, default=5, help="Requests per page, cold and cached (median)."
        )
        parser.add_argument(
            "--keep", action="store_true", help="Reuse an existing council instead of reseeding it."
        )
        parser.add_argument(
            "--reports-only",
            action="store_true",
            help="Measure only the report builds (with --keep: on the council already there).",
        )

    def handle(
        self, *args, scale: str, repeat: int, keep: bool, reports_only: bool, **options
    ) -> None:
        if connection.vendor != "postgresql" and scale == "large":
            raise CommandError("The large council is measured on PostgreSQL: set DATABASE_URL.")
        self.stdout.write(f"Seeding the {scale} council on {connection.vendor}")
        started = time.perf_counter()
        report = seed_council(scale=SCALES[scale], reset=not keep, log=self.stdout.write)
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"Seeded in {seconds:.1f} s, peak memory {peak_mib:.0f} MiB")
        for name, count in report.counts.items():
            self.stdout.write(f"  {name}: {count:,}")
        if not reports_only:
            self._measure_pages(repeat)
            self._measure_imports()
        self._measure_reports()

    def _measure_reports(self) -> None:
        from demo.bench_reports import measure_reports

        self.stdout.write("\nreports (built in memory as the auditor; nothing is kept)")
        for result in measure_reports():
            self.stdout.write(
                f"{result.label:<34} {result.seconds:7.1f} s, {result.size_kib:8,.0f} KiB, "
                f"peak traced memory {result.peak_mib:.1f} MiB"
            )

    def _measure_imports(self) -> None:
        from demo.bench_imports import measure_referral_import, measure_returns_import

        self.stdout.write("\nimports (run and rolled back; nothing is kept)")
        for label, measure in (
            ("returns, 10,000 rows", measure_returns_import),
            ("referrals, 100,000 rows", measure_referral_import),
        ):
            result = measure()
            self.stdout.write(
                f"{label:<26} {result.rows:>8,} rows in {result.seconds:6.1f} s = "
                f"{result.rows / result.seconds:8,.0f} rows/s, "
                f"peak traced memory {result.peak_mib:.1f} MiB"
            )

    def _measure_pages(self, repeat: int) -> None:
        from core.long_lived import freeze_long_lived

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        # As a gunicorn worker does once it has loaded the application (config/wsgi.py):
        # what is alive now (the application, and here the seeding's leftovers) is kept out
        # of the collector's full collections.
        freeze_long_lived()
        users = {
            u.username: u
            for u in get_user_model().objects.filter(
                username__in={name for _, _, names in PAGES for name in names}
            )
        }
        placeholders = _placeholders()
        self.stdout.write(
            "\nEach page, in a process that has served it once (as a gunicorn worker has: "
            "its modules imported and templates compiled): the median of requests each made "
            "with the cache emptied first (cold), then the median of requests served with "
            "the cache left as the previous request left it (cached)."
        )
        self.stdout.write(
            f"\n{'page':<20} {'role':<9} {'cold ms':>8} {'queries':>8} "
            f"{'cached ms':>10} {'queries':>8}"
        )
        cold_times: dict[str, list[float]] = {}
        for label, template, usernames in PAGES:
            url = template.format(**placeholders)
            for username in usernames:
                client = Client()
                client.force_login(users[username])
                client.get("/healthz")  # the session, outside the timings
                client.get(url)  # the process's first rendering, outside the timings
                cold, cold_queries, status = _timed(client, url, repeat, empty_cache=True)
                cached, cached_queries, _ = _timed(client, url, repeat, empty_cache=False)
                cold_times.setdefault(label, []).append(cold)
                self.stdout.write(
                    f"{label:<20} {username:<9} {cold:>8.1f} {cold_queries:>8} "
                    f"{cached:>10.1f} {cached_queries:>8}"
                    + ("" if status == 200 else f"  (HTTP {status})")
                )
        self._measure_floors(placeholders, cold_times)

    def _measure_floors(self, placeholders: dict, cold_times: dict[str, list[float]]) -> None:
        from demo.bench_floors import floors, time_floor
        from departments import periods
        from reporting.metrics.health import trailing_months

        month = periods.Period.parse(placeholders["latest_month"])
        measured = {
            name: time_floor(statements)
            for name, statements in floors(
                month=month,
                months=trailing_months(month),
                today=timezone.localdate(),
                department_id=placeholders["housing"],
            ).items()
        }
        self.stdout.write(
            "\nFloors: hand-written SQL over the base rows giving the same figures "
            "(demo/bench_floors.py), against each page's cold time"
        )
        self.stdout.write(f"{'page':<22} {'floor':<20} {'floor ms':>9} {'cold ms':>8} {'ratio':>6}")
        for label, name in FLOORS.items():
            for cold in cold_times.get(label, []):
                floor = measured[name]
                self.stdout.write(
                    f"{label:<22} {name:<20} {floor:>9.1f} {cold:>8.1f} {cold / floor:>6.2f}"
                )


# Which floor each heavy page is read against.
FLOORS = {
    "overview": "overview",
    "api metrics overview": "overview",
    "combined view": "combined",
    "api metrics combined": "combined",
    "coordination": "coordination",
    "api metrics coord": "coordination",
    "partnership page": "partnership",
    "referrals list": "referrals list",
    "api referrals": "referrals list",
    "returns P06 smt": "returns of a month",
    "api returns period": "returns of a month",
}


def _placeholders() -> dict[str, object]:
    """Real ids and keys for the URLs above, taken from the seeded council."""
    from departments import periods
    from departments.models import BenchmarkMetric, KpiReturn
    from partnerships.models import Partnership

    latest = periods.latest_closed(periods.PeriodKind.MONTH)
    housing_return = (
        KpiReturn.objects.filter(department__code="housing", period=latest.key)
        .order_by("pk")
        .first()
    )
    return {
        "latest_month": latest.key,
        "previous_month": latest.previous().key,
        "housing_return": housing_return.pk,
        "housing_indicator": housing_return.indicator_id,
        "housing": housing_return.department_id,
        "partnership": Partnership.objects.order_by("pk").values_list("pk", flat=True).first(),
        # A statutory indicator with published figures for other councils (demo.benchmarks).
        "benchmarked_indicator": BenchmarkMetric.objects.order_by("code")
        .values_list("indicator_id", flat=True)
        .first(),
    }
