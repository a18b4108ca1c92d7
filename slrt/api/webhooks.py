"""Outgoing webhooks: a case's status change, told to the URLs the admin
subscribed for an API client (docs/api.md, "Webhook").

The cases layer knows nothing of the API: it sends `case_status_changed`
(slrt/cases/signals.py) inside the change's transaction; the receiver here
queues, in that same transaction, one notification of the client's account
(its body is the JSON to send) and one delivery of channel "api" per
subscription. The reminder sweep sends them (slrt/notifications/services.py
deliver_pending): claimed once, retried with the same backoff as e-mail
(1, 2, 4 ... minutes, at most 6 hours), its outcome on the deliveries page.

Each POST carries `X-SLRT-Signature: t=<unix time>,v1=<hex>` where v1 is
HMAC-SHA256(secret, "<t>.<body>"): the receiver recomputes it over the raw
body and refuses an old t (a replay). The body names the resident (name,
masked NIK) only when the client's role may see the case
(`can(client_user, "case.view", case)`); a program's client hears of the
cases referred to its programs without them; a client that reaches neither
hears nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.request
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, select

from slrt.api.core import public_id
from slrt.api.models import ApiClient, WebhookSubscription
from slrt.cases.signals import case_status_changed
from slrt.common.errors import DomainError
from slrt.common.permissions import can, program_scope, require
from slrt.extensions import db
from slrt.notifications.channels import register_sender
from slrt.notifications.models import Delivery, Notification

CHANNEL = "api"
EVENT = "case.status_changed"
SIGNATURE_HEADER = "X-SLRT-Signature"
MAX_SUBSCRIPTIONS = 5  # per client
ANSWER_READ = 64 * 1024


# ------------------------------------------------------------------ subscriptions

def subscribe(admin, client: ApiClient, url: str, *, now: datetime
              ) -> tuple[WebhookSubscription, str]:
    """The subscription and its signing secret (shown once to the admin)."""
    require(admin, "admin.api_clients")
    if client.revoked_at is not None:
        raise DomainError(_("Klien ini sudah dicabut."))
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 254 \
            or parts.username or parts.password or not url.isprintable() or " " in url:
        raise DomainError(_("Alamat webhook harus URL http:// atau https:// yang lengkap "
                            "(tanpa nama pengguna dan kata sandi)."), "url")
    active = [s for s in client.webhooks if s.revoked_at is None]
    if any(s.url == url for s in active):
        raise DomainError(_("Alamat ini sudah berlangganan."), "url")
    if len(active) >= MAX_SUBSCRIPTIONS:
        raise DomainError(_("Satu klien paling banyak %(n)d alamat webhook.",
                            n=MAX_SUBSCRIPTIONS), "url")
    old = next((s for s in client.webhooks if s.url == url), None)
    secret = "whsec_" + secrets.token_hex(24)
    if old is not None:  # subscribed again after a revocation: a new secret
        old.secret, old.revoked_at, old.created_at, old.created_by_id = (
            secret, None, now, admin.id)
        sub = old
    else:
        sub = WebhookSubscription(client=client, url=url, secret=secret, created_at=now,
                                  created_by_id=admin.id)
        db.session.add(sub)
    db.session.flush()
    return sub, secret


def unsubscribe(admin, sub: WebhookSubscription, *, now: datetime) -> int:
    """Ends the subscription; its deliveries not yet sent are dropped. Their number."""
    require(admin, "admin.api_clients")
    sub.revoked_at = now
    pending = select(Delivery.id).join(Notification).where(
        Delivery.channel == CHANNEL, Delivery.target == sub.url,
        Delivery.status.in_(("menunggu", "gagal")),
        Notification.user_id == sub.client.user_id)
    ids = list(db.session.scalars(pending))
    if ids:
        db.session.execute(delete(Delivery).where(Delivery.id.in_(ids)))
    db.session.flush()
    return len(ids)


# ------------------------------------------------------------------ queueing

def _reaches(user, case) -> str | None:
    """"full" (may see the case), "brief" (a referral of the client's programs), None."""
    if can(user, "case.view", case):
        return "full"
    programs = program_scope(user)
    if programs and any(r.program_code in programs for r in case.referrals):
        return "brief"
    return None


def payload(case, previous: str, action: str, now: datetime, reach: str, user) -> dict:
    body = {"id": uuid.uuid4().hex, "event": EVENT, "occurred_at": now.isoformat(),
            "case": {"id": public_id("case", case.id), "number": case.number,
                     "status": case.status, "status_label": str(case.status_label),
                     "previous_status": previous, "action": action,
                     "village_code": case.village_code, "category_code": case.category_code,
                     "outcome": case.outcome, "version": case.version}}
    if reach == "full":
        person = case.beneficiary_for(user)
        body["case"]["beneficiary_name"] = person.display_name
        body["case"]["beneficiary_nik_masked"] = person.masked_nik
    return body


@case_status_changed.connect
def queue_case_status(sender, case, previous: str, action: str, now: datetime, **extra):
    subs = list(db.session.scalars(
        select(WebhookSubscription).join(ApiClient)
        .where(WebhookSubscription.revoked_at.is_(None), ApiClient.revoked_at.is_(None))
        .order_by(WebhookSubscription.id)))
    if not subs:
        return
    db.session.flush()  # the case's new version
    for sub in subs:
        client = sub.client
        if not client.usable(now):
            continue
        reach = _reaches(client.user, case)
        if reach is None:
            continue
        body = payload(case, previous, action, now, reach, client.user)
        n = Notification(user_id=client.user_id, kind="webhook",
                         title=f"Webhook {EVENT}: {case.number} {previous} → {case.status}"[:200],
                         body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                         link="", created_at=now, read_at=now)
        db.session.add(n)
        db.session.add(Delivery(notification=n, channel=CHANNEL, target=sub.url,
                                next_attempt_at=now, created_at=now))
    db.session.flush()


# ------------------------------------------------------------------ sending

def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def send(config, delivery: Delivery) -> None:
    """POST the body, signed; anything but a 2xx raises (recorded and retried)."""
    n = delivery.notification
    sub = db.session.scalar(select(WebhookSubscription).join(ApiClient).where(
        ApiClient.user_id == n.user_id, WebhookSubscription.url == delivery.target,
        WebhookSubscription.revoked_at.is_(None)))
    if sub is None:
        raise RuntimeError("langganan webhook sudah dicabut")
    body = n.body.encode()
    event_id = json.loads(n.body).get("id", "")
    req = urllib.request.Request(delivery.target, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "User-Agent": "SLRT-Webhook/1",
        "X-SLRT-Event": EVENT, "X-SLRT-Delivery": event_id,
        SIGNATURE_HEADER: sign(sub.secret, body, int(time.time()))})
    timeout = float(config.get("WEBHOOK_TIMEOUT") or 10)
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - admin's URL
        resp.read(ANSWER_READ)
        if not 200 <= resp.status < 300:
            raise RuntimeError(f"HTTP {resp.status}")


register_sender(CHANNEL, send)
