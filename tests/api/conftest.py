"""The live demo server of the API's end-to-end tests (the schemathesis run,
the example client script): a fresh database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL names a server) migrated and loaded with the demo data, and
`flask run` on a free port of 127.0.0.1, shared by the session; and the small
outreach world of a facilitator of Aro that the outreach tests share."""

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


@pytest.fixture
def aro_outreach(make_user, register, app, db, tmp_path):
    """Hendra, facilitator of Aro, with his personal token; a burned house in Aro
    referred to disaster aid long ago (late, with its follow-up task) and a late
    referral in Olak, which is not his. Not committed: a test adds to it."""
    from datetime import date

    from slrt.api import services
    from slrt.common.time import now_utc
    from slrt.outreach.models import FollowUpTask
    from tests.factories import ARO, OLAK, build_nik, refer, wib

    app.instance_path = str(tmp_path)
    op = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    op_olak = make_user("operator", villages=[OLAK], full_name="Ahmad Fauzi")
    fas = make_user("fasilitator", villages=[ARO], full_name="Hendra Saputra")
    fire = register(op, category="korban_bencana", name="Syamsul Bahri",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3), dusun="Dusun III",
                    rt="004", rw="002", phone="081274561230", when=wib(2026, 1, 5, 9),
                    description="Rumah terbakar habis; bantuan belum datang.")
    ref = refer(op, fire, "BENCANA_LOG", wib(2026, 1, 5, 10))
    olak = register(op_olak, village=OLAK, category="korban_bencana", name="Jamilah",
                    nik=build_nik("15.04.03", date(1960, 8, 1), "P", 4), when=wib(2026, 1, 5, 9))
    refer(op_olak, olak, "BENCANA_LOG", wib(2026, 1, 5, 10))
    task = FollowUpTask(referral_id=ref.id, case_id=fire.id, village_code=ARO,
                        due_date=ref.due_date, reason="Rujukan lewat batas waktu")
    db.session.add(task)
    token = services.login(fas, now=now_utc())["access_token"]
    return dict(op=op, fas=fas, fire=fire, ref=ref, olak=olak, task=task,
                headers={"Authorization": f"Bearer {token}"})
