"""WhatsApp gateways answer HTTP 200 with {"status": false, ...} when they did not send:
a failure with the gateway's reason, retried with the delivery table's backoff."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from slrt.notifications import services
from slrt.notifications.channels import gateway_refusal
from slrt.notifications.models import Delivery
from tests.factories import wib


class Gateway(BaseHTTPRequestHandler):
    answers: list = []
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server hook
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        answer = type(self).answers.pop(0) if type(self).answers else b'{"status": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(app):
    Gateway.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(WEBHOOK_URL=f"http://127.0.0.1:{server.server_port}/send")
    yield Gateway
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("refusal", "reason"), [
    (b'{"status": false, "reason": "device disconnected"}', "device disconnected"),  # Fonnte
    (b'{"status": false, "message": "Token tidak valid"}', "Token tidak valid"),  # Wablas
    (b'{"success": false, "error": "nomor tidak terdaftar di WhatsApp"}',
     "nomor tidak terdaftar di WhatsApp"),
])
def test_a_200_with_status_false_is_a_failure_kept_with_its_reason_and_retried(
        app, db, team, gateway, refusal, reason):  # noqa: F811 - the fixture
    gateway.answers = [refusal, b'{"status": true, "detail": "success! message in queue"}']
    t0 = wib(2026, 12, 23, 8)
    r = services.send_due(t0)
    assert (r.delivered, r.failed) == (0, 1)
    d = db.session.scalars(select(Delivery)).one()
    assert (d.channel, d.status, d.attempts) == ("webhook", "gagal", 1)
    assert reason in d.last_error and "gateway menolak" in d.last_error
    assert d.next_attempt_at == t0 + timedelta(minutes=1)
    assert any(reason in line for line in r.lines)
    assert services.send_due(t0 + timedelta(seconds=30)).delivered == 0  # backing off
    r = services.send_due(t0 + timedelta(minutes=1))
    assert (r.delivered, r.failed) == (1, 0)
    db.session.expire_all()
    d = db.session.scalars(select(Delivery)).one()
    assert (d.status, d.attempts, d.last_error) == ("terkirim", 2, "")
    assert len(gateway.received) == 2


def test_what_counts_as_accepted():
    assert gateway_refusal(b'{"status": true, "detail": "success"}') is None
    assert gateway_refusal(b'{"status": "sent"}') is None
    assert gateway_refusal(b"OK") is None  # not JSON: the HTTP status decides
    assert gateway_refusal(b"") is None
    assert gateway_refusal(b"[false]") is None
    assert gateway_refusal(b'{"status": "false"}') == "gateway menolak (tanpa alasan)"
    assert gateway_refusal(b'{"status": false, "reason": {"code": 401}}') == \
        'gateway menolak: {"code": 401}'
