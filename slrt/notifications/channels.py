"""Outside channels: e-mail through SMTP, a JSON webhook for an SMS/WhatsApp gateway.

Both are configured from the environment (config.py). Each raises on failure;
the caller records the outcome and retries later.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid

from markupsafe import escape

SMS_LIMIT = 480

# Senders of other channels, registered by the features above this one (the
# API's signed webhooks: "api"): channel -> fn(config, delivery), raising on
# failure like the others, so their deliveries share the table, the claim and
# the retries with backoff.
SENDERS: dict = {}


def register_sender(channel: str, fn) -> None:
    SENDERS[channel] = fn


def _absolute(config, link: str) -> str:
    base = (config.get("REMINDER_BASE_URL") or "").rstrip("/")
    return f"{base}{link}" if base and link else link


def build_email(config, to: str, notification) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = notification.title
    msg["From"] = config.get("MAIL_DEFAULT_SENDER") or "slrt@localhost"
    msg["To"] = to
    msg["Message-ID"] = make_msgid(domain="slrt.local")
    link = _absolute(config, notification.link)
    text = notification.body + (f"\n\nBuka SLRT: {link}\n" if link else "\n")
    msg.set_content(text)
    items = []
    for line in notification.body.splitlines():
        if line.startswith("- "):
            items.append(f"<li>{escape(line[2:])}</li>")
        else:
            items.append(f"</ul><h3>{escape(line)}</h3><ul>")
    html = (f"<html><body><h2>{escape(notification.title)}</h2><ul>{''.join(items)}</ul>"
            + (f'<p><a href="{escape(link)}">Buka SLRT</a></p>' if link else "")
            + "<p><small>SLRT Dinas Sosial &middot; waktu dalam WIB</small></p></body></html>")
    msg.add_alternative(html.replace("<ul></ul>", ""), subtype="html")
    return msg


def send_email(config, to: str, notification) -> None:
    msg = build_email(config, to, notification)
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)


def sms_text(notification) -> str:
    text = notification.title + "\n" + "\n".join(
        line for line in notification.body.splitlines() if line.startswith("- "))
    return text if len(text) <= SMS_LIMIT else text[:SMS_LIMIT - 1] + "…"


def send_webhook(config, phone: str, notification) -> None:
    payload = json.dumps({"phone": phone, "message": sms_text(notification)}).encode()
    req = urllib.request.Request(config["WEBHOOK_URL"], data=payload, method="POST",  # noqa: S310
                                 headers={"Content-Type": "application/json"})
    if config.get("WEBHOOK_TOKEN"):
        req.add_header("Authorization", f"Bearer {config['WEBHOOK_TOKEN']}")
    timeout = float(config.get("WEBHOOK_TIMEOUT") or 10)
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured URL
        if not 200 <= resp.status < 300:
            raise RuntimeError(f"HTTP {resp.status}")
        body = resp.read(MAX_GATEWAY_ANSWER)
    refusal = gateway_refusal(body)
    if refusal is not None:
        raise GatewayRefused(refusal)


MAX_GATEWAY_ANSWER = 64 * 1024


class GatewayRefused(RuntimeError):
    """The gateway answered 2xx but said in its JSON that it did not send."""


def _is_false(value) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def gateway_refusal(body: bytes) -> str | None:
    """The reason a gateway gave for not sending, or None when it accepted.

    Indonesian WhatsApp/SMS gateways (Fonnte, Wablas and the like) answer HTTP 200
    with `{"status": false, "reason": "..."}` (or `"success": false`, `"message"`)
    when the token, the device or the number is wrong: that is a failure, retried
    like any other. A body that is not a JSON object says nothing either way.
    """
    try:
        answer = json.loads(body.decode("utf-8", "replace")) if body.strip() else None
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    if not (_is_false(answer.get("status")) or _is_false(answer.get("success"))):
        return None
    for key in ("reason", "message", "detail", "error", "msg"):
        value = answer.get(key)
        if value:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            return f"gateway menolak: {text}"[:400]
    return "gateway menolak (tanpa alasan)"
