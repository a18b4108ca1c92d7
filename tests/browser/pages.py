"""The browser side of the journeys: Debian's Chromium driven by Playwright, a page
for each person on a phone or a desktop, and the checks every journey makes (no
sideways scroll on a phone, no foreign request, no script error).

A plain module that the journeys import; their server comes from conftest.py.
"""

from __future__ import annotations

import re
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extras install it
    expect = sync_playwright = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# The browser contexts of the people of the journeys, in Indonesian and in WIB.
DEVICES = {
    "phone": {"viewport": PHONE, "screen": PHONE, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True, "locale": "id-ID", "timezone_id": "Asia/Jakarta"},
    "desktop": {"viewport": DESKTOP, "locale": "id-ID", "timezone_id": "Asia/Jakarta"},
}
DEMO_PASSWORD = "demo-slrt-2026"  # noqa: S105  (the published demo password)
CASE_NUMBER_RE = re.compile(r"^BH-\d{4}-\d{4}$")


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium; never `playwright install`)"
    if sync_playwright is None:
        return "the playwright Python package is not installed (pip install -e .[dev])"
    return None


BROWSER_MISSING = _browser_missing()

OVERFLOW_JS = """
(limit) => {
  const offenders = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const left = r.left + window.scrollX, right = r.right + window.scrollX;
    if (right > limit + 1 || left < -1) {
      const inner = [...el.children].some(
        c => c.getBoundingClientRect().right + window.scrollX > limit + 1);
      if (inner) continue;  // report the innermost element only
      const id = el.id ? '#' + el.id : '';
      const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
      offenders.push(`${el.tagName.toLowerCase()}${id}${cls} left=${Math.round(left)} ` +
                     `right=${Math.round(right)} "${(el.textContent || '').trim().slice(0, 40)}"`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, offenders: offenders.slice(0, 15)};
}
"""


def assert_no_horizontal_scroll(page, where: str) -> None:
    info = page.evaluate(OVERFLOW_JS, PHONE["width"])
    assert info["scrollWidth"] <= PHONE["width"] + 1, (
        f"{where} ({page.url}) scrolls sideways on a {PHONE['width']}px phone: "
        f"scrollWidth={info['scrollWidth']}, overflowing elements: {info['offenders']}")


class Watch:
    """Every request URL, script error and failed response of the journey's pages."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []

    def context(self, context, who: str):
        context.set_default_timeout(15_000)
        context.on("request", lambda req: self.requests.append(req.url))
        # The app has no favicon; Chromium asks for one on every page.
        context.on("response", lambda resp: self.errors.append(
            f"{who}: HTTP {resp.status}: {resp.url}")
            if resp.status >= 400 and urlsplit(resp.url).path != "/favicon.ico" else None)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{who}: uncaught: {exc}"))
        page.on("console", lambda msg: self.errors.append(f"{who}: console: {msg.text}")
                if msg.type == "error" and not msg.text.startswith("Failed to load resource")
                else None)
        return page

    def assert_clean(self) -> None:
        """Nothing left the machine, no script broke and no request failed on the way."""
        foreign = [u for u in self.requests
                   if urlsplit(u).scheme not in ("data", "blob", "about")
                   and urlsplit(u).hostname != "127.0.0.1"]
        assert not foreign, f"requests to other hosts: {foreign}"
        assert any(urlsplit(u).path.startswith("/static/") for u in self.requests), (
            "no static file was loaded")
        assert not self.errors, f"errors seen by the browser: {self.errors}"


@contextmanager
def watched_pages(*people: tuple[str, str], **options):
    """One Chromium and a page for each (who, "phone" or "desktop"), each in its own
    browser context (with the extra Playwright options given) and all watched by one
    Watch: yields (*pages, watch)."""
    if BROWSER_MISSING:  # only reached when CI is set: see conftest.py
        pytest.fail(f"{BROWSER_MISSING}; CI is set, so the browser journey may not be skipped")
    with sync_playwright() as pw, ExitStack() as contexts:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        contexts.callback(browser.close)
        watch = Watch()
        pages = []
        for who, device in people:
            context = browser.new_context(**DEVICES[device], **options)
            contexts.callback(context.close)
            pages.append(watch.context(context, who))
        yield (*pages, watch)


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    # Logged in: the header shows the notifications (the menu may be folded on a phone).
    expect(page.locator("#kotak-masuk")).to_be_visible()


def menu_link(page, name: str):
    """A link of the main menu; on a phone the menu is folded and opened first."""
    toggle = page.get_by_role("button", name="Menu", exact=True)
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    return page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=name)


def look_up_for_a_complaint(page, base: str, operator: str, nik: str) -> None:
    """The operator logs in, opens "Pengaduan baru" and looks the NIK (as typed) up in
    the registry: the page then shows the registry's answer above the complaint form."""
    log_in(page, base, operator)
    menu_link(page, "Pengaduan baru").click()
    expect(page).to_have_url(f"{base}/kasus/baru")
    page.get_by_label("NIK", exact=True).fill(nik)
    page.get_by_role("button", name="Cari di DTKS").click()


def registered_case(page) -> tuple[str, str]:
    """After "Simpan pengaduan": the new case's page, with a well-formed number, the
    notice that names it and the status Terbuka. Returns (case URL, case number)."""
    expect(page).to_have_url(re.compile(r"/kasus/\d+$"))
    number = page.locator("h1 .case-number").inner_text().strip()
    assert CASE_NUMBER_RE.match(number), f"unexpected case number {number!r}"
    expect(page.locator(".flash.success")).to_have_text(
        f"Pengaduan tercatat dengan nomor {number}.")
    expect(page.locator("h1 .badge")).to_have_text("Terbuka")
    return page.url, number


# ------------------------------------------------------- the tour of every page

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# Endpoints of the matrix that answer a file, not a page.
DOWNLOADS = frozenset({"dtks.import_report", "proposals.musdes_scan", "outreach.photo",
                       "cases.attachment", "admin.letterhead_logo",
                       "reports.listing_export", "reports.cases_export",
                       "reports.recap_export"})
MIN_TARGET = 24  # CSS pixels, WCAG 2.2 2.5.8 (AA)
MAX_PHONE_HEADER = 80  # CSS pixels of a 740-pixel phone screen, the menu folded

# Controls smaller than 24x24 CSS px, except (WCAG 2.5.8) a link inside a sentence: an
# inline link whose block also holds text of its own.
SMALL_TARGETS_JS = """
(min) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, ' +
                   '[role=button], [tabindex]:not([tabindex="-1"])';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[hidden], [aria-hidden=true]')) continue;
    if (r.width >= min - 0.01 && r.height >= min - 0.01) continue;
    if (el.tagName === 'A' && style.display === 'inline') {
      let block = el.parentElement;
      while (block && getComputedStyle(block).display.startsWith('inline')) {
        block = block.parentElement;
      }
      const own = (block ? block.textContent : '').replace(el.textContent, '').trim();
      if (own.replace(/[\\s·|,.:;()←→-]/g, '').length > 0) continue;  // in a sentence
    }
    const id = el.id ? '#' + el.id : (el.name ? `[name=${el.name}]` : '');
    const text = (el.textContent || el.value || el.getAttribute('aria-label') || '').trim();
    small.push(`${el.tagName.toLowerCase()}${id} ${Math.round(r.width)}x` +
               `${Math.round(r.height)} "${text.slice(0, 30)}"`);
  }
  return small.slice(0, 12);
}
"""

AXE_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.impact} ${v.id}: ${v.help} (` +
              v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ') + ')');
}
"""


def matrix_pages(role: str, world: dict) -> list[tuple[str, str]]:
    """(endpoint, path) of every HTML page the role matrix lets the role open, with the
    ids of world.py's objects in their URLs."""
    from tests.security.matrix import ALLOWED

    def path(rule: str) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(world["ids"][m.group(1)]), rule)

    return [(endpoint, path(world["rules"][endpoint]))
            for endpoint, roles in ALLOWED.items()
            if role in roles and endpoint not in DOWNLOADS]


def check_page(page, where: str, width: int) -> list[str]:
    """What is wrong with the page as shown at this width: wider than the screen,
    controls under 24x24 CSS px, axe-core's serious and critical violations."""
    problems = []
    # After a resize: let the page's resize handlers and the layout run first.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")
    info = page.evaluate(OVERFLOW_JS, width)
    if info["scrollWidth"] > width + 1:
        problems.append(f"{where}: {info['scrollWidth']}px wide: {info['offenders']}")
    small = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET)
    if small:
        problems.append(f"{where}: controls under {MIN_TARGET}x{MIN_TARGET}px: {small}")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    problems += [f"{where}: axe {v}" for v in page.evaluate(AXE_JS)]
    if width <= PHONE["width"]:  # the menu folds: the header leaves the screen to the page
        header = page.evaluate("() => { const h = document.querySelector('header.top');"
                               " return h ? h.getBoundingClientRect().height : 0; }")
        if header > MAX_PHONE_HEADER:
            problems.append(f"{where}: the header takes {header:.0f}px of the screen")
    return problems
