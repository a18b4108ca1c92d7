"""The test client as a browser uses the site: the CSRF token of a page, logging in,
posting a form."""

from __future__ import annotations

import re

from tests.factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client, user, password: str = PASSWORD):
    page = client.get("/masuk")
    resp = client.post("/masuk", data={"username": user.username, "password": password,
                                       "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 302, resp.text
    return resp


def post(client, url: str, data: dict, token_page: str = "/"):
    """POST a form the way a browser does: with the CSRF token of the session."""
    token = csrf_from(client.get(token_page, follow_redirects=True).text)
    return client.post(url, data={**data, "csrf_token": token})
