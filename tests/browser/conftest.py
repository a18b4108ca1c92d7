"""The fixtures of the browser journeys: each journey module gets a database of its
own (SQLite in a temporary folder, or a new database on the PostgreSQL server named by
TEST_DATABASE_URL), migrated and loaded with the demo data, and `flask run` on it.
Every test of this folder is marked `browser`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.pages import BROWSER_MISSING
from tests.browser.server import add_matrix_world, demo_environment, fresh_database, serve_app

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """The journeys drive Chromium: each is marked `browser`, and skipped on a developer
    machine without the browser; in CI (CI set) it runs and fails (pages.watched_pages)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            if BROWSER_MISSING and not os.environ.get("CI"):
                item.add_marker(pytest.mark.skip(reason=BROWSER_MISSING))


def _label(request) -> str:
    """test_referral_journey -> referral: names the module's folders and database."""
    return request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").removesuffix(
        "_journey")


@pytest.fixture(scope="module")
def demo_database_url(request, tmp_path_factory):
    yield from fresh_database(tmp_path_factory, _label(request))


@pytest.fixture(scope="module")
def demo_env(demo_database_url, request, tmp_path_factory) -> dict:
    """The environment of the app's processes, on the module's demo database."""
    return demo_environment(demo_database_url,
                            tmp_path_factory.mktemp(f"{_label(request)}_instance"))


@pytest.fixture(scope="module")
def server_url(demo_env):
    """`flask run` on a free port of 127.0.0.1, answering /sehat; stopped at teardown."""
    yield from serve_app(demo_env)


@pytest.fixture(scope="module")
def matrix_world(demo_env) -> dict:
    """The objects of the role matrix in the module's demo database (world.py)."""
    return add_matrix_world(demo_env)
