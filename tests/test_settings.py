"""Settings: the embedded default with no environment, and production hardening."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'eager': "
    "s.CELERY_TASK_ALWAYS_EAGER, 'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG}))"
)


def _run(args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ENV",
            "DJANGO_SECRET_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "OIDC_ISSUER",
            "OIDC_CLIENT_ID",
            "OIDC_CLIENT_SECRET",
            "OIDC_SUBJECT_CLAIM",
            "OIDC_ROLE_MAPPING",
        }
    }
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_no_environment_gives_the_embedded_default():
    import json

    result = _run(["-c", PROBE])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "engine": "django.db.backends.sqlite3",
        "eager": True,
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "debug": True,
    }


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    import json

    result = _run(
        ["-c", PROBE], DATABASE_URL="postgres://u@db:5432/council", REDIS_URL="redis://cache:6379/0"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "engine": "django.db.backends.postgresql",
        "eager": False,
        "cache": "django_redis.cache.RedisCache",  # it fails open (IGNORE_EXCEPTIONS)
        "debug": True,
    }


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="x7Lq9vTz2mWc4pRk8sYb1nHd6fJg3aUe5oQi0lZx" * 2,
        DJANGO_ALLOWED_HOSTS="governance.example.gov.uk",
        REDIS_URL="redis://cache:6379/0",
        SITE_URL="https://governance.example.gov.uk",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(["manage.py", "check"], DJANGO_ENV="production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_shared_cache():
    """Figures are retired by a generation token in the cache: with each gunicorn worker
    keeping its own, one would serve figures another's write has changed."""
    result = _run(["manage.py", "check"], DJANGO_ENV="production", DJANGO_SECRET_KEY="k" * 60)
    assert result.returncode != 0
    assert "REDIS_URL must be set in production" in result.stderr


def test_production_never_runs_with_debug_even_if_asked():
    import json

    result = _run(
        ["-c", PROBE],
        DJANGO_ENV="production",
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY="k" * 60,
        REDIS_URL="redis://cache:6379/0",
        SITE_URL="https://governance.example.gov.uk",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_production_refuses_to_start_without_the_sites_address():
    """Packs are built by a worker, with no request to take the address from: without
    SITE_URL their links would point at a developer's machine."""
    result = _run(
        ["manage.py", "check"],
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="k" * 60,
        REDIS_URL="redis://cache:6379/0",
    )
    assert result.returncode != 0
    assert "SITE_URL must be set in production" in result.stderr


def test_every_beat_entry_names_a_registered_task():
    """A typo in a schedule would only show as a beat error in production."""
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {"early-warnings", "annual-report", "return-reminders"} <= set(schedule)
    missing = [entry["task"] for entry in schedule.values() if entry["task"] not in app.tasks]
    assert missing == []


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "x7Lq9vTz2mWc4pRk8sYb1nHd6fJg3aUe5oQi0lZx" * 2,
    "DJANGO_ALLOWED_HOSTS": "governance.example.gov.uk",
    "REDIS_URL": "redis://cache:6379/0",
    "SITE_URL": "https://governance.example.gov.uk",
}
ENTRA = {
    "OIDC_ISSUER": "https://login.microsoftonline.com/7d3b6f1e-0000-4000-8000-00000000c0de/v2.0",
    "OIDC_CLIENT_ID": "5f2a9c4e-0000-4000-8000-0000000a11ce",
    "OIDC_CLIENT_SECRET": "entra-client-secret-value",
    "OIDC_SUBJECT_CLAIM": "oid",
    "OIDC_ROLE_MAPPING": "Governance.SMT=smt,Governance.Auditor=auditor",
}


def test_production_with_single_sign_on_for_entra_passes_the_deploy_check():
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "csp = s.CONTENT_SECURITY_POLICY['DIRECTIVES']; "
        "print(json.dumps([s.OIDC_ENABLED, csp['form-action']]))"
    )
    import json

    configured = _run(["-c", probe], **PRODUCTION, **ENTRA)
    assert configured.returncode == 0, configured.stderr
    # Signing out is redirected on to the provider's end_session_endpoint.
    assert json.loads(configured.stdout) == [True, ["'self'", "https://login.microsoftonline.com"]]
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION, **ENTRA
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_single_sign_on_without_a_client_id_refuses_to_start():
    result = _run(["manage.py", "check"], OIDC_ISSUER=ENTRA["OIDC_ISSUER"])
    assert result.returncode != 0
    assert "OIDC_CLIENT_ID must be set when OIDC_ISSUER is" in result.stderr


def test_production_refuses_an_issuer_without_https():
    result = _run(
        ["manage.py", "check", "--deploy"],
        **PRODUCTION,
        **{**ENTRA, "OIDC_ISSUER": "http://login.example.net/tenant/v2.0"},
    )
    assert result.returncode != 0
    assert "OIDC_ISSUER must be an https:// address in production" in result.stderr


def test_the_issuer_is_kept_exactly_as_given_a_trailing_slash_included():
    probe = (
        "import django; django.setup(); from django.conf import settings as s; print(s.OIDC_ISSUER)"
    )
    result = _run(["-c", probe], **{**ENTRA, "OIDC_ISSUER": "https://idp.example.net/council/"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://idp.example.net/council/"


def test_single_sign_on_without_a_client_secret_is_refused_by_the_checks(settings):
    from departments.single_sign_on.checks import single_sign_on_settings

    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = ENTRA["OIDC_ISSUER"]
    settings.OIDC_RP_CLIENT_SECRET = ""

    assert [(p.id, p.msg.split(":")[0]) for p in single_sign_on_settings()] == [
        ("departments.E103", "OIDC_CLIENT_SECRET must be set when OIDC_ISSUER is")
    ]


def test_a_subject_claim_that_can_change_hands_is_warned_of(settings):
    from departments.single_sign_on.checks import single_sign_on_settings

    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = ENTRA["OIDC_ISSUER"]
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    for stable in ("sub", "oid"):
        settings.OIDC_SUBJECT_CLAIM = stable
        assert single_sign_on_settings() == []

    settings.OIDC_SUBJECT_CLAIM = "email"
    (warning,) = single_sign_on_settings()

    assert (warning.id, warning.level) == ("departments.W101", 30)
    assert warning.msg.startswith("OIDC_SUBJECT_CLAIM is 'email': accounts are found by this")
