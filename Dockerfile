# Partnership governance dashboard: one image for every process (web, migrate, worker, beat).
#
#   docker build -t partnership-governance .
#   docker run -e DJANGO_ENV=production -e DJANGO_SECRET_KEY=... -e DATABASE_URL=... \
#              -e REDIS_URL=... -e DJANGO_ALLOWED_HOSTS=... -e SITE_URL=https://... \
#              -p 8000:8000 partnership-governance
#
# The default command is gunicorn; the worker and beat run the same image with
# `celery -A config worker` / `celery -A config beat` (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PORT=8000

# Pango and a font for WeasyPrint's PDF reports (it also uses HarfBuzz's subsetter when
# it is there, else the slower fontTools), and Debian's Chromium, through which kaleido
# draws the reports' charts (without it a report says so in place of each chart).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        chromium \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user to run every process; its home is writable (gunicorn puts its
# control socket under ~/.gunicorn), the application code is not.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies only, read from pyproject.toml's [project].dependencies: the project itself
# is no installable package (`packages = []`), its modules are imported from /app. Copying
# pyproject.toml alone first keeps this layer cached while only the code changes.
COPY pyproject.toml ./
RUN python -m venv "$VIRTUAL_ENV" \
    && python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write(chr(10).join(deps) + chr(10))" \
    && pip install --upgrade pip \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files with the production storage (CompressedManifestStaticFilesStorage), so the
# manifest and the compressed copies exist in the image. Production settings refuse to load
# without a secret key, Redis and the site's address: give this one command a random,
# throwaway key (nothing is signed here, and it is neither kept in the image nor in its
# history) and placeholders for the others, which collectstatic never contacts.
RUN DJANGO_ENV=production \
    DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    REDIS_URL=redis://unused:6379/0 SITE_URL=http://unused \
    python manage.py collectstatic --noinput \
    && python -m compileall -q /app \
    && mkdir -p /app/media \
    && chown app:app /app/media

USER app

EXPOSE 8000

# /healthz answers 200 when the database does. Ask for it as the proxy would: with a host
# that ALLOWED_HOSTS accepts (the first one configured) and X-Forwarded-Proto: https, so
# that the production SSL redirect does not turn the check into a 301.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; hosts = [h.strip() for h in os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',') if h.strip() and h.strip() != '*']; host = hosts[0].lstrip('.') if hosts else 'localhost'; request = urllib.request.Request('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), headers={'Host': host, 'X-Forwarded-Proto': 'https'}); sys.exit(0 if urllib.request.urlopen(request, timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi:application"]
