"""The deployment files under deploy/ (systemd units, the environment file, nginx)
name only what exists: every `flask` command they run is a registered command of the
app, every variable of the environment file is one config.py reads, and the units
pass `systemd-analyze verify` where systemd is installed."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("slrt-*.*"))
VENV_BIN = "/srv/slrt/app/.venv/bin/"


def exec_lines(unit: Path) -> list[list[str]]:
    """The words of each ExecStart of a unit (a `sh -c '...'` split again)."""
    out = []
    for line in unit.read_text().splitlines():
        if line.startswith("ExecStart="):
            words = shlex.split(line.removeprefix("ExecStart="))
            if words[:2] == ["/bin/sh", "-c"]:
                for part in re.split(r"&&|\|", words[2]):
                    out.append(shlex.split(part))
            else:
                out.append(words)
    return out


def flask_commands() -> list[list[str]]:
    """[group, command, ...] of every `flask --app wsgi ...` the units run."""
    found = []
    for unit in UNITS:
        for words in exec_lines(unit):
            if words and words[0] == VENV_BIN + "flask":
                assert words[1:3] == ["--app", "wsgi"], words
                found.append(words[3:])
    return found


def test_the_units_are_the_web_the_one_scheduler_and_the_backup():
    assert [u.name for u in UNITS] == ["slrt-backup.service", "slrt-backup.timer",
                                       "slrt-scheduler.service", "slrt-web.service"]
    assert [c[:2] for c in flask_commands()] == [["backup", "create"], ["scheduler", "run"]]


def test_every_flask_command_of_the_units_is_registered(app):
    runner = app.test_cli_runner()
    for words in flask_commands():
        command = [w for w in words if not w.startswith("/srv/")]  # the backup's path
        result = runner.invoke(args=[*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage:" in result.output


def test_the_web_unit_serves_the_wsgi_app_with_the_venv_gunicorn():
    [words] = exec_lines(DEPLOY / "systemd" / "slrt-web.service")
    assert words[0] == VENV_BIN + "gunicorn" and words[-1] == "wsgi:app"
    assert re.search(r"^app = ", (ROOT / "wsgi.py").read_text(), re.M)
    assert Path(sys.executable).with_name("gunicorn").exists()  # a dependency of the app


def test_every_variable_of_the_environment_file_is_read_by_config():
    config = (ROOT / "config.py").read_text()
    names = [line.split("=", 1)[0] for line in (DEPLOY / "slrt.env.example").read_text()
             .splitlines() if line and not line.startswith("#")]
    assert {"SECRET_KEY", "DATABASE_URL", "SLRT_STORAGE", "SLRT_API_RATE_STORAGE"} <= set(names)
    for name in names:
        assert f'"{name}"' in config, f"{name} is not a setting of config.py"
    env = dict(line.split("=", 1) for line in (DEPLOY / "slrt.env.example").read_text()
               .splitlines() if line and not line.startswith("#"))
    assert env["SLRT_STORAGE"] == "database"  # several hosts: the files in the database
    assert env["SLRT_CONFIG"] == "production"


def test_the_load_balancer_sends_to_both_app_hosts_and_lets_the_registry_file_through():
    conf = (DEPLOY / "nginx" / "slrt.conf").read_text()
    upstream = re.search(r"upstream slrt_app \{(.*?)\}", conf, re.S).group(1)
    assert len(re.findall(r"^\s*server \S+:8000", upstream, re.M)) == 2
    block = re.search(r"location = /dtks/impor \{(.*?)\}", conf, re.S).group(1)
    assert "client_max_body_size 1100m" in block


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed on this machine")
def test_systemd_accepts_the_units(tmp_path):
    # The units name /srv/slrt/app/.venv; here the project's own virtualenv stands in.
    for unit in UNITS:
        text = unit.read_text().replace(VENV_BIN, str(Path(sys.executable).parent) + "/")
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no",
                             *(str(tmp_path / u.name) for u in UNITS)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
