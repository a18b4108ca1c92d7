"""Logging for the app and its CLI commands: to stderr (the journal under systemd),
at the level of LOG_LEVEL (env SLRT_LOG_LEVEL, default INFO).

Without it, Python's default (WARNING, and no handler outside a debugger) dropped
every INFO line: the scheduler's summary after each sweep never reached the journal.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Stderr(logging.StreamHandler):
    """Writes to the sys.stderr of the moment (a test runner or a CLI runner may swap it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure_logging(app) -> None:
    level_name = str(app.config.get("LOG_LEVEL") or "INFO").upper()
    level = logging.getLevelName(level_name)
    if not isinstance(level, int):
        raise RuntimeError(f"LOG_LEVEL tidak dikenal: {level_name} (DEBUG, INFO, WARNING, "
                           "ERROR)")
    root = logging.getLogger()
    if app.testing:
        app.logger.setLevel(level)  # pytest's own capture shows the records
        return
    if not any(isinstance(h, _Stderr) for h in root.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    app.logger.setLevel(level)
    # Flask's own handler on app.logger would print each app line a second time.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
