"""The objects of the role matrix in the demo database, for the page tour and the
screenshots: the house fire in Desa Aro (its case, the disaster-logistics referral
accepted by `handler`, with a handover recorded and the aid not yet marked delivered),
an Aro proposal decided at the Musdes, and a checked registry import.

Run in the app's environment (`python -m tests.browser.world`): prints the ids and the
URL rule of every endpoint as JSON. A plain module: server.py runs it after
`flask demo load`.
"""

from __future__ import annotations

import json

# The demo account of each role of the matrix (slrt/demo/services.py ROLE_ACCOUNTS);
# the operator of Desa Aro, where the case of the tour lives.
ACCOUNTS = {"operator": "op-aro", "fasilitator": "fasilitator", "handler": "handler",
            "supervisor": "supervisor", "admin": "admin", "province_supervisor": "provinsi"}
ARO = "15.04.03.2013"


def build() -> dict:
    from datetime import timedelta

    from sqlalchemy import select

    from slrt.auth.models import User
    from slrt.cases.models import Case
    from slrt.common.time import now_utc
    from slrt.dtks.models import RegistryImport
    from slrt.extensions import db
    from slrt.proposals.models import Musdes, Proposal
    from slrt.referrals import services
    from slrt.referrals.aid import Composition, propose_package
    from slrt.referrals.models import Referral

    case = db.session.scalars(select(Case).where(
        Case.village_code == ARO, Case.category_code == "korban_bencana")
        .order_by(Case.id)).first()
    referral = db.session.scalars(select(Referral).where(
        Referral.case_id == case.id, Referral.program_code == "BENCANA_LOG")).one()
    handler = db.session.scalars(select(User).where(User.username == "handler")).one()
    if referral.handover is None:
        family = Composition(adult_men=1, adult_women=1, school_boys=2, school_girls=1)
        services.record_handover(handler, referral, family, propose_package(family),
                                 case.beneficiary.name, "Diserahkan di rumah saudara.",
                                 now=now_utc() - timedelta(hours=2))
    registry_import = db.session.scalars(select(RegistryImport).order_by(
        RegistryImport.id)).first()
    if registry_import is None:
        registry_import = RegistryImport(
            file_name="DTKS_BATANGHARI_2026-10.txt", period="2026-10", status="validated",
            rows_total=412, rows_valid=412, villages=3, scope_code=ARO[:5])
        db.session.add(registry_import)
    db.session.commit()
    proposal = db.session.scalars(select(Proposal).where(Proposal.village_code == ARO)
                                  .order_by(Proposal.id)).first()
    musdes = db.session.scalars(select(Musdes).where(Musdes.village_code == ARO)).first()
    admin = db.session.scalars(select(User).where(User.username == "op-aro")).one()
    # A case not referred yet (the walk-in asking to enter the registry): its routing
    # page shows the suggestions, for the screenshots.
    unreferred = db.session.scalars(select(Case).where(~Case.referrals.any())
                                    .order_by(Case.id)).first()
    return {"case_id": case.id, "referral_id": referral.id, "user_id": admin.id,
            "code": "PKH", "proposal_id": proposal.id, "musdes_id": musdes.id,
            "import_id": registry_import.id,
            "unreferred_case_id": unreferred.id if unreferred else case.id}


if __name__ == "__main__":
    from wsgi import app

    with app.app_context():
        ids = build()
        rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
        print(json.dumps({"ids": ids, "rules": rules}))
