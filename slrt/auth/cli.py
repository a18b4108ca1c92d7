from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from slrt.auth.models import ROLES
from slrt.common.errors import DomainError
from slrt.extensions import db

users_cli = AppGroup("users", help="Pengguna dan perannya.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(list(ROLES)))
@click.option("--desa", "villages", multiple=True, help="Kode desa (boleh berulang).")
@click.option("--program", "programs", multiple=True, help="Kode program (boleh berulang).")
@click.option("--name", "full_name", default="", help="Nama lengkap.")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--password", default=None,
              help="Kata sandi; bila kosong dibuat acak dan dicetak sekali.")
@click.option("--kabupaten", default=None, metavar="KODE",
              help="Kabupaten/kota akun (mis. 15.05); untuk supervisor provinsi kode "
                   "provinsinya (15). Bawaan: SLRT_KABUPATEN.")
def create_command(username, role, villages, programs, full_name, email, phone, password,
                   kabupaten):
    """Buat pengguna baru (admin sebuah kabupaten dan supervisor provinsi dibuat di sini)."""
    from slrt.auth.services import create_user, generate_password

    generated = password is None
    password = password or generate_password()
    try:
        user = create_user(
            username, role, password=password,
            kabupaten=kabupaten or current_app.config["SLRT_KABUPATEN"],
            villages=list(villages), programs=list(programs), full_name=full_name,
            email=email, phone=phone, temporary=generated,  # replaced at the first login
        )
    except DomainError as e:
        raise click.ClickException(e.message) from None
    db.session.commit()
    click.echo(f"Pengguna {user.username} ({user.role}) dibuat.")
    if generated:
        click.echo(f"Kata sandi sekali pakai: {password} (wajib diganti saat pertama masuk)")
