"""Every page of the role matrix, for each role, on a 360-pixel phone and a 1280-pixel
desktop, in a real Chromium: no page is wider than the screen, no control is smaller
than 24x24 CSS pixels (WCAG 2.2 2.5.8, except links inside a sentence), and axe-core
finds no serious or critical violation.

One server on the demo data (conftest.py), one login per role: each page is opened
once at the phone's width, checked, widened to the desktop and checked again.
axe-core is vendored in tests/browser/vendor (MPL-2.0, see the README there).
"""

from __future__ import annotations

import pytest

from tests.browser.pages import (
    DESKTOP,
    PHONE,
    check_page,
    log_in,
    matrix_pages,
    watched_pages,
)
from tests.browser.world import ACCOUNTS
from tests.security.matrix import ROLES


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_the_screen_with_targets_and_no_axe_violation(role, server_url,
                                                                       matrix_world):
    pages = matrix_pages(role, matrix_world)
    assert pages, f"the matrix gives {role} no page"
    problems: list[str] = []
    # The app's Content-Security-Policy allows no inline script: axe is injected past it.
    with watched_pages((role, "desktop"), bypass_csp=True) as (page, watch):
        log_in(page, server_url, ACCOUNTS[role])
        for endpoint, path in pages:
            page.set_viewport_size(PHONE)
            response = page.goto(server_url + path)
            assert response is not None and response.status == 200, (
                f"{role}: {endpoint} {path} answered "
                f"{response.status if response else 'nothing'}")
            problems += check_page(page, f"{role} {endpoint} {path} at {PHONE['width']}px",
                                   PHONE["width"])
            page.set_viewport_size(DESKTOP)
            problems += check_page(page, f"{role} {endpoint} {path} at {DESKTOP['width']}px",
                                   DESKTOP["width"])
        watch.assert_clean()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
