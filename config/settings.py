"""Settings for the partnership governance dashboard.

Everything comes from the environment. With nothing set, the product runs on the
embedded default: SQLite, Celery tasks run eagerly in process, a local-memory cache and
a development secret key, with DEBUG on. ``DJANGO_ENV=production`` turns the
hardening on and refuses to start without a real secret key.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

_DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production-0123456789"
SECRET_KEY = env("DJANGO_SECRET_KEY", "" if PRODUCTION else _DEVELOPMENT_SECRET_KEY)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value in production."
    )

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
if PRODUCTION:
    # DEBUG leaks settings and tracebacks; production never runs with it, whatever is set.
    DEBUG = False

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "core",
    "departments",
    "partnerships",
    "reporting",
    "publication",
    "scrutiny",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Sets Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database that cannot be reached answers 503 with Retry-After, not 500.
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: ends sessions past their time limits.
    "core.sessions.SessionTimeoutMiddleware",
    # An elected member opens the figures and scrutiny pages only (departments.roles).
    "departments.member_pages.MemberPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "departments.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60 if PRODUCTION else 0,
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The audit trail keeps the whole reason ("Sent back: ..." with the reason typed, up to
# TEXT_LIMIT): the default 100-character column refused longer ones on PostgreSQL.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

REDIS_URL = env("REDIS_URL", "")
if REDIS_URL and env("PYTEST_XDIST_WORKER", ""):
    # Tests in parallel (pytest-xdist workers gw0, gw1, ...): each worker takes the next
    # Redis database after the one given, so one worker's cache.clear() (a FLUSHDB) never
    # empties another's cache or Celery queues.
    _redis = urlsplit(REDIS_URL)
    _db = int(_redis.path.strip("/") or 0) + int(env("PYTEST_XDIST_WORKER").removeprefix("gw"))
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_db}"))


def redis_cache(location: str) -> dict:
    """The cache on the Redis at ``location``. django-redis rather than Django's own
    RedisCache for one option: with IGNORE_EXCEPTIONS a cache that cannot be reached is a
    miss on read and a no-op on write, logged (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS), so
    pages, the API's throttles and import progress go on while Redis is away (issue 22).
    What must not be lost when it is (the figures generation, work asked for) is kept in
    the database."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "governance"),
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            # Seconds: a Redis that does not answer costs a request this much, once per
            # cache call, rather than the operating system's minutes.
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "core.cache"
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    # The embedded default is one process (runserver, Celery eager): its own memory is
    # the cache every reader shares. Several processes need Redis (below).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if PRODUCTION and not REDIS_URL:
    # Every web process and worker must share one cache: cached figures are retired by a
    # generation token kept in it, and a token in each process's own memory would let one
    # worker serve figures another's write has changed. Celery's queue needs it too.
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production: the cache of figures and the task queue are "
        "shared by every web process and worker."
    )

AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out username never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    # Django's password check, with who may use a password while single sign-on is on.
    "departments.single_sign_on.passwords.PasswordBackend",
    # Answers only the single sign-on callback, and only when OIDC_ISSUER is set.
    "departments.single_sign_on.backend.CouncilAccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on with the council's identity provider over OpenID Connect (Microsoft Entra
# ID, or any provider that publishes a discovery document): off unless OIDC_ISSUER is set.
# mozilla-django-oidc runs the authorisation code flow with PKCE, state and nonce; the
# endpoints come from the issuer's discovery document, read at the first sign-in
# (departments.single_sign_on). README: "Signing in with the council's account".
# Exactly as the provider's discovery document says it, a trailing "/" included: ID tokens'
# "iss" is compared with it character for character.
OIDC_ISSUER = env("OIDC_ISSUER", "")
OIDC_ENABLED = bool(OIDC_ISSUER)
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", "")
if OIDC_ENABLED and not OIDC_RP_CLIENT_ID:
    raise ImproperlyConfigured(
        "OIDC_CLIENT_ID must be set when OIDC_ISSUER is: the application (client) id the "
        "identity provider gave this product."
    )
OIDC_RP_SCOPES = env("OIDC_SCOPES", "openid profile email")
# Only RS256 ID tokens are accepted, their key taken from the provider's JWKS.
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
# Kept in the session as the id_token_hint that signing out hands the provider.
OIDC_STORE_ID_TOKEN = True
OIDC_TIMEOUT = int(env("OIDC_TIMEOUT_SECONDS", "10"))
# Reading the discovery document, which an anonymous visit to the sign-in start can cause:
# kept short, and a failure is remembered for a minute (departments.single_sign_on.provider).
OIDC_DISCOVERY_TIMEOUT = int(env("OIDC_DISCOVERY_TIMEOUT_SECONDS", "3"))
# The claim that names a person for good: "oid" for Entra ID (the same in every app of
# the tenant), "sub" for most providers. Never the email address.
OIDC_SUBJECT_CLAIM = env("OIDC_SUBJECT_CLAIM", "sub")
# The claim holding the app roles (Entra ID: "roles") or groups ("groups") that the
# directory mappings (admin, and OIDC_ROLE_MAPPING) turn into memberships.
OIDC_ROLES_CLAIM = env("OIDC_ROLES_CLAIM", "roles")
# Mappings kept as settings, beside those kept in admin: "claim value=role" for a
# council-wide role, "claim value=role:department code" for an officer or head of service,
# "claim value=partner:partnership id" for a partner manager; comma-separated.
OIDC_ROLE_MAPPING = env_list("OIDC_ROLE_MAPPING", [])
# Whether a person the product does not know yet gets an account at first sign-in.
OIDC_CREATE_USERS = env_bool("OIDC_CREATE_USERS", False)
# Whom a person refused for want of a role or an account is told to ask.
OIDC_NO_ACCESS_CONTACT = env(
    "OIDC_NO_ACCESS_CONTACT", "the administrator of the performance dashboard"
)
# Seconds of clock difference allowed with the provider on an ID token's times.
OIDC_CLOCK_SKEW_SECONDS = int(env("OIDC_CLOCK_SKEW_SECONDS", "60"))
if not 0 <= OIDC_CLOCK_SKEW_SECONDS <= 300:
    raise ImproperlyConfigured("OIDC_CLOCK_SKEW_SECONDS must be between 0 and 300.")
# When single sign-on is on and this lists usernames, only they may sign in with a password
# (break-glass administrators, external auditors, the partner); empty: every account not
# linked to a council account may (departments.single_sign_on.passwords).
LOCAL_SIGN_IN_USERNAMES = env_list("LOCAL_SIGN_IN_USERNAMES", [])

# Sessions (core/sessions.py): a signed-in session ends after SESSION_IDLE_MINUTES without
# a request and SESSION_ABSOLUTE_HOURS after signing in, whichever comes first. The
# cookie and the stored session last no longer than the absolute limit.
SESSION_IDLE_TIMEOUT = timedelta(minutes=int(env("SESSION_IDLE_MINUTES", "30")))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(env("SESSION_ABSOLUTE_HOURS", "12")))
if not timedelta(0) < SESSION_IDLE_TIMEOUT <= SESSION_ABSOLUTE_TIMEOUT:
    raise ImproperlyConfigured(
        "SESSION_IDLE_MINUTES must be above 0 and SESSION_ABSOLUTE_HOURS at least as long."
    )
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# The single sign-on callback is not a password guess (the provider throttles those): a
# refused directory account must not lock every colleague behind the same address out.
AXES_WHITELIST_CALLABLE = "core.signin.is_single_sign_on_attempt"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfiles.PlotlyFinder",
]
# Static files collected (collectstatic) into STATIC_ROOT with hashed names and gzip and
# brotli copies, which whitenoise serves compressed and cacheable for a year: always in
# production, and on the embedded default when DJANGO_STATIC_COLLECTED is on (`make run`
# collects them first), so a chart page's plotly.js crosses the network once, compressed.
# Otherwise (tests, a bare runserver) whitenoise finds the files in place, uncompressed,
# and no collectstatic is needed.
STATIC_COLLECTED = PRODUCTION or env_bool("DJANGO_STATIC_COLLECTED", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "core.staticfiles.CollectedStaticFilesStorage"
            if STATIC_COLLECTED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))


def _style_hash(value: str) -> str:
    """A CSP source allowing exactly the style attribute ``value`` (with 'unsafe-hashes')."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(value.encode()).digest()).decode() + "'"


# The style attribute plotly.js gives a heatmap drawn pixel by pixel (its constant).
PLOTLY_PIXELATED_IMAGE_STYLE = "".join(
    f"image-rendering: {value}; "
    for value in (
        "optimizeSpeed",
        "-moz-crisp-edges",
        "-o-crisp-edges",
        "-webkit-optimize-contrast",
        "optimize-contrast",
        "crisp-edges",
        "pixelated",
    )
)
# Content-Security-Policy (django-csp): the browser runs only the product's own scripts
# and styles, served from static/ (no inline script or style, no eval), and the pages
# cannot be framed, post forms elsewhere or load plugins. plotly.js (the plotly
# package's bundle) draws the product's charts (scatter, bar, heatmap) within this: it
# needs no eval for them, finds its style rules in static/css/plotly.css, paints a
# heatmap on a canvas shown as a data: image, and draws the mode bar's "Download plot as
# a PNG" through a blob: image of the page's own making (img-src data: blob:). It also
# writes two style attributes, which their hashes allow and nothing else: style="" on a
# colour bar's cells, and a heatmap's pixelated rendering. SECURITY.md says more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [
            "'unsafe-hashes'",
            _style_hash(""),
            _style_hash(PLOTLY_PIXELATED_IMAGE_STYLE),
        ],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}


def allow_sign_out_at(policy: dict, issuer: str) -> dict:
    """``policy`` with the identity provider's origin allowed as a form's destination:
    the sign-out button posts here and is redirected on to the provider's
    end_session_endpoint, and Chromium checks form-action along the redirects."""
    if not issuer:
        return policy
    origin = urlunsplit(urlsplit(issuer)._replace(path="", query="", fragment=""))
    directives = {**policy["DIRECTIVES"], "form-action": [SELF, origin]}
    return {**policy, "DIRECTIVES": directives}


CONTENT_SECURITY_POLICY = allow_sign_out_at(CONTENT_SECURITY_POLICY, OIDC_ISSUER)

# Request bodies held in memory; larger uploads spool to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Parts of the site with their own "page not found" (core.web.page_not_found): the
# residents' portal has no staff navigation and no sign-in to send anyone to.
NOT_FOUND_VIEWS = {"/public/": "publication.views.not_found"}

REST_FRAMEWORK = {
    # Tokens first: an anonymous request then answers 401 with WWW-Authenticate: Token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "departments.tokens.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in, and holding a role: without one every endpoint answers 403, as the pages.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "departments.api.permissions.HasRole",
    ],
    # DRF's three, with JSON bodies bounded in depth (core.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # Per user (however signed in) and per token; counts in the default cache.
    "DEFAULT_THROTTLE_CLASSES": [
        "departments.tokens.throttling.UserThrottle",
        "departments.tokens.throttling.TokenThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", "3600/hour"),
        "token": env("API_THROTTLE_TOKEN", "1800/hour"),
        # Password guesses at POST /api/v1/auth/token/, per client address.
        "token_create": env("API_THROTTLE_TOKEN_CREATE", "10/minute"),
        # The public API of published figures (publication.api.public), per client address.
        "public": env("API_THROTTLE_PUBLIC", "60/minute"),
    },
    # The throttles count "per client address": behind TRUSTED_PROXY_COUNT reverse proxies
    # (the load balancer) that address is that many from the right of X-Forwarded-For;
    # with none the header is ignored, so a caller cannot name a new address on each
    # request to escape the public API's or the password guesses' limit.
    "NUM_PROXIES": int(env("TRUSTED_PROXY_COUNT", "0")),
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.GovernanceAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partnership governance dashboard API",
    "DESCRIPTION": "Best Value indicators, SLA results, coordination and contract health.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package: the docs work offline, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The router reads paths with Django's converters (core.api.paths.ApiRouter), so the
    # ".json" form of each path is spelt "{format}": left out, as the regex form was.
    "PREPROCESSING_HOOKS": ["drf_spectacular.hooks.preprocess_exclude_path_format"],
    "ENUM_NAME_OVERRIDES": {
        "ReturnStateEnum": "departments.models.returns.ReturnState",
        "MilestoneStateEnum": "partnerships.models.MilestoneState",
        "RecordStateEnum": "partnerships.models.RecordState",
        "ContractRatingEnum": "partnerships.contracts.ratings.Rating",
        "AssessmentKindEnum": "partnerships.contracts.models.AssessmentKind",
        "ApprovalStateEnum": "partnerships.contracts.models.AssessmentState",
        "PerformanceNoticeKindEnum": "partnerships.contracts.models.NoticeKind",
        "FigureStatusEnum": "reporting.metrics.status.STATE_CHOICES",
        "BenchmarkPolarityEnum": "departments.models.benchmarks.BenchmarkPolarity",
        "PolarityEnum": "departments.models.indicators.Polarity",
        "ScrutinyItemKindEnum": "scrutiny.models.ItemKind",
    },
}

# Celery: the embedded default runs tasks eagerly in process, so no broker is needed.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# With no broker, run row tasks (report builds, imports) on a thread of this process after
# the request commits, so no request waits for them and their pages show progress
# (core/background.py); `make run` turns it on. Off, eager tasks run inside the request,
# which tests rely on.
BACKGROUND_TASKS = env_bool("BACKGROUND_TASKS", False) and CELERY_TASK_ALWAYS_EAGER
if BACKGROUND_TASKS and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two threads now write to the one SQLite file (a request and the background runner):
    # each transaction takes the write lock as it begins and waits up to 20 s for it, rather
    # than failing with "database is locked" when both turn a read into a write at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
CELERY_TASK_EAGER_PROPAGATES = True
# Reliability (issue 22): a task's message is acknowledged only once the task has run,
# and a worker process killed mid-task (kill -9, the out-of-memory killer) puts the
# message back, so the task runs again; the tasks claim their row with a conditional
# UPDATE, so a message delivered twice is run once. Each worker takes one message at a
# time, so a long build never holds others back behind it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits in seconds of the long tasks (imports, report builds): past the soft limit
# the task stops and records that it took too long; past the hard one its process is
# killed and the sweeper (below) marks the row failed, with a retry. Celery writes the
# sending process's limits into each message, so web, worker and beat must share them.
TASK_SOFT_TIME_LIMIT = int(env("TASK_SOFT_TIME_LIMIT", str(30 * 60)))
TASK_TIME_LIMIT = int(env("TASK_TIME_LIMIT", str(35 * 60)))
# Redis gives an unacknowledged message to another worker after the visibility timeout:
# longer than any task may run, or a task still running would be started a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": TASK_TIME_LIMIT + 10 * 60,
    # Seconds: a request that queues work while Redis is away answers at once (the row
    # waits for the sweeper) instead of waiting on the operating system's timeouts.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# The web process tries a dispatch briefly, then leaves the row queued for the sweeper.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# A worker whose broker went away keeps trying to reconnect instead of exiting.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Work queued longer than this (minutes) without a worker taking it is sent again.
REDISPATCH_AFTER_MINUTES = int(env("REDISPATCH_AFTER_MINUTES", "5"))
# How many times a run or import may be started before it is marked failed: a file that
# kills its worker each time it is read must not be tried for ever.
TASK_MAX_ATTEMPTS = int(env("TASK_MAX_ATTEMPTS", "3"))
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "departments.tasks.record_worker_heartbeat", "schedule": 60.0},
    # Every minute: send again the imports and report runs queued while the broker was
    # away (or lost with it), and fail, with a retry, those stuck past their time limit.
    "sweep-import-jobs": {"task": "departments.tasks.sweep_import_jobs", "schedule": 60.0},
    "sweep-report-runs": {"task": "reporting.tasks.sweep_report_runs", "schedule": 60.0},
    "return-reminders": {
        "task": "departments.tasks.send_return_reminders",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon-fri"),
    },
    "scrutiny-reminders": {
        "task": "scrutiny.tasks.send_scrutiny_reminders",
        "schedule": crontab(hour=7, minute=40, day_of_week="mon-fri"),
    },
    # Daily: the task builds the Best Value annual report once the year just ended has
    # its P12 signed off (or its returns deadline has passed), and never twice.
    "annual-report": {
        "task": "reporting.tasks.build_annual_report_when_due",
        "schedule": crontab(hour=6, minute=15),
    },
    # Daily, weekends too: a notice's due date is a calendar date (Procurement Act 2023).
    "contract-notice-reminders": {
        "task": "partnerships.tasks.send_notice_reminders",
        "schedule": crontab(hour=7, minute=35),
    },
    "early-warnings": {
        "task": "reporting.tasks.evaluate_early_warnings",
        "schedule": crontab(hour=6, minute=45),
    },
}

# Scrutiny: a member's question is overdue when unanswered after this many working days.
SCRUTINY_ANSWER_WORKING_DAYS = int(env("SCRUTINY_ANSWER_WORKING_DAYS", "10"))

# Email (reminder digests): the console backend unless SMTP is configured.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "performance@council.example")
# The address people open the product at: links in emails and in built packs (made in a
# worker, with no request to take it from) start with it.
SITE_URL = env("SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION and not SITE_URL:
    raise ImproperlyConfigured(
        "SITE_URL must be set in production: the address links in emails and packs point "
        "to, such as https://performance.council.gov.uk"
    )

# Reports: chart images in PDFs are drawn by kaleido with the machine's Chromium; "0"
# leaves them out (the PDF says so where each chart would be).
REPORT_CHART_IMAGES = env_bool("REPORT_CHART_IMAGES", True)

# Imports: the biggest accepted file (bytes) and the most rows in one file.
IMPORT_MAX_UPLOAD_BYTES = int(env("IMPORT_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(env("IMPORT_MAX_ROWS", "200000"))
# A workbook's size unpacked, checked before it is read (core.uploads): the worker's
# memory and time for one import stay bounded whatever the zip holds.
IMPORT_MAX_UNPACKED_BYTES = int(env("IMPORT_MAX_UNPACKED_BYTES", str(128 * 1024 * 1024)))

DEMO_PASSWORD = env("DEMO_PASSWORD", "demo-council-2025")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_errors": {"()": "core.log_filters.OneLineErrors"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "one_line": {"class": "logging.StreamHandler", "filters": ["one_line_errors"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint, fontTools and kaleido's browser driver narrate every step at INFO.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "kaleido": {"level": "WARNING"},
        "choreographer": {"level": "WARNING"},
        "logistro": {"level": "WARNING"},
        # A cache that cannot be reached fails the same way on every request.
        "core.cache": {"handlers": ["one_line"], "propagate": False},
    },
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
