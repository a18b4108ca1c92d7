"""The live demo server of the API's end-to-end tests (the schemathesis run,
the example client script): a fresh database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL names a server) migrated and loaded with the demo data, and
`flask run` on a free port of 127.0.0.1, shared by the session."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.browser.server import ROOT, demo_environment, fresh_database, serve_app


@pytest.fixture(scope="session")
def demo_api_env(tmp_path_factory):
    gen = fresh_database(tmp_path_factory, "api")
    url = next(gen)
    env = demo_environment(url, tmp_path_factory.mktemp("api_instance"))
    # The fuzzer sends thousands of calls a minute: the throttle would answer
    # most of them 429 (and the 429 is tested on its own, tests/api/test_tokens.py).
    env["SLRT_API_RATE_LIMIT"] = "1000000/minute"
    yield env
    gen.close()


@pytest.fixture(scope="session")
def demo_api_url(demo_api_env):
    yield from serve_app(demo_api_env)


DEMO_CLIENTS = {
    # A district dashboard: the supervisor's reach, the whole regency.
    "supervisor": ("Dasbor Kabupaten Demo", "supervisor", []),
    # The field app of the demo's facilitator (Hendra Saputra's three villages).
    "fasilitator": ("Aplikasi Lapangan Demo", "fasilitator",
                    ["15.04.03.2013", "15.04.03.2011", "15.04.03.2010"]),
}


@pytest.fixture(scope="session")
def demo_client_tokens(demo_api_env) -> dict[str, str]:
    """Tokens of API clients the demo's admin creates (role -> token)."""
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from sqlalchemy import select\n"
        "from wsgi import app\n"
        "from slrt.api import services\n"
        "from slrt.auth.models import User\n"
        "from slrt.extensions import db\n"
        f"clients = {DEMO_CLIENTS!r}\n"
        "with app.app_context():\n"
        "    admin = db.session.scalar(select(User).where(User.username == 'admin'))\n"
        "    for key, (name, role, villages) in clients.items():\n"
        "        _c, token = services.create_client(admin, name, role,\n"
        "            kabupaten=app.config['SLRT_KABUPATEN'], villages=villages, programs=[],\n"
        "            expires_at=None, now=datetime.now(UTC))\n"
        "        print(key, token)\n"
        "    db.session.commit()\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=demo_api_env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return dict(line.split(" ", 1) for line in out.stdout.strip().splitlines()
                if line.split(" ", 1)[0] in DEMO_CLIENTS)
