"""Jinja globals of the proposals: the proposals of a case, the flags on a
registry record (shown on the case and registry pages)."""

from __future__ import annotations

from sqlalchemy import select

from slrt.extensions import db
from slrt.proposals.models import Proposal
from slrt.proposals.services import flags_of


def _case_proposals(case):
    return list(db.session.scalars(select(Proposal).where(Proposal.case_id == case.id)
                                   .order_by(Proposal.id)))


def _registry_flags(record):
    if record is None:
        return []
    return flags_of([record.id]).get(record.id, [])


def init_app(app):
    app.jinja_env.globals["case_proposals"] = _case_proposals
    app.jinja_env.globals["registry_flags"] = _registry_flags
