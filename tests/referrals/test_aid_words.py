"""The goods of a handover in Indonesian, counted as people say them."""

from __future__ import annotations

from slrt.referrals.aid import item_name, quantity_text


def test_goods_are_named_in_indonesian_even_on_earlier_handovers(app):
    assert item_name("family_kit", "Family kit") == "Paket perlengkapan keluarga"
    assert item_name(None, "Kids ware") == "Paket perlengkapan anak"  # an earlier timeline
    assert item_name("matras", "Matras") == "Matras"
    assert item_name("hilang", "Beras") == "Beras"  # a good no longer listed: as written


def test_a_package_is_counted_once():
    assert quantity_text(1, "paket", "Paket sandang") == "1 paket sandang"
    assert quantity_text(2, "lembar", "Matras") == "2 lembar matras"
    assert quantity_text(1200, "dus", "Air minum kemasan") == "1.200 dus air minum kemasan"
