"""Logging is configured for the app and its CLI: the scheduler's summary reaches stderr
(the journal under systemd), at the level set by SLRT_LOG_LEVEL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(db_url, tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SLRT_LOG"))}
    env.update(DATABASE_URL=db_url, SLRT_CONFIG="development", SECRET_KEY="uji-log",
               SLRT_INSTANCE_PATH=str(tmp_path / "instance"), **extra)
    return env


def _run(args, env):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_scheduler_job_logs_its_summary_to_stderr(db_url, tmp_path):
    """The scheduler's job, in the app every entry point loads (wsgi)."""
    code = ("from wsgi import app\n"
            "from slrt.notifications.cli import run_job\n"
            "with app.app_context():\n"
            "    run_job()\n")
    proc = _run([sys.executable, "-c", code], _env(db_url, tmp_path))
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "Pengingat per" in line]
    assert len(lines) == 1, proc.stderr  # once: not also through Flask's own handler
    assert " INFO " in lines[0] and "Rujukan perlu pengingat: 0" in lines[0]
    assert proc.stdout == ""


def test_flask_scheduler_run_once_and_the_level_from_the_environment(db_url, tmp_path):
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", "--once"]
    proc = _run(cmd, _env(db_url, tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "Pengingat per" in proc.stderr and "Pengiriman e-mail/webhook" in proc.stderr
    quiet = _run(cmd, _env(db_url, tmp_path, SLRT_LOG_LEVEL="WARNING"))
    assert quiet.returncode == 0, quiet.stderr
    assert "Pengingat per" not in quiet.stderr
