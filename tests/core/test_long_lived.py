"""A web worker freezes the application's objects out of the garbage collector's full
collections once it has loaded them (core/long_lived.py, config/wsgi.py). Run in a process
of its own: freezing this test process would change every later test's collections."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PROBE = (
    "import gc, json, sys; import config.wsgi; "
    "print(json.dumps({'frozen': gc.get_freeze_count(), 'collected': len(gc.get_objects()), "
    "'views': 'reporting.pages.overview' in sys.modules}))"
)


def test_the_wsgi_application_loads_every_view_and_freezes_what_it_loaded():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["views"] is True  # the URLconf imported the pages' modules
    # The application's objects are frozen; the collector is left with what came after.
    assert found["frozen"] > 100_000
    assert found["collected"] < found["frozen"] / 10
