"""E-mail to a real SMTP server (aiosmtpd on loopback), the webhook to a real local
HTTP server (one that fails first and is retried), each delivery recorded."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from slrt.notifications import services
from slrt.notifications.models import Delivery
from tests.factories import wib
from tests.http import login, post


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


class Gateway(BaseHTTPRequestHandler):
    failures_left = 0
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server hook
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Content-Type"], json.loads(body)))
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            self.send_response(503)
        else:
            self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.received = []
    Gateway.failures_left = 1
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, Gateway
    server.shutdown()
    server.server_close()


def test_digest_by_email_to_a_real_smtp_server_plain_and_html(app, db, team, smtp_server):
    controller, inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      MAIL_DEFAULT_SENDER="slrt@dinsos.batangharikab.go.id")
    r = services.send_due(wib(2026, 12, 23, 8))
    assert (r.digests, r.delivered, r.failed) == (1, 1, 0)
    [(sender, rcpts, raw)] = inbox.messages
    assert sender == "slrt@dinsos.batangharikab.go.id"
    assert rcpts == ["dedi.irawan@dinsos.batangharikab.go.id"]
    msg = message_from_bytes(raw, policy=default_policy)
    assert msg["Subject"] == "Ringkasan pengingat 23 Desember 2026: 1 rujukan perlu perhatian"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    number = team["ref"].number
    assert number in plain and "Hampir jatuh tempo" in plain
    assert f"/rujukan/{team['ref'].id}" in plain
    assert f"<li>{number}" in html and "<h3>Hampir jatuh tempo (1):</h3>" in html
    assert "Syamsul" not in plain  # no resident's name leaves the system
    d = db.session.scalars(select(Delivery)).one()
    assert (d.channel, d.status, d.attempts, d.target) == (
        "email", "terkirim", 1, "dedi.irawan@dinsos.batangharikab.go.id")
    # Sent once: a second sweep sends nothing.
    assert services.send_due(wib(2026, 12, 23, 9)).delivered == 0
    assert len(inbox.messages) == 1


def test_mail_server_down_is_retried_with_backoff_and_never_lost(app, db, team):
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    t0 = wib(2026, 12, 23, 8)
    r = services.send_due(t0)
    assert (r.delivered, r.failed) == (0, 1)
    d = db.session.scalars(select(Delivery)).one()
    assert (d.status, d.attempts) == ("gagal", 1)
    assert d.next_attempt_at == t0 + timedelta(minutes=1)
    assert "ConnectionRefused" in d.last_error
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert services.send_due(t0 + timedelta(seconds=30)).delivered == 0  # backing off
        r = services.send_due(t0 + timedelta(minutes=1))
        assert (r.delivered, r.failed) == (1, 0)
    finally:
        controller.stop()
    db.session.expire_all()
    d = db.session.scalars(select(Delivery)).one()
    assert (d.status, d.attempts, d.last_error) == ("terkirim", 2, "")
    assert len(inbox.messages) == 1


def test_webhook_posts_phone_and_message_and_a_failure_is_retried(app, db, team, gateway,
                                                                   client):
    server, handler = gateway
    app.config.update(WEBHOOK_URL=f"http://127.0.0.1:{server.server_port}/kirim")
    t0 = wib(2026, 12, 23, 8)
    r = services.send_due(t0)
    assert (r.delivered, r.failed) == (0, 1)
    d = db.session.scalars(select(Delivery)).one()
    assert (d.channel, d.status, d.target) == ("webhook", "gagal", "081266778899")
    assert "503" in d.last_error
    # The admin sees the failed delivery.
    login(client, team["admin"])
    page = client.get("/admin/pengingat").text
    assert "081266778899" in page and "Gagal, akan dicoba lagi" in page
    r = services.send_due(t0 + timedelta(minutes=1))
    assert (r.delivered, r.failed) == (1, 0)
    assert len(handler.received) == 2
    ctype, payload = handler.received[-1]
    assert ctype == "application/json"
    assert payload["phone"] == "081266778899"
    assert payload["message"].startswith("Ringkasan pengingat 23 Desember 2026")
    assert team["ref"].number in payload["message"]
    db.session.expire_all()
    assert db.session.scalars(select(Delivery)).one().status == "terkirim"
    assert "Semua pengiriman berhasil" in client.get("/admin/pengingat").text


def test_backoff_doubles_up_to_six_hours_and_the_admin_can_retry_now(app, db, team, client):
    assert [services.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 9)] == \
        [1, 2, 4, 8, 256]
    assert services.backoff(30) == timedelta(hours=6)
    app.config.update(WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/mati", WEBHOOK_TIMEOUT=2)
    services.send_due(wib(2026, 12, 23, 8))
    d = db.session.scalars(select(Delivery)).one()
    assert d.status == "gagal"
    login(client, team["admin"])
    resp = post(client, "/admin/pengingat/kirim-ulang", {"id": str(d.id)}, "/admin/pengingat")
    assert resp.status_code == 302
    db.session.expire_all()
    retried = db.session.get(Delivery, d.id)
    assert retried.next_attempt_at < wib(2026, 12, 23, 8, 1)
    assert retried.status == "gagal"  # still listed until it goes through
