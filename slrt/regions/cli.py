from __future__ import annotations

import click
from flask.cli import AppGroup

from slrt.extensions import db

regions_cli = AppGroup("regions", help="Kode wilayah Kemendagri.")


@regions_cli.command("load")
@click.option("--kabupaten", default="15.04", show_default=True,
              help="Kode kabupaten/kota yang desanya dimuat (mis. 15.04).")
@click.option("--province", "--provinsi", "province", default=None, metavar="KODE",
              help="Kode provinsi (mis. 15): desa semua kabupaten/kotanya dimuat, "
                   "menggantikan --kabupaten.")
def load_command(kabupaten: str, province: str | None):
    """Muat provinsi, kabupaten/kota, kecamatan se-Indonesia dan desa satu kabupaten
    (atau semua kabupaten/kota satu provinsi)."""
    from slrt.regions.services import load_province, load_regions

    try:
        result = load_province(province) if province else load_regions(kabupaten)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"Wilayah: {result.inserted} baru, {result.updated} diperbarui, "
               f"{result.unchanged} tetap.")
