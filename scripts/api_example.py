#!/usr/bin/env python3
"""A village system's complaint module, talking to the SLRT API (docs/api.md).

Standard library only. Against the demo (`flask demo load`, then `flask run`):

    python scripts/api_example.py --base-url http://127.0.0.1:5000

It logs in as the demo's operator of Kelurahan Muara Bulian (a personal token;
a real village system gets a client token from the admin and passes
--token), checks a NIK in the registry, registers a complaint for that
resident with an Idempotency-Key (sent twice, as a system whose answer was
lost would: the second answer is the first one, nothing is registered
twice), and reads the complaint's status back. The last line it prints is a
JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from datetime import date


class Api:
    def __init__(self, base_url: str, token: str | None = None):
        if not base_url.startswith(("http://", "https://")):
            raise SystemExit("--base-url must start with http:// or https://")
        self.base = base_url.rstrip("/") + "/api/v1"
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None, **headers):
        """(status, headers, JSON body); an error answer is a problem document."""
        req = urllib.request.Request(  # noqa: S310 - the http(s) URL checked in __init__
            self.base + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
                     **headers})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
                return resp.status, resp.headers, json.load(resp)
        except urllib.error.HTTPError as e:
            return e.code, e.headers, json.load(e)


def problem(status: int, body: dict) -> str:
    fields = "; ".join(f"{e['field']}: {e['message']}" for e in body.get("errors", []))
    return f"HTTP {status} {body.get('title', '')}: {body.get('detail', '')} {fields}".strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", default="http://127.0.0.1:5000")
    ap.add_argument("--token", help="a client token (slrtc_…); else log in")
    ap.add_argument("--username", default="operator")
    ap.add_argument("--password", default="demo-slrt-2026")
    ap.add_argument("--nik", default="1504032101920005", help="a resident listed in the demo")
    ap.add_argument("--village", default="15.04.03.1001")
    ap.add_argument("--category", default="bansos_tidak_diterima")
    args = ap.parse_args()
    api = Api(args.base_url, args.token)

    if not api.token:
        status, _h, body = api.call("POST", "/auth/token", {"username": args.username,
                                                             "password": args.password})
        if status != 200:
            print("login:", problem(status, body), file=sys.stderr)
            return 1
        api.token = body["access_token"]
        print(f"token pribadi diperoleh, berlaku {body['expires_in']} detik")

    status, _h, check = api.call("POST", "/registry/check", {"nik": args.nik})
    if status != 200:
        print("cek DTKS:", problem(status, check), file=sys.stderr)
        return 1
    record = check["record"] or {}
    print(f"cek DTKS {args.nik[:6]}…: ditemukan={check['found']} "
          f"periode={record.get('period') or check['latest_period']} nama={record.get('name')}")

    complaint = {"village_code": args.village, "category_code": args.category,
                 "channel": "laporan_desa", "nik": args.nik,
                 "name": record.get("name") or "Warga",
                 "description": "Bantuan sosial tidak diterima sejak tiga bulan terakhir "
                                "(laporan dari modul pengaduan desa)."}
    # The village system's own id of this complaint: the same one on every retry.
    key = f"contoh-{args.village}-{args.nik}-{date.today():%Y%m%d}"
    status, _h, case = api.call("POST", "/complaints", complaint, **{"Idempotency-Key": key})
    if status == 409 and case.get("existing_case"):
        print("sudah ada pengaduan terbuka:", case["detail"])
        case_id, replayed = case["existing_case"], None
    elif status != 201:
        print("catat pengaduan:", problem(status, case), file=sys.stderr)
        return 1
    else:
        case_id = case["id"]
        print(f"pengaduan dicatat: {case['number']} ({case['status_label']})")
        # The answer was "lost": the same request again, with the same key.
        status2, headers2, again = api.call("POST", "/complaints", complaint,
                                            **{"Idempotency-Key": key})
        replayed = headers2.get("Idempotent-Replayed") == "true" and again["id"] == case_id
        print(f"dikirim ulang dengan kunci yang sama: HTTP {status2}, jawaban pertama: "
              f"{replayed}")

    status, _h, now = api.call("GET", f"/complaints/{case_id}")
    if status != 200:
        print("baca status:", problem(status, now), file=sys.stderr)
        return 1
    print(f"status {now['number']}: {now['status_label']} (versi {now['version']})")
    print(json.dumps({"found": check["found"], "number": now["number"],
                      "status": now["status"], "replayed": replayed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
