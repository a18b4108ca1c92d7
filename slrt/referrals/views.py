"""Referral pages: route a case, the handler queues, a referral, letters, handover."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from slrt.admin import letterhead
from slrt.audit.services import audit
from slrt.cases import queries as case_queries
from slrt.common.errors import DomainError
from slrt.common.permissions import can, permission_required, regency_of
from slrt.common.routing_ids import parse_id, parse_version
from slrt.common.time import now_utc, today_wib
from slrt.common.workdays import cuti_bersama
from slrt.extensions import db
from slrt.referrals import aid, queries, routing, services
from slrt.referrals.forms import AssignForm, HandoverForm, MoveForm, ReferForm
from slrt.referrals.models import Program, Referral
from slrt.referrals.workflow import (
    HANDOVER_STATUSES,
    STATUSES,
    allowed_moves,
    done_message,
)
from slrt.regions.queries import villages_of

bp = Blueprint("referrals", __name__, url_prefix="/rujukan")


@bp.route("/kasus/<id:case_id>", methods=["GET", "POST"])
@permission_required("referral.route")
def route_case(case_id: int):
    """Suggest destinations with reasons; the desk confirms or changes them."""
    case = case_queries.get_case_for(current_user, case_id)
    form = ReferForm()
    chosen = request.form.getlist("programs") if request.method == "POST" else []
    error = None
    if request.method == "POST" and form.validate():
        try:
            created = services.refer(current_user, case, chosen, form.reason.data or "",
                                     now=now_utc())
        except DomainError as e:
            db.session.rollback()
            error = e.message
            case = case_queries.get_case_for(current_user, case_id)
        else:
            flash(_("Kasus %(number)s dirujuk ke %(programs)s.", number=case.number,
                    programs=", ".join(r.program.name for r in created)), "success")
            return redirect(url_for("cases.detail", case_id=case.id) + "#rujukan")
    # Nothing is ticked until the desk chooses: a referral goes out only to the programs
    # the desk picked. The page shows the suggestions first, the programs that cannot be
    # referred apart with their reasons, and the rest folded.
    suggestions = routing.suggest(case, today_wib())
    suggested = [s for s in suggestions if s.suggested and not s.blocked]
    others = [s for s in suggestions if not s.suggested and not s.blocked]
    status = 422 if request.method == "POST" else 200
    return render_template(
        "referrals/route.html", case=case, form=form, chosen=set(chosen), error=error,
        suggested=suggested, others=others, blocked=[s for s in suggestions if s.blocked],
        others_open=not suggested or any(s.program.code in chosen for s in others)), status


def _filters() -> queries.QueueFilters:
    args = request.args
    f = queries.QueueFilters(
        program=args.get("program", ""), tab=args.get("tab", "semua"),
        status=args.get("status", ""), village=args.get("village", ""),
        due=args.get("due", ""), urgency=args.get("urgency", ""))
    if f.tab not in queries.TABS:
        f.tab = "semua"
    if f.status not in STATUSES:
        f.status = ""
    if f.due not in queries.DUE_FILTERS:
        f.due = ""
    return f


def _my_programs() -> list[Program]:
    codes = current_user.program_codes
    return list(db.session.scalars(select(Program).where(Program.code.in_(codes))
                                   .order_by(Program.unit, Program.sort_order)))


@bp.get("/antrean")
@permission_required("referral.queue")
def queue():
    f = _filters()
    programs = _my_programs()
    if f.program and f.program not in {p.code for p in programs}:
        abort(404)
    today = today_wib()
    rows, nxt = queries.queue_page(current_user, f, today, after=request.args.get("setelah"),
                                   limit=current_app.config["PAGE_SIZE"])
    counts = queries.tab_counts(current_user, f, today)
    handlers = queries.handlers_of(f.program) if f.program else []
    from slrt.notifications import status as clock

    cuti = cuti_bersama(current_user.regency_code)  # read once for the page, not per row
    clocks = {r.id: clock.referral_clock(r, today, cuti) for r in rows}
    return render_template(
        "referrals/queue.html", rows=rows, counts=counts, f=f, programs=programs, clocks=clocks,
        tabs=queries.TABS, statuses=STATUSES, due_filters=queries.DUE_FILTERS,
        villages=villages_of(current_user.regency_code), today=today,
        next_token=f"{nxt[0].isoformat()}_{nxt[1]}" if nxt else None, handlers=handlers)


@bp.post("/antrean/massal")
@permission_required("referral.queue")
def bulk():
    """Accept or assign several referrals at once; each keeps its own version check."""
    action = request.form.get("bulk_action", "")
    ids = [i for i in map(parse_id, request.form.getlist("ids")) if i][:200]
    if not ids or action not in ("terima", "tugaskan"):
        flash(_("Pilih rujukan dan tindakan massal."), "error")
        return redirect(request.referrer or url_for("referrals.queue"))
    assignee = request.form.get("assignee", "")
    done, failed = 0, []
    now = now_utc()
    for rid in ids:
        referral = queries.get_referral_for(current_user, rid)
        version = request.form.get(f"v{rid}", "")
        try:
            with db.session.begin_nested():
                if action == "terima":
                    services.move(current_user, referral, "terima", now=now,
                                  expected_version=parse_version(version))
                else:
                    services.assign(current_user, referral, parse_id(assignee), now=now,
                                    expected_version=parse_version(version))
            done += 1
        except (DomainError, StaleDataError) as e:
            failed.append(f"{referral.number}: {getattr(e, 'message', _('diubah petugas lain'))}")
    if done:
        flash(_("%(n)d rujukan diproses.", n=done), "success")
    for msg in failed:
        flash(msg, "error")
    return redirect(request.referrer or url_for("referrals.queue"))


@bp.get("/perlu-jawaban")
@permission_required("referral.needs_reply")
def needs_reply():
    return render_template("referrals/needs_reply.html",
                           rows=queries.needs_reply(current_user))


def _detail(referral: Referral, *, move_form=None, assign_form=None, error=None, status=200):
    from slrt.notifications import status as clock

    moves = allowed_moves(current_user, referral)
    programs = list(db.session.scalars(select(Program).where(
        Program.is_active, Program.code != referral.program_code,
        Program.regency_code == regency_of(referral.village_code)).order_by(Program.sort_order)))
    handlers = queries.handlers_of(referral.program_code) \
        if can(current_user, "referral.assign", referral) else []
    events = [e for e in referral.case.events
              if (e.data or {}).get("referral_id") == referral.id]
    return render_template(
        "referrals/detail.html", referral=referral, case=referral.case, moves=moves,
        programs=programs, handlers=handlers, events=events, error=error,
        move_form=move_form or MoveForm(formdata=None),
        assign_form=assign_form or AssignForm(formdata=None),
        today=today_wib(), clock=clock.referral_clock(referral, today_wib()),
        is_aid=referral.program.seeded_code in services.AID_PROGRAMS,
        can_handover=(can(current_user, "referral.handover", referral)
                      and referral.program.seeded_code in services.AID_PROGRAMS
                      and referral.status in HANDOVER_STATUSES
                      and referral.handover is None)), status


@bp.get("/<id:referral_id>")
@permission_required("referral.view")
def detail(referral_id: int):
    referral = queries.get_referral_for(current_user, referral_id)
    audit("lihat_kasus", object_type="referral", object_id=referral.id,
          person_id=referral.case.beneficiary_id)
    return _detail(referral)[0]


@bp.post("/<id:referral_id>/tindakan")
@permission_required("referral.move")
def act(referral_id: int):
    referral = queries.get_referral_for(current_user, referral_id)
    form = MoveForm()
    if not form.validate():
        return _detail(referral, move_form=form, status=422)
    action = form.action.data or ""
    version = parse_version(form.version.data)
    try:
        forwarded = services.move(current_user, referral, action, form.reason.data or "",
                                  now=now_utc(), expected_version=version,
                                  target_program=form.target_program.data or None)
    except services.StaleReferral as e:
        db.session.rollback()
        flash(e.message, "error")
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    except StaleDataError:
        db.session.rollback()
        flash(_("Rujukan ini baru saja diubah oleh petugas lain; tidak ada yang ditimpa. "
                "Periksa lalu ulangi."), "error")
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    except DomainError as e:
        db.session.rollback()
        referral = queries.get_referral_for(current_user, referral_id)
        if e.field in ("reason", "target_program"):  # told next to its field
            getattr(form, e.field).errors = [*getattr(form, e.field).errors, e.message]
            return _detail(referral, move_form=form, status=422)
        return _detail(referral, move_form=form, error=e.message, status=422)
    flash(done_message(action, referral.number), "success")
    if forwarded is not None and not can(current_user, "referral.handle", forwarded):
        return redirect(url_for("referrals.queue") if can(current_user, "referral.queue")
                        else url_for("cases.detail", case_id=referral.case_id))
    return redirect(url_for("referrals.detail", referral_id=referral_id))


@bp.post("/<id:referral_id>/tugaskan")
@permission_required("referral.assign")
def assign(referral_id: int):
    referral = queries.get_referral_for(current_user, referral_id)
    if not can(current_user, "referral.assign", referral):
        abort(403)
    form = AssignForm()
    if not form.validate():
        return _detail(referral, assign_form=form, status=422)
    assignee = parse_id(form.assignee.data or "")

    def run(referral, version):
        services.assign(current_user, referral, assignee, now=now_utc(),
                        expected_version=version)
        flash(_("Penugasan disimpan."), "success")
    return act_on_referral(referral, run)


def act_on_referral(referral: Referral, fn):
    """A button on the referral's page: fn(referral, version) with the version
    the page was loaded at; a refusal or a change made meanwhile is told, and
    the user is back on the referral's page."""
    try:
        fn(referral, parse_version(request.form.get("version")))
    except (services.StaleReferral, StaleDataError):
        db.session.rollback()
        flash(_("Rujukan ini baru saja diubah oleh petugas lain; tidak ada yang ditimpa. "
                "Periksa lalu ulangi."), "error")
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "error")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


def _composition_of(form) -> aid.Composition:
    return aid.Composition(**{k: getattr(form, f"c_{k}").data or 0
                              for k in aid.COMPOSITION_LABELS})


@bp.route("/<id:referral_id>/serah-terima", methods=["GET", "POST"])
@permission_required("referral.handover")
def handover(referral_id: int):
    """Propose the package from the household, adjust, record what was handed over."""
    referral = queries.get_referral_for(current_user, referral_id)
    if not can(current_user, "referral.handover", referral) or \
            referral.program.seeded_code not in services.AID_PROGRAMS:
        abort(403)
    form = HandoverForm()
    error = None
    if request.method == "GET":
        person = referral.case.beneficiary
        form.recipient_name.data = person.name or referral.case.reporter_name
        # A first guess from the registered household; the handler corrects it.
        if person.household_size:
            children = person.children_count or 0
            elderly = person.elderly_count or 0
            adults = max(person.household_size - children - elderly, 0)
            form.c_adult_men.data = (adults + 1) // 2
            form.c_adult_women.data = adults // 2
            form.c_school_boys.data = (children + 1) // 2
            form.c_school_girls.data = children // 2
            form.c_elderly.data = elderly
        _fill_quantities(form)
    elif form.validate():
        if form.step.data == "usulkan":
            _fill_quantities(form)
        else:
            quantities = {code: getattr(form, f"q_{code}").data or 0 for code in aid.ITEMS}
            try:
                services.record_handover(current_user, referral, _composition_of(form),
                                         quantities, form.recipient_name.data,
                                         form.notes.data or "", now=now_utc(),
                                         deliver=bool(form.deliver.data))
            except DomainError as e:
                db.session.rollback()
                error = e.message
            else:
                flash(_("Serah terima dicatat; bantuan ditandai sudah disalurkan.")
                      if form.deliver.data else _("Serah terima dicatat."), "success")
                return redirect(url_for("referrals.detail", referral_id=referral_id))
    proposed = aid.propose_package(_composition_of(form))
    return render_template("referrals/handover.html", referral=referral, form=form,
                           proposed=proposed, items=aid.AID_ITEMS,
                           composition=aid.COMPOSITION_LABELS, error=error), \
        (422 if form.errors or error else 200)


def _fill_quantities(form) -> None:
    proposed = aid.propose_package(_composition_of(form))
    for code, qty in proposed.items():
        field = getattr(form, f"q_{code}")
        field.data = qty
        field.raw_data = None  # otherwise the box shows the number just submitted


@bp.get("/<id:referral_id>/berita-acara")
@permission_required("referral.view")
def handover_record(referral_id: int):
    referral = queries.get_referral_for(current_user, referral_id)
    if referral.handover is None:
        abort(404)
    return render_template("referrals/handover_record.html", referral=referral,
                           handover=referral.handover, composition=aid.COMPOSITION_LABELS,
                           letterhead=letterhead.current(regency_of(referral.village_code)))


@bp.get("/<id:referral_id>/surat")
@permission_required("referral.view")
def letter(referral_id: int):
    referral = queries.get_referral_for(current_user, referral_id)
    audit("lihat_kasus", object_type="referral", object_id=referral.id,
          person_id=referral.case.beneficiary_id, detail={"halaman": "surat rujukan"})
    from slrt.proposals.services import open_proposals_of_person

    return render_template("referrals/letter.html", referral=referral, case=referral.case,
                           proposals=open_proposals_of_person(referral.case),
                           letterhead=letterhead.current(regency_of(referral.village_code)))
