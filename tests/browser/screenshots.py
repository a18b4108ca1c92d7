"""The screenshots of docs/screenshots/: the supervisor's dashboard, a report, the
routing page and a complaint's receipt, at 360 and 1280 CSS px wide, on a fresh demo
database, with the journeys' set-up (server.py, pages.py).

Run by `scripts/screenshots` (python -m tests.browser.screenshots [folder]).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.browser.pages import DESKTOP, PHONE, log_in, watched_pages
from tests.browser.server import ROOT, add_matrix_world, demo_environment, serve_app

WIDTHS = {"360": PHONE, "1280": DESKTOP}


def shots(world: dict) -> dict[str, str]:
    ids = world["ids"]
    return {"dashboard": "/",
            "report": "/laporan/",
            "routing": f"/rujukan/kasus/{ids['unreferred_case_id']}",
            "receipt": f"/kasus/{ids['case_id']}/tanda-terima"}


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="slrt-shots-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        env = demo_environment(f"sqlite:///{Path(tmp) / 'slrt.db'}", instance)
        world = add_matrix_world(env)
        server = serve_app(env)
        base = next(server)
        try:
            with watched_pages(("supervisor", "desktop")) as (page, _watch):
                log_in(page, base, "supervisor")
                for name, path in shots(world).items():
                    for width, viewport in WIDTHS.items():
                        page.set_viewport_size(viewport)
                        page.goto(base + path)
                        page.wait_for_load_state("networkidle")
                        target = folder / f"{name}-{width}.png"
                        page.screenshot(path=str(target), full_page=True)
                        print(target.relative_to(ROOT) if target.is_relative_to(ROOT)
                              else target)
        finally:
            server.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
