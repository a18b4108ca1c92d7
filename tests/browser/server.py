"""The server of the browser journeys: a fresh database loaded with the demo data,
and `flask run` on a free port of 127.0.0.1.

A plain module: conftest.py wraps its generators in the journeys' module fixtures.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _libpq_url(url: str) -> str:
    """postgresql+psycopg://... or postgres://... as a plain libpq URI."""
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(_libpq_url(url))
    return urlunsplit(parts._replace(path=f"/{name}"))


def _flask(env: dict, *args: str, timeout: float = 300) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, (
        f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _wait_until_healthy(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310  (local http)
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError) as e:
            last_error = e
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer 200 within {SERVER_START_TIMEOUT:.0f}s "
                f"({last_error}):\n{log_path.read_text()}")


def fresh_database(tmp_path_factory, label: str):
    """A fresh, empty database: PostgreSQL if TEST_DATABASE_URL, else SQLite (a generator
    for a module fixture to yield from; the PostgreSQL database is dropped afterwards)."""
    server = os.environ.get("TEST_DATABASE_URL", "")
    if not server.startswith(("postgresql", "postgres")):
        folder = tmp_path_factory.mktemp(f"{label}_db")
        yield f"sqlite:///{folder / 'slrt.db'}"
        return

    import psycopg

    name = f"slrt_{label}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq_url(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server, name)
    finally:
        with psycopg.connect(_libpq_url(server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def demo_environment(database_url: str, instance: Path) -> dict:
    """The environment of the app's processes, on a database migrated and loaded with demo data."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "SLRT_")) and k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(SLRT_CONFIG="development", SLRT_INSTANCE_PATH=str(instance),
               DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    _flask(env, "db", "upgrade")
    _flask(env, "demo", "load", "--quiet")
    return env


def serve_app(env: dict):
    """`flask run` on a free port of 127.0.0.1 with env, answering /sehat: yields
    the base URL (for a module fixture to yield from); stopped at teardown."""
    port = _free_port()
    log_path = Path(env["SLRT_INSTANCE_PATH"]) / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
             "--port", str(port), "--no-reload", "--no-debugger"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(proc, f"{base}/sehat", log_path)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def add_matrix_world(env: dict) -> dict:
    """Adds the objects of the role matrix to the demo database (tests/browser/world.py):
    {"ids": the ids of its URLs, "rules": endpoint -> URL rule}."""
    import json

    result = subprocess.run(
        [sys.executable, "-m", "tests.browser.world"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"tests.browser.world failed:\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])
