"""The interface text is extracted for translators: `pybabel extract -F babel.cfg`
finds the label tables (lazy_gettext) as well as the `_()` calls, the tables
still read in Indonesian, and what is stored or exported stays plain text."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from flask_babel import LazyString

ROOT = Path(__file__).resolve().parents[2]


def _extracted() -> set[str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    method_map = [(pattern, method) for pattern, method in method_map
                  if method == "python"]  # the label tables live in slrt/
    return {message if isinstance(message, str) else message[0]
            for _file, _line, message, _comments, _context in extract_from_dir(
                str(ROOT), method_map, options_map)}


def _labels():
    from slrt.audit.labels import ENDPOINT_TEXT, OBJECT_TYPES
    from slrt.audit.services import ACTIONS
    from slrt.cases.catalog import PPKS, SERVICE_REQUESTS
    from slrt.cases.models import CHANNELS, DESK_OUTCOMES, SEXES, URGENCIES
    from slrt.notifications.status import STATES
    from slrt.outreach.hints import NEXT_VISIT_WHY
    from slrt.outreach.models import VISIT_OUTCOMES
    from slrt.proposals.models import DEACTIVATION_REASONS, FLAG_KINDS, KINDS
    from slrt.referrals.aid import AID_ITEMS, COMPOSITION_LABELS
    from slrt.referrals.queries import DUE_FILTERS, TABS
    from slrt.referrals.workflow import MOVES, STATUSES
    from slrt.reports.queries.aggregates import REFERRAL_GROUPS

    tables = [CHANNELS, DESK_OUTCOMES, SEXES, URGENCIES, VISIT_OUTCOMES, NEXT_VISIT_WHY,
              COMPOSITION_LABELS, TABS, DUE_FILTERS, KINDS, DEACTIVATION_REASONS, FLAG_KINDS,
              STATES, ACTIONS, OBJECT_TYPES, ENDPOINT_TEXT, REFERRAL_GROUPS,
              STATUSES, dict(SERVICE_REQUESTS), dict(PPKS)]
    labels = [label for table in tables for label in table.values()]
    labels += [word for _code, name, unit in AID_ITEMS for word in (name, unit)]
    labels += [word for move in MOVES.values() for word in (move.label, move.reason_label)]
    return labels


def test_label_tables_are_found_by_the_extraction(app):
    labels = _labels()
    assert all(isinstance(label, LazyString) for label in labels)
    missing = {str(label) for label in labels} - _extracted()
    assert not missing


def test_labels_read_in_indonesian_and_are_stored_as_plain_text(app, make_user, register, db):
    from slrt.cases.models import CHANNELS, PersonHistory
    from slrt.outreach.models import VISIT_OUTCOMES
    from slrt.referrals.aid import ITEMS

    with app.test_request_context("/"):
        assert str(CHANNELS["datang_langsung"]) == "Datang langsung"
        assert str(VISIT_OUTCOMES["tidak_di_rumah"]) == "Tidak di rumah"
        assert ITEMS["tenda_gulung"] == ("Tenda gulung", "lembar")
        case = register(make_user("operator"), name="Siti Aminah", channel="whatsapp")
        assert case.channel == "whatsapp"  # the code is what is stored
        assert case.channel_label == "WhatsApp" and type(case.channel_label) is str
        assert PersonHistory(changes={"sex": ["L", "P"]}).rows() == [
            ("Jenis kelamin", "L", "P")]
