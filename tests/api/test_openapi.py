"""The OpenAPI document and its page, and every operation it lists refuses a
call without a token (enumerated from the document, so a new endpoint is
covered by being documented)."""

from __future__ import annotations

import re

PUBLIC = {("post", "/api/v1/auth/token"), ("post", "/api/v1/auth/refresh")}


def test_spec_is_openapi_3_and_lists_the_resources(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = resp.get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/complaints", "/api/v1/complaints/{case_ref}", "/api/v1/registry/check",
            "/api/v1/auth/token"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_uses_our_own_assets(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert srcs and all(s.startswith("/static/") for s in srcs)
    for src in srcs:
        assert client.get(src).status_code == 200
    assert "cdn" not in page.text.lower()


def test_every_documented_operation_needs_a_token(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, ops in spec["paths"].items():
        for method in ops:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            url = re.sub(r"\{[^}]+\}", "x", path)
            resp = client.open(url, method=method.upper(), json={})
            if (method, path) in PUBLIC:
                assert ops[method].get("security") == [], path
                continue
            assert resp.status_code == 401, (method, path, resp.status_code)
            assert resp.headers["Content-Type"] == "application/problem+json"
            checked += 1
    assert checked >= 8
