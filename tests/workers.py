"""Start real processes for a test: a Celery worker on a queue of its own, a spare Redis."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Worker:
    """A worker process started for a test, and the queue that only it reads."""

    queue: str
    process: subprocess.Popen

    def pool_processes(self) -> list[int]:
        """The ids of the pool's processes: the worker process's children (Linux)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


@contextlib.contextmanager
def celery_worker_process(
    *, app: str = "config", pool: str = "solo", **environment: str
) -> Iterator[Worker]:
    """Yield a worker of Celery app ``app`` (a module path) with ``pool`` ("solo", or
    "prefork" with one pool process), and stop it afterwards.

    The queue is the test's own, so no other worker (on another database) takes its task.
    """
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
    )
    try:
        yield Worker(queue=queue, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def celery_worker(**environment: str) -> Iterator[str]:
    """Yield the queue name of a worker started for this test (solo pool)."""
    with celery_worker_process(**environment) as worker:
        yield worker.queue


REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SpareRedis:
    """A Redis of the test's own, without persistence, that the test stops and starts."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it (again, empty, as a Redis restarted without its data is) and wait
        until it answers."""
        import redis

        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def spare_redis() -> Iterator[SpareRedis]:
    """A Redis started for the test on a free port (``redis-server`` must be installed),
    killed afterwards."""
    server = SpareRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
