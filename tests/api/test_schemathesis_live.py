"""Schemathesis against the live app: `st run` (its own CLI, as a subprocess)
on a real server with the demo data and an API client's token, on the
engine of the run (SQLite file, or PostgreSQL with TEST_DATABASE_URL).

Every documented operation gets its examples, the coverage phase (the
boundaries of each field), random fuzzing and a few stateful scenarios; every
check is on except `positive_data_acceptance` (a schema-valid body may still
break a rule of the services: an unknown category, a village outside the
client's reach, a move the life cycle refuses; a 422 there is the right
answer). The ids in the paths are real ones of the demo, so the operations on
one case, referral or proposal reach the services instead of a 404."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ST = Path(sys.executable).with_name("st")
CHECKS_OFF = "positive_data_acceptance"


def _first_id(base: str, token: str, *paths: str) -> str | None:
    """The id of the first item the first of the lists that has one shows."""
    for path in paths:
        req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # the local demo server
                items = json.load(resp)["items"]
        except urllib.error.HTTPError:  # a list this role may not read
            continue
        if items:
            return items[0]["id"]
    return None


@pytest.mark.parametrize("role", ["supervisor", "fasilitator"])
def test_no_500_and_every_response_matches_the_schema(demo_api_url, demo_client_tokens,
                                                      tmp_path, role):
    """A district dashboard's token (the regency) and a field app's (the
    facilitator's villages: the outreach operations answer it)."""
    st = ST if ST.exists() else shutil.which("st")
    assert st, "the schemathesis CLI (st) is missing: ./scripts/test installs it"
    base, token = demo_api_url, demo_client_tokens[role]
    ids = {"case_ref": _first_id(base, token, "/api/v1/complaints?limit=1&status=dirujuk",
                                 "/api/v1/complaints?limit=1"),
           "referral_ref": _first_id(base, token, "/api/v1/referrals?limit=1"),
           "proposal_ref": _first_id(base, token, "/api/v1/proposals?limit=1")}
    assert ids["case_ref"] and ids["proposal_ref"], ids  # the demo has them in every reach
    config = tmp_path / "schemathesis.toml"
    config.write_text("[parameters]\n" + "".join(
        f'{name} = "{value}"\n' for name, value in ids.items() if value))
    report = tmp_path / "report.json"
    cmd = [str(st), "--config-file", str(config), "run",
           f"{base}/api/v1/openapi.json",
           "-H", f"Authorization: Bearer {token}",
           "--checks", "all", "--exclude-checks", CHECKS_OFF,
           "--max-examples", "10", "--seed", "20261206", "--workers", "2",
           "--generation-database", "none", "--request-timeout", "20",
           "--max-failures", "20", "--no-color", "--report", "ndjson",
           "--report-ndjson-path", str(report)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=240, check=False,
                         cwd=tmp_path)  # its cache folder goes there, not into the tree
    summary = out.stdout[-8000:]
    assert out.returncode == 0, f"schemathesis found failures:\n{summary}\n{out.stderr[-2000:]}"
    events = [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
    assert len(events) > 20, summary
    tested = re.search(r"Tested: (\d+)", summary)
    assert tested and int(tested.group(1)) >= 20, summary  # every documented operation
    generated = re.search(r"(\d+) generated", summary)
    assert generated and int(generated.group(1)) >= 500, summary
