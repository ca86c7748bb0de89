"""Gunicorn settings for the web process (the container's default command).

Run it as ``gunicorn -c config/gunicorn.conf.py config.wsgi:application``. Everything that
varies between deployments comes from the environment:

- ``PORT``: the port to listen on, on every interface (default 8000).
- ``WEB_CONCURRENCY``: the number of worker processes (default 2 x cores + 1, at most 4).
- ``FORWARDED_ALLOW_IPS``: the front ends trusted to set ``X-Forwarded-*`` (default ``*``:
  in a container the proxy's address is not known in advance, and Django already trusts
  ``X-Forwarded-Proto`` through ``SECURE_PROXY_SSL_HEADER``).
- ``LOG_LEVEL``: gunicorn's own log level (default info), the same variable Django reads.
"""

import os


def _cores() -> int:
    try:
        # The CPUs this process may run on (honours a container's cpuset), not the host's.
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not available on every platform
        return os.cpu_count() or 1


def _workers() -> int:
    configured = os.environ.get("WEB_CONCURRENCY", "").strip()
    if configured:
        return max(1, int(configured))
    return min(2 * _cores() + 1, 4)


wsgi_app = "config.wsgi:application"

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = _workers()
timeout = 60
graceful_timeout = 30
keepalive = 5

# Access and error logs on stdout/stderr, where the container runtime collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# The worker heartbeat file: on a container's overlay filesystem fchmod can block, so use
# the in-memory /dev/shm where it exists (gunicorn's advice for Docker).
if os.path.isdir("/dev/shm"):  # noqa: S108 - a fixed system directory, not a temp file
    worker_tmp_dir = "/dev/shm"  # noqa: S108
