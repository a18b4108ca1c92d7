"""Outgoing webhooks: a case's status change reaches a real HTTP receiver on
127.0.0.1, signed (HMAC-SHA256 over "<t>.<body>"), through the deliveries
table; a failing receiver is retried with the reminders' backoff; a client
that may not see the case never gets the resident's name or NIK."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.factories import ARO, NOW, OLAK, refer


class Receiver:
    """An HTTP server in a thread: records each POST, answers `status`."""

    def __init__(self):
        self.posts: list[tuple[dict, bytes]] = []
        self.paths: list[str] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts.append((self.headers, body))  # case-insensitive names
                outer.paths.append(self.path)
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/slrt/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What docs/api.md tells a receiver to do."""
    parts = dict(p.split("=", 1) for p in headers["X-SLRT-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def clients(app, db, make_user):
    from slrt.api import services

    admin = make_user("admin")
    out = {"admin": admin}
    for name, role, villages, programs in (("OpenSID Desa Aro", "operator", [ARO], []),
                                           ("Gerbang Logistik Bencana", "handler", [],
                                            ["BENCANA_LOG"]),
                                           ("OpenSID Desa Olak", "operator", [OLAK], [])):
        out[name], _token = services.create_client(admin, name, role, kabupaten="15.04",
                                                   villages=villages, programs=programs,
                                                   expires_at=None, now=NOW)
    db.session.commit()
    return out


def _sweep(now):
    from slrt.notifications.services import SweepReport, deliver_pending

    report = SweepReport(at=now)
    deliver_pending(now, report)
    return report


def test_a_status_change_is_posted_signed_to_each_client_that_reaches_the_case(
        app, db, clients, receiver, make_user, register):
    from slrt.api import webhooks

    names = ("OpenSID Desa Aro", "Gerbang Logistik Bencana", "OpenSID Desa Olak")
    secrets = {}
    for i, name in enumerate(names):
        _sub, secrets[name] = webhooks.subscribe(clients["admin"], clients[name],
                                                 f"{receiver.url}/{i}", now=NOW)
    db.session.commit()
    op = make_user("operator", villages=[ARO])
    case = register(op, category="korban_bencana", name="Syamsul Bahri")
    refer(op, case, "BENCANA_LOG", NOW + timedelta(minutes=5))  # terbuka -> dirujuk
    report = _sweep(NOW + timedelta(minutes=6))
    assert (report.delivered, report.failed) == (2, 0)
    bodies = {}
    for path, (headers, body) in zip(receiver.paths, receiver.posts, strict=True):
        name = names[int(path.rsplit("/", 1)[1])]
        assert verify(secrets[name], headers, body)
        assert not verify("whsec_salah", headers, body)
        assert headers["X-SLRT-Event"] == "case.status_changed"
        bodies[name] = json.loads(body)
    aro, gateway = bodies["OpenSID Desa Aro"], bodies["Gerbang Logistik Bencana"]
    assert (aro["case"]["number"], aro["case"]["previous_status"], aro["case"]["status"]) == (
        case.number, "terbuka", "dirujuk")
    assert aro["case"]["beneficiary_name"] == "Syamsul Bahri"
    # The program's gateway may not see the case at the desk: no name, no NIK.
    assert "beneficiary_name" not in gateway["case"]
    assert "Syamsul" not in json.dumps(gateway) and "nik" not in json.dumps(gateway).lower()
    # Olak's system does not reach a case of Aro: it hears nothing.
    assert "OpenSID Desa Olak" not in bodies
    # Sent once: a second sweep sends nothing more.
    assert _sweep(NOW + timedelta(minutes=7)).delivered == 0 and len(receiver.posts) == 2


@pytest.fixture
def aro_walk_in(db, clients, receiver, make_user, register):
    """Desa Aro's system subscribed, and a walk-in of Aro registered at its desk."""
    from slrt.api import webhooks

    sub, secret = webhooks.subscribe(clients["admin"], clients["OpenSID Desa Aro"],
                                     receiver.url, now=NOW)
    db.session.commit()
    op = make_user("operator", villages=[ARO])
    return SimpleNamespace(sub=sub, secret=secret, op=op,
                           case=register(op, name="Siti Aminah"))


def test_a_failing_receiver_gets_retries_with_backoff_then_the_delivery(
        app, db, receiver, aro_walk_in):
    from slrt.cases import services as cases
    from slrt.notifications.models import Delivery

    secret = aro_walk_in.secret
    cases.close_at_desk(aro_walk_in.op, aro_walk_in.case, "informasi", "Dijelaskan syarat KIS.",
                        now=NOW)
    db.session.commit()
    receiver.status = 503
    t0 = NOW + timedelta(seconds=30)
    assert _sweep(t0).failed == 1
    d = db.session.scalars(select(Delivery)).one()
    db.session.refresh(d)
    assert (d.status, d.attempts, d.next_attempt_at) == ("gagal", 1, t0 + timedelta(minutes=1))
    assert "503" in d.last_error
    assert _sweep(t0 + timedelta(seconds=30)).failed == 0  # not due yet: nothing sent
    t1 = t0 + timedelta(minutes=1)
    assert _sweep(t1).failed == 1
    db.session.refresh(d)
    assert (d.attempts, d.next_attempt_at) == (2, t1 + timedelta(minutes=2))
    receiver.status = 204
    assert _sweep(t1 + timedelta(minutes=2)).delivered == 1
    db.session.refresh(d)
    assert (d.status, d.attempts) == ("terkirim", 3)
    assert len(receiver.posts) == 3
    # Every attempt carries the same event, each freshly signed.
    ids = {h["X-SLRT-Delivery"] for h, _b in receiver.posts}
    assert len(ids) == 1 and all(verify(secret, h, b) for h, b in receiver.posts)
    body = json.loads(receiver.posts[-1][1])
    assert (body["case"]["status"], body["case"]["outcome"]) == ("selesai", "informasi")


def test_a_change_rolled_back_tells_no_one_and_an_ended_subscription_drops_its_queue(
        app, db, clients, aro_walk_in):
    from slrt.api import webhooks
    from slrt.cases import services as cases
    from slrt.notifications.models import Delivery

    sub, op, case = aro_walk_in.sub, aro_walk_in.op, aro_walk_in.case
    cases.close_at_desk(op, case, "informasi", "", now=NOW)
    db.session.rollback()
    assert db.session.scalars(select(Delivery)).all() == []
    case = db.session.merge(case)
    cases.close_at_desk(op, case, "informasi", "", now=NOW)
    db.session.commit()
    assert len(db.session.scalars(select(Delivery)).all()) == 1
    assert webhooks.unsubscribe(clients["admin"], sub, now=NOW) == 1
    db.session.commit()
    assert db.session.scalars(select(Delivery)).all() == []


def test_the_admin_subscribes_a_url_and_sees_the_secret_once(app, db, client, clients):
    from slrt.api.models import WebhookSubscription
    from tests.http import login, post

    login(client, clients["admin"])
    c = clients["OpenSID Desa Aro"]
    resp = post(client, f"/admin/api-klien/{c.id}/webhook",
                {"url": "https://opensid.aro.desa.id/slrt/webhook"}, "/admin/api-klien")
    assert resp.status_code == 201
    sub = db.session.scalars(select(WebhookSubscription)).one()
    assert sub.secret in resp.text and sub.url == "https://opensid.aro.desa.id/slrt/webhook"
    page = client.get("/admin/api-klien")
    assert sub.secret not in page.text and sub.url in page.text
    bad = post(client, f"/admin/api-klien/{c.id}/webhook", {"url": "ftp://x"}, "/admin/api-klien")
    assert bad.status_code == 422
    gone = post(client, f"/admin/api-klien/webhook/{sub.id}/hapus", {}, "/admin/api-klien")
    assert gone.status_code == 302
    db.session.refresh(sub)
    assert sub.revoked_at is not None


def test_a_refused_url_is_told_in_its_client_row_and_kept(db, client, clients):
    import re

    from slrt.api.models import WebhookSubscription
    from tests.http import login, post

    login(client, clients["admin"])
    olak = clients["OpenSID Desa Olak"]
    typed = "javascript:alert('<b>olak</b>')" + "x" * 200
    bad = post(client, f"/admin/api-klien/{olak.id}/webhook", {"url": typed}, "/admin/api-klien")
    assert bad.status_code == 422
    assert re.search(rf'<p class="error" id="url-{olak.id}-err">Alamat webhook harus URL',
                     bad.text)
    inputs = re.findall(r'<input type="url" name="url"[^>]*>', bad.text)
    assert len(inputs) == 3
    [echoed] = [i for i in inputs if "value=" in i]  # only in the row of that client
    assert f'aria-describedby="url-{olak.id}-err"' in echoed
    assert 'value="javascript:alert(&#39;&lt;b&gt;olak&lt;/b&gt;&#39;)' + "x" * 200 + '"' \
        in echoed
    assert "<b>olak</b>" not in bad.text
    assert 'id="client-' not in bad.text  # the new client's form says nothing
    assert db.session.scalars(select(WebhookSubscription)).all() == []
