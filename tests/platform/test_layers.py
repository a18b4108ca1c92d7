"""The layers of the package (docs/architecture.md): `lint-imports` holds the
contracts of pyproject.toml, and they are not empty words."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120)


def test_the_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_package_has_its_layer():
    """A new feature package must be given a place, or the contract says nothing of it."""
    packages = {p.name for p in (ROOT / "slrt").iterdir()
                if (p / "__init__.py").exists() or (p.suffix == ".py" and p.stem != "__init__")}
    packages = {p.removesuffix(".py") for p in packages}
    contracts = _contracts()
    layered = {name.strip() for layer in contracts["layers"]["layers"]
               for name in layer.split("|")}
    assert packages == layered
    below_doors = {m.removeprefix("slrt.") for m in contracts["doors"]["source_modules"]}
    # The doors at the top: the command line, the models' registry, the start
    # page, and the JSON API (a package of its own: slrt/api).
    assert below_doors == packages - {"cli", "models", "main", "api"}


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The same contracts on a copy of the package in which the platform
    reaches up into the cases: lint-imports refuses it."""
    shutil.copytree(ROOT / "slrt", tmp_path / "slrt",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert _lint(tmp_path).returncode == 0
    (tmp_path / "slrt" / "platform" / "upward.py").write_text(
        "def case_count():\n    from slrt.cases.models import Case\n\n    return Case\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "slrt.platform is not allowed to import slrt.cases" in result.stdout


def test_every_command_module_is_kept_off_the_pages():
    """Each module of `flask` commands is named in the cli-not-web contract."""
    commands = {"slrt.cli"} | {f"slrt.{p.parent.name}.cli"
                               for p in (ROOT / "slrt").glob("*/cli.py")}
    assert set(_contracts()["cli-not-web"]["source_modules"]) == commands


def test_a_command_importing_a_page_breaks_the_contract(tmp_path):
    """The report command once took its file writers from the report pages; a
    copy of the package in which it does so again is refused."""
    shutil.copytree(ROOT / "slrt", tmp_path / "slrt",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    cli = tmp_path / "slrt" / "reports" / "cli.py"
    cli.write_text(cli.read_text() + "\n\ndef _page():\n"
                   "    from slrt.reports.views import cases_export\n\n    return cases_export\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "slrt.reports.cli is not allowed to import slrt.reports.views" in result.stdout
