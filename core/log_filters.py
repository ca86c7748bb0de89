"""Logging filters: what a log line keeps when the same failure repeats on every request."""

from __future__ import annotations

import logging


class OneLineErrors(logging.Filter):
    """Drop the traceback of a record, keeping the exception's class and message in one
    line. For the cache: while Redis is away every request's cache call fails the same
    way (django-redis logs each with its traceback), and one line each says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
