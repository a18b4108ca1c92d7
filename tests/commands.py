"""The `flask` commands run as a user runs them: `python -m flask --app wsgi ...`
in a subprocess, with the development configuration, on the test's own
database (a migrated SQLite file, or its PostgreSQL database).

Never through the in-process test runner: the testing configuration keeps
SQLite's deferred transactions and shares the test's session, which once hid
a lock the registry import took on itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def flask_cli(db_url: str, tmp_path: Path, *args, config: str = "development",
              timeout: float = 120, env: dict | None = None,
              stdin: str | None = None) -> subprocess.CompletedProcess:
    """`python -m flask --app wsgi ARGS` as a user runs it; `env` adds settings
    (the environment is how an installation configures the app)."""
    instance = tmp_path / "instance"
    full_env = {**os.environ, "DATABASE_URL": db_url, "SLRT_CONFIG": config,
                "SLRT_INSTANCE_PATH": str(instance), "PYTHONPATH": str(ROOT),
                "SECRET_KEY": "kunci-uji-perintah-" + "x" * 32, **(env or {})}
    full_env.pop("FLASK_DEBUG", None)
    return subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "flask", "--app", "wsgi", *map(str, args)], cwd=ROOT,
        env=full_env, capture_output=True, text=True, timeout=timeout, input=stdin)


def fresh(db) -> None:
    """Forget what the test's session read, so it sees what a command committed."""
    db.session.rollback()
    db.session.expire_all()


def command(db_url: str, tmp_path: Path, *args, ok: bool = True,
            **kw) -> subprocess.CompletedProcess:
    """flask_cli(), its exit code checked (0, or not 0 when `ok` is False); the
    message of a failed check is everything the command printed."""
    done = flask_cli(db_url, tmp_path, *args, **kw)
    assert (done.returncode == 0) is ok, f"exit {done.returncode}\n{done.stdout}{done.stderr}"
    return done


def said(done: subprocess.CompletedProcess) -> str:
    """All a command printed, standard output and error (click's usage errors)."""
    return done.stdout + done.stderr


@dataclass
class Ran:
    """What a command did, named as click's test runner names it."""

    exit_code: int
    output: str  # standard output and error, as the admin's terminal shows them


def ran(done: subprocess.CompletedProcess) -> Ran:
    return Ran(done.returncode, said(done))
