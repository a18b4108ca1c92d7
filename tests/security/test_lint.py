"""Security checks of the code and of the production configuration.

ruff's flake8-bandit rules (S) run over the application code, and ruff with
the project's whole configuration over the application, tests and
benchmarks; a finding fails the suite. Fix it, or justify it on the line (`# noqa: S... reason`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_security_rules_find_nothing_in_the_application():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "S",
         "--output-format", "concise", "slrt", "config.py", "wsgi.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"ruff S findings:\n{proc.stdout}{proc.stderr}"


def test_ruff_with_the_project_configuration_finds_nothing():
    """Every rule pyproject.toml selects (errors, pyflakes, warnings, import
    order, bugbear, bandit), over the application, its tests and benchmarks."""
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
         "slrt", "tests", "bench", "config.py", "wsgi.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"ruff findings:\n{proc.stdout}{proc.stderr}"


def test_the_security_rules_do_find_what_they_look_for(tmp_path):
    """The check above is not vacuous: the same command flags a shell call,
    a hard-coded password and string-built SQL."""
    bad = tmp_path / "buruk.py"
    bad.write_text(
        "import subprocess\n"
        "PASSWORD = 'rahasia-admin'\n"
        "def f(nik, con):\n"
        "    subprocess.call('ls ' + nik, shell=True)\n"
        "    con.execute(\"SELECT * FROM persons WHERE nik = '\" + nik + \"'\")\n")
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", "S",
         "--output-format", "concise", str(bad)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    for rule in ("S602", "S105", "S608"):
        assert rule in proc.stdout, proc.stdout


# ---------------------------------------------------------- production config

def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    from slrt import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


@pytest.mark.parametrize("flag", ["1", "true"])
def test_production_never_runs_the_debugger(monkeypatch, tmp_path, flag):
    """FLASK_DEBUG (`flask run --debug`) would start Werkzeug's debugger, which
    runs Python typed into the browser: production refuses to start."""
    from slrt import create_app

    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("FLASK_DEBUG", flag)
    with pytest.raises(RuntimeError, match="debug"):
        create_app("production")
    monkeypatch.delenv("FLASK_DEBUG")
    with pytest.raises(RuntimeError, match="debug"):
        create_app("production", overrides={"DEBUG": True})
    app = create_app("production")
    assert app.debug is False and app.testing is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
