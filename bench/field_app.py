"""Benchmark the facilitator's field app (/lapangan/) against the plain pages on a 3G-like link.

Usage: python bench/field_app.py [--reps 3] [--kbps 400] [--rtt 400]

Builds a fresh SQLite database with the demo data (`flask db upgrade`, `flask demo
load`), serves it with `flask run` on 127.0.0.1, and drives Debian's Chromium
(Playwright) as the demo facilitator with the network emulated through the Chrome
DevTools protocol (Network.emulateNetworkConditions: --kbps down and up, --rtt ms
round trip). For the app and for the plain pages (the baseline, in the same run):

- cold first use: a new browser profile opens the address, logs in and sees the
  follow-up tasks of Desa saya;
- warm first use: the same profile opens it again and sees the tasks;
- bytes: what the page's requests moved over the wire (CDP encodedDataLength),
  and for the app what its service worker downloaded in the background into its
  cache (Cache Storage);
- one visit: from "Catat kunjungan" to the visit saved (the app: kept on the phone,
  and then on the server; the pages: the case page after the POST).

Prints medians of --reps runs, the baseline and the ratio; no pass/fail.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import common

ROOT = Path(common.ROOT)
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-slrt-2026"  # noqa: S105  (the published demo password)
NOTE = "Rumah kosong, keluarga di kebun karet sampai sore."


def serve(tmp: str):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "SLRT_")) and k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(SLRT_CONFIG="development", SLRT_INSTANCE_PATH=tmp, PYTHONUNBUFFERED="1",
               DATABASE_URL=f"sqlite:///{tmp}/bench.db")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["demo", "load", "--quiet"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(Path(tmp) / "server.log", "w")  # noqa: SIM115  (closed with the server)
    proc = subprocess.Popen(flask + ["run", "--port", str(port), "--no-reload"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"{base}/sehat", timeout=2):  # noqa: S310  (local)
                return proc, base
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not start: {(Path(tmp) / 'server.log').read_text()}")


class Link:
    """A page on the emulated link, counting the bytes its requests move."""

    def __init__(self, context, page, kbps: int, rtt: int):
        self.page = page
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        rate = kbps * 1000 / 8
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": rtt, "downloadThroughput": rate,
            "uploadThroughput": rate})
        self.bytes = 0
        self.cdp.on("Network.loadingFinished",
                    lambda e: setattr(self, "bytes", self.bytes + e["encodedDataLength"]))


def logging_in(browser, url: str, kbps: int, rtt: int):
    """A fresh phone on the emulated link logging in as the demo's facilitator at
    url's login form: its context, page, link and the time it started."""
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta")
    page = context.new_page()
    link = Link(context, page, kbps, rtt)
    start = time.perf_counter()
    page.goto(url)
    page.get_by_label("Nama pengguna").fill("fasilitator")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    return context, page, link, start


def reopened(page, link: Link, url: str, ready: str) -> tuple[float, int]:
    """The page opened again (warm): the seconds until `ready` shows, the bytes."""
    link.bytes = 0
    start = time.perf_counter()
    page.goto(url)
    page.locator(ready).first.wait_for()
    return time.perf_counter() - start, link.bytes


def app_cold_and_warm(browser, base: str, kbps: int, rtt: int) -> dict:
    context, page, link, start = logging_in(browser, f"{base}/lapangan/", kbps, rtt)
    page.locator("#tugas li[data-case]").first.wait_for()
    cold = time.perf_counter() - start
    cold_bytes = link.bytes
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=120_000)
    cached = page.evaluate("""async () => {
        let n = 0;
        for (const name of await caches.keys()) {
          const cache = await caches.open(name);
          for (const req of await cache.keys()) n += (await (await cache.match(req)).blob()).size;
        }
        return n; }""")
    warm, warm_bytes = reopened(page, link, f"{base}/lapangan/", "#tugas li[data-case]")
    page.locator("#sinkron-terakhir").wait_for()
    page.get_by_role("button", name="Sinkronkan").wait_for()  # the sync of the opening is over
    start = time.perf_counter()
    page.locator("#tugas li[data-case]").first.get_by_role(
        "button", name="Catat kunjungan").click()
    page.get_by_label("Tidak di rumah", exact=True).check()
    page.get_by_label("Catatan").fill(NOTE)
    page.get_by_role("button", name="Simpan kunjungan").click()
    page.locator("#pesan").filter(has_text="Kunjungan disimpan").wait_for()
    saved = time.perf_counter() - start
    page.locator("#jumlah-menunggu").filter(has_text="0").wait_for(timeout=120_000)
    page.get_by_role("button", name="Sinkronkan").wait_for()
    synced = time.perf_counter() - start
    context.close()
    return {"cold": cold, "cold_bytes": cold_bytes, "cached": cached, "warm": warm,
            "warm_bytes": warm_bytes, "visit": saved, "visit_synced": synced}


def pages_cold_and_warm(browser, base: str, kbps: int, rtt: int) -> dict:
    context, page, link, start = logging_in(browser, f"{base}/masuk", kbps, rtt)
    page.locator("#kotak-masuk").wait_for()
    page.goto(f"{base}/desa-saya")
    page.locator("#tugas li").first.wait_for()
    cold = time.perf_counter() - start
    cold_bytes = link.bytes
    warm, warm_bytes = reopened(page, link, f"{base}/desa-saya", "#tugas li")
    start = time.perf_counter()
    page.locator("#tugas li").first.get_by_role("link", name="Catat kunjungan").click()
    page.get_by_label("Tidak di rumah").check()
    page.get_by_label("Catatan").fill(NOTE)
    page.get_by_role("button", name="Simpan kunjungan").click()
    page.locator("ol.timeline").wait_for()
    visit = time.perf_counter() - start
    context.close()
    return {"cold": cold, "cold_bytes": cold_bytes, "cached": 0, "warm": warm,
            "warm_bytes": warm_bytes, "visit": visit, "visit_synced": visit}


def main() -> None:
    args = common.arguments(__doc__, reps=3, kbps=400, rtt=400)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, base = serve(tmp)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
                runs = {"app": [], "pages": []}
                for _ in range(args.reps):  # alternated, so both see the same machine
                    runs["pages"].append(pages_cold_and_warm(browser, base, args.kbps, args.rtt))
                    runs["app"].append(app_cold_and_warm(browser, base, args.kbps, args.rtt))
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"field app vs plain pages, {args.kbps} kbit/s, {args.rtt} ms RTT, "
          f"median of {args.reps} runs")
    print(f"{'':38} {'app':>10} {'pages':>10} {'ratio':>7}")
    rows = [("cold first use (login, tasks) s", "cold", 1), ("cold bytes (page) KB", "cold_bytes",
            1024), ("bytes cached by the worker KB", "cached", 1024),
            ("warm first use s", "warm", 1), ("warm bytes KB", "warm_bytes", 1024),
            ("log one visit: saved s", "visit", 1),
            ("log one visit: on the server s", "visit_synced", 1)]
    for label, key, unit in rows:
        app = statistics.median(r[key] for r in runs["app"]) / unit
        pages = statistics.median(r[key] for r in runs["pages"]) / unit
        ratio = f"{app / pages:7.2f}" if pages else f"{'-':>7}"
        print(f"{label:38} {app:10.2f} {pages:10.2f} {ratio}")


if __name__ == "__main__":
    main()
