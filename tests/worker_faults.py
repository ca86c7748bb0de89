"""The project's Celery app with one fault, for a worker that a test starts and hurts.

``celery -A tests.worker_faults worker`` runs the project's tasks as ``-A config`` does;
in each pool process, the first import job it reads (while the file named by the
environment's FAULT_MARKER does not exist) creates that file and sleeps for a minute
first, so that the test can kill the process, or a time limit stop the task, mid-import.
Later attempts run as usual.
"""

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from config.celery import app

__all__ = ["app"]


@worker_process_init.connect
def _slow_first_import(**kwargs) -> None:
    # Django is set up in the pool process by now, so its modules can be imported.
    from departments.imports import services

    marker = Path(os.environ["FAULT_MARKER"])
    real = services.run_job

    def slow_once(job, **options):
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            time.sleep(60)
        return real(job, **options)

    services.run_job = slow_once
