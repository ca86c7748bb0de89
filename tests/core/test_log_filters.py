"""The cache's log while Redis is away: one line per failed call, no traceback."""

import logging

from core.log_filters import OneLineErrors


def test_a_logged_exception_becomes_one_line_with_its_class_and_message():
    try:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    except ConnectionError:
        record = logging.LogRecord(
            "core.cache", logging.ERROR, __file__, 1, "Exception ignored %s", ("get",), None
        )
        import sys

        record.exc_info = sys.exc_info()

    assert OneLineErrors().filter(record) is True
    assert record.exc_info is None
    assert logging.Formatter().format(record) == (
        "Exception ignored get: ConnectionError: Error 111 connecting to 127.0.0.1:6379. "
        "Connection refused."
    )
