"""The outage probe of issue 22, repeatable: Redis stopped, then PostgreSQL refusing the
database, under a stream of requests to gunicorn on the seeded demo council; it prints
each phase's answers by status code.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/governance \\
        .venv/bin/python -m demo.outage_probe --redis-seconds 44 --database-seconds 14

It needs the demo council seeded in DATABASE_URL (``manage.py seed_demo``), production
static files collected (``make loadtest`` leaves them), ``redis-server`` on the PATH, and
PostgreSQL rights to ``ALTER DATABASE``. It starts its own Redis on a free loopback port
(without persistence, as the issue's probe ran it) and its own gunicorn (2 workers,
production settings, no Celery worker: work asked for must wait, never fail). The
database "goes away" by refusing new connections to it and ending the open ones, which
is what the server's clients see while PostgreSQL restarts; other databases on the
server are untouched. Nothing here runs in the test suite: tests/test_redis_outage.py and
tests/core/test_database_unavailable.py hold the same faults as assertions.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HEADERS = {"X-Forwarded-Proto": "https"}  # as the TLS proxy sends it in production


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers=HEADERS)  # noqa: S310 - our http://
            urllib.request.urlopen(request, timeout=5)  # noqa: S310
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


class Browser:
    """One signed-in person: a cookie jar, and the answers' status codes by phase."""

    def __init__(self, base: str) -> None:
        self.base = base
        # The cookies are Secure (production): the proxy in front speaks https, so send
        # them over this loopback http as a browser would over https.
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("http", "https"))
        self.jar = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def send(self, path: str, data: dict | None = None, token: str | None = None):
        headers = dict(HEADERS)
        body = None
        if token:
            headers["Authorization"] = f"Token {token}"
        if data is not None:
            csrf = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            # Behind the TLS proxy the page was https: Django's CSRF check reads the Referer.
            referer = self.base.replace("http://", "https://", 1) + path
            headers.update({"X-CSRFToken": csrf, "Referer": referer})
            body = urllib.parse.urlencode(data).encode()
        # An http:// address we built: S310 warns of file: and custom schemes.
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            return type(error).__name__, {}, b""

    def sign_in(self, username: str, password: str) -> None:
        page = self.send("/accounts/login/")[2].decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _, _ = self.send(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        if status not in (200, 302):
            raise SystemExit(f"signing in as {username} answered {status}")


def _api_token(base: str, username: str, password: str) -> str:
    body = json.dumps(
        {"username": username, "password": password, "name": f"outage probe {secrets.token_hex(4)}"}
    )
    request = urllib.request.Request(  # noqa: S310 - an http:// address we built
        base + "/api/v1/auth/token/",
        data=body.encode(),
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())["key"]


def _ask_for_a_report(base: str, token: str, month: str) -> str:
    """Ask for a report run through the API; its answer and then the run's state."""
    body = json.dumps({"kind": "returns", "file_format": "csv", "parameters": {"period": month}})
    headers = {**HEADERS, "Authorization": f"Token {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(  # noqa: S310 - an http:// address we built
        base + "/api/v1/reports/", data=body.encode(), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            run = json.loads(response.read())
            answer = response.status
    except urllib.error.HTTPError as error:
        return f"answered {error.code}"
    follow = urllib.request.Request(  # noqa: S310
        f"{base}/api/v1/reports/{run['id']}/", headers=headers
    )
    with urllib.request.urlopen(follow, timeout=30) as response:  # noqa: S310
        state = json.loads(response.read()).get("state")
    return f"answered {answer}, then reads {state!r}"


def _stream(browser: Browser, token: str, month: str, seconds: float) -> Counter:
    """Requests for ``seconds``: pages, the API, a report and an import asked for, the
    health check; the answers counted by "what: status"."""
    answered: Counter = Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for label, path, data, use_token in (
            ("overview page", f"/overview/?period={month}", None, False),
            ("returns page", f"/returns/?period={month}", None, False),
            ("api returns", f"/api/v1/returns/?period={month}", None, True),
            ("reports page", "/reports/", None, False),
            ("healthz", "/healthz", None, False),
        ):
            status, headers, _ = browser.send(path, data, token if use_token else None)
            answered[f"{label}: {status}"] += 1
            if status == 503 and not headers.get("Retry-After"):
                answered[f"{label}: 503 without Retry-After"] += 1
    return answered


def _psql(sql: str) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            shutil.which("psql") or "psql",
            os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres",
            "-qc",
            sql,
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis-seconds", type=float, default=44)
    parser.add_argument("--database-seconds", type=float, default=14)
    parser.add_argument("--month", default="2026-27-P07", help="The period the pages show.")
    args = parser.parse_args()
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    redis_port, web_port = _free_port(), _free_port()
    redis_command = [shutil.which("redis-server") or "redis-server", "--port", str(redis_port)]
    redis_command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    redis = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL)  # noqa: S603
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
    }
    web = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        [str(BIN / "gunicorn"), "--config", "config/gunicorn.conf.py", "--workers", "2",
         "--bind", f"127.0.0.1:{web_port}", "config.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{web_port}"
    try:
        _wait(base + "/healthz")
        password = os.environ.get("DEMO_PASSWORD", "demo-council-2025")
        browser = Browser(base)
        browser.sign_in("smt", password)
        token = _api_token(base, "smt", password)
        print(f"gunicorn on {base}, Redis on port {redis_port}, database {database}")

        redis.terminate()
        redis.wait()
        asked = _ask_for_a_report(base, token, args.month)
        away = _stream(browser, token, args.month, args.redis_seconds)
        redis = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL)  # noqa: S603
        time.sleep(1)
        after = _stream(browser, token, args.month, 3)
        _report(f"Redis stopped for {args.redis_seconds:.0f} s", away)
        print(f"  a report asked for while Redis was away: {asked}")
        _report("Redis started again, empty", after)

        _psql(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        _psql(  # the operator's own database name, from DATABASE_URL
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )
        try:
            away = _stream(browser, token, args.month, args.database_seconds)
        finally:
            _psql(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        first = browser.send(f"/overview/?period={args.month}")[0]
        after = _stream(browser, token, args.month, 3)
        _report(f"PostgreSQL refusing the database for {args.database_seconds:.0f} s", away)
        print(f"  first page after it returned: {first}")
        _report("PostgreSQL back", after)
    finally:
        web.terminate()
        redis.terminate()
        web.wait()


def _report(title: str, answered: Counter) -> None:
    total = sum(n for key, n in answered.items() if "without" not in key)
    errors = sum(n for key, n in answered.items() if key.endswith(": 500"))
    print(f"{title}: {total} requests, {errors} answered 500")
    for key, n in sorted(answered.items()):
        print(f"  {key:<40} {n:>6}")


if __name__ == "__main__":
    main()
