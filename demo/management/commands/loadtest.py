"""python manage.py loadtest: a bounded Locust run against gunicorn on a seeded council.

Run through ``make loadtest`` with DATABASE_URL (PostgreSQL) and REDIS_URL. It migrates,
seeds the council (``--scale``; ``--keep`` reuses the one already there), collects the
static files when they changed, starts gunicorn with production settings on a free
loopback port, waits for /healthz, runs Locust headless (``demo/loadtest/locustfile.py``)
for a fixed number of users and seconds, prints requests, failures and p50/p95/p99 per
page with the totals and where the workers' time went, and stops gunicorn and revokes
the run's API tokens however the run ends. Figures are reported, never asserted: it fails
only when the run could not happen.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from demo.generator import seed_council
from demo.loadtest import plan
from demo.scale import SCALES
from departments.figures_generation import figures_changed
from departments.models import Department

LOCUSTFILE = Path(plan.__file__).with_name("locustfile.py")
BIN = Path(sys.executable).parent
# The server answers as it would behind the TLS-terminating proxy (locustfile.py).
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
STATIC_STAMP = ".loadtest-sources"
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
ACCESS_LOG_LINE = re.compile(r'^\[([^]]+)\] "(\w+) (\S+) [^"]*" (\d{3}) \S+ (\d+)ms$')


class Command(BaseCommand):
    help = "Load-test the app under gunicorn with Locust, headless, and print the figures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="large")
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Reuse the council already in the database (seeding one only if there is none).",
        )
        parser.add_argument("--users", type=int, default=50, help="Simulated people (1-500).")
        parser.add_argument("--spawn-rate", type=float, default=10, help="People started a second.")
        parser.add_argument("--seconds", type=int, default=120, help="Length of the run (1-3600).")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
        parser.add_argument("--port", type=int, default=0, help="Loopback port (default: free).")

    def handle(self, *args, **options) -> None:
        self._check(options)
        # make or a terminal stopping the run still stops gunicorn (the finally below).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
        output = Path(tempfile.mkdtemp(prefix="loadtest-"))
        server = None
        self._server_log = open(output / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
        try:
            self._prepare(options["scale"], options["keep"])
            self._collect_static()
            context = plan.context()
            port = options["port"] or _free_port()
            base = f"http://127.0.0.1:{port}"
            server = self._start_gunicorn(port, options["workers"], output)
            self._wait_until_healthy(server, base, output)
            self._run_locust(options, base, context, output)
        finally:
            if server is not None:
                _stop(server)
                self.stdout.write("gunicorn stopped.")
            self._server_log.close()
            if revoked := plan.revoke_tokens():
                self.stdout.write(f"{revoked} load-test API tokens revoked.")
        self._report(output, options)

    def _check(self, options: dict) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The load test runs on PostgreSQL: set DATABASE_URL.")
        if not settings.REDIS_URL:
            raise CommandError("The load test runs with Redis (cache and broker): set REDIS_URL.")
        for program in ("locust", "gunicorn"):
            if not (BIN / program).exists():
                raise CommandError(f"{program} is not installed in {BIN} (make loadtest does it).")
        if not 1 <= options["users"] <= 500 or not 1 <= options["seconds"] <= 3600:
            raise CommandError("A load test is bounded: 1-500 users for 1-3600 seconds.")
        if options["spawn_rate"] <= 0 or options["workers"] < 1:
            raise CommandError("--spawn-rate must be positive and --workers at least 1.")

    def _prepare(self, scale: str, keep: bool) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        if keep and Department.objects.exists():
            departments = Department.objects.count()
            self.stdout.write(f"Reusing the council in the database ({departments} departments).")
            if departments != SCALES[scale].departments:
                self.stdout.write(
                    self.style.WARNING(f"  It is not the {scale} council: figures will differ.")
                )
        else:
            self.stdout.write(f"Seeding the {scale} council (a few minutes when large).")
            seed_council(scale=SCALES[scale], reset=True, log=self.stdout.write)
            self.stdout.write(f"Seeded in {time.perf_counter() - started:.0f} s.")
        # Every run starts with no cached page figure, reseeded or not.
        figures_changed()

    def _collect_static(self) -> None:
        """Production serves the hashed, compressed files: collect them, unless the last
        collection was of exactly these source files (collecting takes about a minute)."""
        stamp = Path(settings.STATIC_ROOT) / STATIC_STAMP
        digest = _static_sources_digest()
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if manifest.exists() and stamp.exists() and stamp.read_text() == digest:
            self.stdout.write("Static files already collected.")
            return
        self.stdout.write("Collecting static files for production (about a minute).")
        collected = subprocess.run(  # noqa: S603 - our own manage.py, no shell
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=settings.BASE_DIR,
            env=_production_env(workers=1),
        )
        if collected.returncode != 0:
            raise CommandError("collectstatic failed: see above.")
        stamp.write_text(digest)

    def _start_gunicorn(self, port: int, workers: int, output: Path) -> subprocess.Popen:
        self.stdout.write(f"Starting gunicorn ({workers} workers) on 127.0.0.1:{port}.")
        return subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [
                str(BIN / "gunicorn"),
                "--config",
                "config/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                # The time each request took inside a worker, queueing excluded.
                "--access-logformat",
                ACCESS_LOG_FORMAT,
                "config.wsgi:application",
            ],
            cwd=settings.BASE_DIR,
            env=_production_env(workers=workers),
            stdout=self._server_log,
            stderr=subprocess.STDOUT,
        )

    def _wait_until_healthy(self, server: subprocess.Popen, base: str, output: Path) -> None:
        # An http:// address we built: S310 warns of file: and custom schemes.
        request = urllib.request.Request(f"{base}/healthz", headers=PROXY_HEADERS)  # noqa: S310
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn stopped at start:\n{_tail(output / 'gunicorn.log')}")
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    health = json.load(response)
                self.stdout.write(f"/healthz: {health['status']}.")
                return
            except OSError:
                time.sleep(0.5)
        raise CommandError(
            f"/healthz did not answer within 60 s:\n{_tail(output / 'gunicorn.log')}"
        )

    def _run_locust(self, options: dict, base: str, context: dict, output: Path) -> None:
        users, seconds = options["users"], options["seconds"]
        self.stdout.write(
            f"Locust: {users} users, {options['spawn_rate']:g} a second, for {seconds} s "
            f"against {base}."
        )
        try:
            with open(output / "locust.log", "wb") as log:
                finished = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                    [
                        str(BIN / "locust"),
                        "--locustfile",
                        str(LOCUSTFILE),
                        "--headless",
                        "--users",
                        str(users),
                        "--spawn-rate",
                        str(options["spawn_rate"]),
                        "--run-time",
                        f"{seconds}s",
                        "--stop-timeout",
                        "10",
                        "--host",
                        base,
                        "--csv",
                        str(output / "locust"),
                        "--only-summary",
                        # Failures are figures to report, not a reason to fail the run.
                        "--exit-code-on-error",
                        "0",
                        "--loglevel",
                        "WARNING",
                    ],
                    cwd=settings.BASE_DIR,
                    env={
                        **os.environ,
                        "PYTHONPATH": str(settings.BASE_DIR),
                        "LOADTEST_CONTEXT": json.dumps(context),
                        "LOADTEST_FIGURES_FILE": str(output / "figures.json"),
                    },
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=seconds + 120,
                )
        except subprocess.TimeoutExpired as error:
            raise CommandError(f"Locust did not finish:\n{_tail(output / 'locust.log')}") from error
        if finished.returncode != 0:
            raise CommandError(
                f"Locust exited with {finished.returncode}:\n{_tail(output / 'locust.log')}"
            )

    def _report(self, output: Path, options: dict) -> None:
        """One row per page and persona: the whole run's figures (sign-in rush included)
        beside those from the moment the last simulated person had signed in."""
        try:
            figures = json.loads((output / "figures.json").read_text())
        except (OSError, ValueError) as error:
            raise CommandError(
                f"Locust wrote no figures ({error}):\n{_tail(output / 'locust.log')}"
            ) from error
        whole, after = figures["whole"], figures["after_sign_in"]
        total = whole.pop("total")
        if total["requests"] == 0:
            raise CommandError(f"Locust made no request:\n{_tail(output / 'locust.log')}")

        order = ["sign-in form", "sign in"] + [
            f"{page.label} [{persona.username}]"
            for persona in plan.PERSONAS
            for page in persona.pages
        ]
        names = [name for name in order if name in whole]
        names += sorted(set(whole) - set(names))
        width = max(len(name) for name in [*names, "page [signed in as]"])
        self.stdout.write(
            f"\n{options['scale']} council, {options['users']} users, {options['seconds']} s, "
            f"{options['workers']} gunicorn workers; response times in ms"
        )
        if figures["last_sign_in_after"] is None:
            steady_title = "after the last sign-in (never reached)"
        else:
            steady_title = f"after the last sign-in, {figures['last_sign_in_after']:.0f} s in"
        columns = f"{'requests':>8} {'failures':>8} {'p50':>6} {'p95':>6} {'p99':>6}"
        self.stdout.write(f"{'':<{width}} {'whole run':<{len(columns)}}   {steady_title}")
        header = f"{'page [signed in as]':<{width}} {columns}   {columns}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for name in names:
            self.stdout.write(_row(name, whole[name], after.get(name), width))
        self.stdout.write("-" * len(header))
        self.stdout.write(_row("total", total, after.get("total"), width))
        seconds = figures["seconds"] or 1
        self.stdout.write(
            f"{total['requests'] / seconds:.1f} requests a second over the whole run; "
            "percentiles as Locust rounds them (to 10 ms above 100 ms, to 100 ms above 1 s)."
        )
        if figures["failures"]:
            self.stdout.write(self.style.WARNING("\nFailures:"))
        for failure in sorted(figures["failures"], key=lambda f: -f["occurrences"]):
            self.stdout.write(
                f"  {failure['occurrences']:>6} x {failure['name']}: {failure['error']}"
            )
        self._report_server_time(output / "gunicorn.log", options, seconds)
        self.stdout.write(f"Locust's CSV files and the server's log: {output}")

    def _report_server_time(self, log: Path, options: dict, seconds: float) -> None:
        """Where the workers' time went, from gunicorn's access log (time in a worker,
        queueing excluded): a page slow in the table but quick here waited for a worker."""
        spent: dict[str, list[int]] = {}
        for line in log.read_text(errors="replace").splitlines():
            if match := ACCESS_LOG_LINE.match(line):
                method, path, ms = match.group(2), match.group(3), int(match.group(5))
                # One address for every id and query: /partnerships/7/?period=... is one.
                address = re.sub(r"/\d+(?=/)", "/<id>", path.split("?")[0])
                spent.setdefault(f"{method} {address}", []).append(ms)
        busy = sum(sum(times) for times in spent.values())
        if not busy:
            return
        available = options["workers"] * seconds * 1000
        self.stdout.write(
            f"\nServer time (in a worker): {busy / 1000:.0f} s, the workers busy "
            f"{100 * busy / available:.0f}% of the run. Where it went:"
        )
        self.stdout.write(f"  {'share':>5} {'requests':>8} {'median':>7} {'max':>7}  address")
        for address, times in sorted(spent.items(), key=lambda item: -sum(item[1]))[:8]:
            times.sort()
            self.stdout.write(
                f"  {100 * sum(times) / busy:4.0f}% {len(times):>8} {times[len(times) // 2]:>7}"
                f" {times[-1]:>7}  {address}"
            )


def _row(name: str, whole: dict, after: dict | None, width: int) -> str:
    def columns(figures: dict | None) -> str:
        figures = figures or {"requests": 0, "failures": 0}
        times = [
            "-" if figures.get(p) is None else f"{figures[p]:.0f}" for p in ("p50", "p95", "p99")
        ]
        return f"{figures['requests']:>8} {figures['failures']:>8} " + " ".join(
            f"{t:>6}" for t in times
        )

    return f"{name:<{width}} {columns(whole)}   {columns(after)}"


def _production_env(*, workers: int) -> dict[str, str]:
    """The server's environment: production settings as far as they go without TLS."""
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        # A new key each run: nothing signed needs to outlive it.
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Links in emails and packs; the run follows none of them.
        "SITE_URL": os.environ.get("SITE_URL", "http://127.0.0.1"),
        "WEB_CONCURRENCY": str(workers),
        # Every simulated person of a role shares one demo account (and its API token);
        # the rates are meant for one person each, so they are lifted here. The throttles
        # still run, and cost what they cost.
        "API_THROTTLE_USER": "1000000/hour",
        "API_THROTTLE_TOKEN": "1000000/hour",
    }


def _static_sources_digest() -> str:
    """A digest of every static source file's path, size and modification time."""
    found = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            found.append(
                f"{getattr(storage, 'prefix', '') or ''}/{path}:{stat.st_size}:{stat.st_mtime_ns}"
            )
    return hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(server: subprocess.Popen) -> None:
    """Stop gunicorn gracefully (SIGTERM lets running requests finish), then for good."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} could not be read)"
