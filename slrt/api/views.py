"""Admin pages of the API clients: create (the token is shown once), rotate,
revoke. A door like the other views: it parses, calls slrt.api.services,
renders."""

from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from slrt.api import services
from slrt.api.models import ApiClient
from slrt.audit.services import audit
from slrt.auth.models import ROLES, User
from slrt.common.errors import DomainError
from slrt.common.forms import Form
from slrt.common.permissions import permission_required
from slrt.common.routing_ids import parse_id
from slrt.common.time import WIB, now_utc
from slrt.extensions import db
from slrt.referrals.models import Program
from slrt.regions.queries import villages_of

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-klien")

# The new client form's fields, each of which shows its own error.
CLIENT_FIELDS = ("name", "role", "villages", "programs", "expires_at")


@bp.before_request
@permission_required("admin.api_clients")
def only_admins():
    return None


def _choices():
    return dict(
        roles=[(r, ROLES[r]) for r in services.CLIENT_ROLES],
        villages=villages_of(current_user.regency_code),
        programs=list(db.session.scalars(select(Program).where(
            Program.regency_code == current_user.regency_code).order_by(Program.sort_order))))


def _page(status: int = 200, **kw):
    clients = list(db.session.scalars(_mine().order_by(ApiClient.name)))
    return render_template("api/clients.html", clients=clients, form=Form(), now=now_utc(),
                           **_choices(), **kw), status


@bp.get("")
def clients():
    return _page()


def _expiry(text: str):
    if not text:
        return None
    try:
        day = datetime.strptime(text[:10], "%Y-%m-%d").date()
    except ValueError:
        raise DomainError(_("Tanggal kedaluwarsa tidak sah."), "expires_at") from None
    return datetime.combine(day, time(23, 59), tzinfo=WIB)


@bp.post("")
def create():
    if not Form().validate():
        abort(400)
    f = request.form
    values = {"name": f.get("name", "")[:200], "role": f.get("role", ""),
              "expires_at": f.get("expires_at", "")[:10],
              "villages": f.getlist("villages")[:200], "programs": f.getlist("programs")[:50]}
    try:
        client, token = services.create_client(
            current_user, values["name"], values["role"],
            kabupaten=current_user.regency_code,
            villages=values["villages"], programs=values["programs"],
            expires_at=_expiry(values["expires_at"]), now=now_utc())
    except DomainError as e:
        db.session.rollback()
        # told next to its field; the account's user name is made from the client's name
        field = {"username": "name"}.get(e.field, e.field)
        return _page(422, error=e, error_field=field if field in CLIENT_FIELDS else None,
                     values=values)
    audit("ubah", object_type="user", object_id=client.user_id,
          detail={"objek": _("Klien API %(name)s", name=client.name),
                  "rincian": _("Klien API dibuat")})
    return _page(201, new_token=token, token_client=client)


def _mine():
    """The clients of the admin's regency: each regency's admin registers its own."""
    return select(ApiClient).join(User, User.id == ApiClient.user_id).where(
        User.regency_code == current_user.regency_code)


def _client(client_id) -> ApiClient:
    client = db.session.scalar(_mine().where(ApiClient.id == (parse_id(client_id) or 0)))
    if client is None:
        abort(404)
    return client


@bp.post("/<id:client_id>/putar")
def rotate(client_id):
    if not Form().validate():
        abort(400)
    client = _client(client_id)
    try:
        token = services.rotate_client(current_user, client, now=now_utc())
    except DomainError as e:
        flash(e.message, "error")
        return redirect(url_for("api_admin.clients"))
    audit("ubah", object_type="user", object_id=client.user_id,
          detail={"objek": _("Klien API %(name)s", name=client.name),
                  "rincian": _("Token diganti; token lama tidak berlaku")})
    return _page(200, new_token=token, token_client=client)


@bp.post("/<id:client_id>/cabut")
def revoke(client_id):
    if not Form().validate():
        abort(400)
    client = _client(client_id)
    try:
        services.revoke_client(current_user, client, now=now_utc())
    except DomainError as e:
        flash(e.message, "error")
        return redirect(url_for("api_admin.clients"))
    flash(_("Klien %(name)s dicabut; tokennya tidak berlaku lagi.", name=client.name), "success")
    return redirect(url_for("api_admin.clients"))


@bp.post("/<id:client_id>/webhook")
def subscribe(client_id):
    """Subscribe a URL to the client's case status changes; the secret is shown once."""
    from slrt.api import webhooks

    if not Form().validate():
        abort(400)
    client = _client(client_id)
    url = request.form.get("url", "")[:300]
    try:
        sub, secret = webhooks.subscribe(current_user, client, url, now=now_utc())
    except DomainError as e:
        db.session.rollback()
        # beside the URL field of this client's row, with the address as typed
        return _page(422, hook_error=e.message, hook_client=client.id, hook_url=url)
    audit("ubah", object_type="user", object_id=client.user_id,
          detail={"objek": _("Klien API %(name)s", name=client.name),
                  "rincian": _("Webhook berlangganan: %(url)s", url=sub.url)})
    return _page(201, new_secret=secret, secret_sub=sub)


@bp.post("/webhook/<id:sub_id>/hapus")
def unsubscribe(sub_id):
    from slrt.api import webhooks
    from slrt.api.models import WebhookSubscription

    if not Form().validate():
        abort(400)
    sub = db.session.get(WebhookSubscription, parse_id(sub_id) or 0)
    if sub is None or sub.revoked_at is not None:
        abort(404)
    dropped = webhooks.unsubscribe(current_user, sub, now=now_utc())
    audit("ubah", object_type="user", object_id=sub.client.user_id,
          detail={"objek": _("Klien API %(name)s", name=sub.client.name),
                  "rincian": _("Webhook dihentikan: %(url)s (%(n)d kiriman dibatalkan)",
                               url=sub.url, n=dropped)})
    flash(_("Webhook %(url)s dihentikan.", url=sub.url), "success")
    return redirect(url_for("api_admin.clients"))
