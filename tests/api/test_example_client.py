"""scripts/api_example.py, the example client of docs/api.md, run as a
subprocess against the live demo server: it logs in, checks a NIK, registers
a complaint with an Idempotency-Key (twice: one case) and reads it back."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.browser.server import ROOT


def _run(url: str, *extra: str) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "api_example.py"),
                          "--base-url", url, *extra], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_example_client_registers_and_reads_back_a_complaint(demo_api_url):
    first = _run(demo_api_url)
    assert first["found"] is True
    assert first["number"].startswith("BH-") and first["status"] == "terbuka"
    assert first["replayed"] is True
    # Run again (the same day's key): the same complaint, nothing new registered.
    again = _run(demo_api_url)
    assert again["number"] == first["number"]


def test_the_example_client_with_a_client_token(demo_api_url, demo_client_tokens):
    summary = _run(demo_api_url, "--token", demo_client_tokens["supervisor"],
                   "--nik", "1504035511980013", "--category", "pbi_tidak_aktif")
    assert summary["found"] is True and summary["status"] == "terbuka"
