"""Who may do what: one table of actions, read by the views, the services,
the templates (the Jinja global `can`) and the permission tests. Deny by
default: an action not in the table, an unknown role or an object outside the
user's scope is refused.

`can(user, action)` asks whether the user's role may take the action at all;
`can(user, action, obj)` also asks whether the object is in the user's scope:
a village desk (operator, fasilitator) reaches the objects of its villages
(`obj.village_code`), a program handler those of its programs
(`obj.program_code`), the supervisor the whole regency, the province
supervisor every regency of his province. Before any of these, the object
must lie in one of the user's regencies (`regency_scope`): its
`regency_code`, or the first two parts of its `village_code` ("15.04" of
"15.04.01.2001"). Objects are duck-typed, so this module imports no feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from slrt.common.errors import NotAllowed
from slrt.extensions import login_manager
from slrt.regions.queries import regencies_in, villages, villages_in

# Endpoints reachable without logging in; everything else needs a session.
# The field app's page, service worker and manifest hold no personal data: the
# app opens offline and logs in with a personal token of the API.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "main.health", "status_page.lookup",
                              "field.shell", "field.service_worker", "field.manifest"})

# The roles (their labels are slrt/auth/models.py ROLES).
OPERATOR, FASILITATOR, HANDLER, SUPERVISOR, ADMIN = (
    "operator", "fasilitator", "handler", "supervisor", "admin")
PROVINCE_SUPERVISOR = "province_supervisor"
VILLAGE_DESK = frozenset({OPERATOR, FASILITATOR})
DESK = VILLAGE_DESK | {SUPERVISOR}          # handle the complaints of villages
STAFF = DESK | {HANDLER}                   # work on cases and referrals
EVERYONE = STAFF | {ADMIN, PROVINCE_SUPERVISOR}

# How far a role reaches when an action names an object.
VILLAGE, PROGRAM, REGENCY, PROVINCE, NOTHING = (
    "village", "program", "regency", "province", "nothing")
ROLE_SCOPES = {
    OPERATOR: VILLAGE,        # the one village of the desk
    FASILITATOR: VILLAGE,     # the villages he accompanies
    HANDLER: PROGRAM,         # the referrals of his programs
    SUPERVISOR: REGENCY,      # everything in the regency
    PROVINCE_SUPERVISOR: PROVINCE,  # every regency of the province, to read
    ADMIN: NOTHING,           # accounts and settings of the regency, no resident's data
}


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    what: str
    # Roles that reach every object of the action: their way to the object
    # (a query of their scope) already checked it.
    unscoped: frozenset[str] = frozenset()


def _r(roles, what: str, unscoped=()) -> Rule:
    return Rule(frozenset(roles), what, frozenset(unscoped))


ACTIONS: dict[str, Rule] = {
    # everyone's own pages
    "dashboard.view": _r(STAFF | {PROVINCE_SUPERVISOR},
                         "the home page with the day's work (the admin's is the user list, "
                         "the province supervisor's the regencies compared)"),
    "account.password": _r(EVERYONE, "change one's own password"),
    "inbox.read": _r(EVERYONE, "read and mark one's own notifications"),
    "help.read": _r(EVERYONE, "the help page of one's own role"),
    "search.use": _r(STAFF, "the header's search box: the desk's cases, a handler's referrals"),
    # cases at the desk
    "case.view": _r(DESK, "list and open the cases of one's villages, print a receipt"),
    "case.register": _r(DESK, "register a complaint, add one to a case"),
    "case.note": _r(DESK, "add a note to a case"),
    "case.close": _r(DESK, "close a case with its outcome"),
    "case.recheck": _r(DESK, "check a case's beneficiary in the registry again"),
    "case.reveal_nik": _r(DESK, "show a beneficiary's full NIK (audited)"),
    "case.attach": _r(DESK, "attach a photo or a letter to a case (viewing one is case.view)"),
    "person.profile": _r(STAFF, "see a resident's stored profile and its history",
                         unscoped={HANDLER}),   # reached through a referral of his program
    "person.change": _r(DESK, "change a resident's stored profile"),
    # the registry (DTKS)
    "registry.check": _r(DESK, "look a resident up in the registry"),
    "registry.flag": _r(DESK, "report a registry record as moved or dead"),
    "registry.unflag_any": _r({SUPERVISOR}, "withdraw a report another desk made"),
    "registry.import": _r({SUPERVISOR}, "upload, apply and read registry imports"),
    # referrals
    "referral.route": _r(DESK, "send a case to programs"),
    "referral.needs_reply": _r(DESK, "the referrals returned with a question"),
    "referral.view": _r(STAFF, "open a referral, its letter and handover record"),
    "referral.move": _r(STAFF, "take a move of the referral life cycle on one's side"),
    "referral.desk": _r(DESK, "stand on the desk side of a referral"),
    "referral.handle": _r({HANDLER}, "stand on the program side of a referral"),
    "referral.queue": _r({HANDLER}, "the program queue and its bulk actions"),
    "referral.assign": _r({HANDLER}, "assign a referral to a handler of the program"),
    "referral.handover": _r({HANDLER}, "record an aid handover"),
    "referral.pause": _r(STAFF, "pause and resume a referral's clock"),
    # proposals and the village meeting (Musdes)
    "proposal.view": _r(DESK, "list and open proposals"),
    "proposal.create": _r(DESK, "propose a resident for the registry"),
    "proposal.export": _r(DESK, "export the approved proposals"),
    "proposal.reveal_nik": _r(DESK, "show a proposal's full NIK (audited)"),
    "musdes.manage": _r(DESK, "record a village meeting and its decisions"),
    # outreach
    "outreach.visit": _r(VILLAGE_DESK, "the villages' follow-ups and home visits"),
    "outreach.contact": _r(DESK, "record a follow-up contact on a case"),
    "outreach.photo": _r(DESK, "see a visit's photo"),
    # reports and the audit log
    "report.view": _r(STAFF | {PROVINCE_SUPERVISOR},
                      "the reports of one's scope and their exports"),
    "report.recap": _r({SUPERVISOR}, "the registry recap per village"),
    "report.regencies": _r({PROVINCE_SUPERVISOR},
                           "the regencies of the province side by side"),
    "audit.read": _r({SUPERVISOR}, "read the audit log"),
    "pdp.report": _r({SUPERVISOR}, "a resident's personal-data access report (UU PDP)"),
    # administration
    "admin.users": _r({ADMIN}, "create, edit and disable user accounts"),
    "admin.programs": _r({ADMIN}, "edit the programs' settings (his regency's)",
                         unscoped={ADMIN}),
    "admin.api_clients": _r({ADMIN}, "create, rotate and revoke the API's clients"),
    # the API's personal tokens (the field app): staff only, never the admin
    "api.personal_token": _r(STAFF, "log in through the API for a short-lived token"),
    "settings.reminders": _r({ADMIN}, "reminder settings, cuti bersama, deliveries"),
    "settings.letterhead": _r({ADMIN}, "the regency's letterhead on printed letters and its "
                                       "case number prefix"),
    "letterhead.view": _r(STAFF | {ADMIN}, "see the letterhead's logo on a printed page"),
}


def regency_of(code: str | None) -> str | None:
    """The regency of a region code: "15.04" of "15.04.01.2001" (and of "15.04")."""
    if not code or code.count(".") < 1:
        return None
    return ".".join(code.split(".", 2)[:2])


def object_regency(obj) -> str | None:
    """The regency an object belongs to: its own `regency_code`, or its
    village's (cases, referrals, persons, proposals, visits...)."""
    code = getattr(obj, "regency_code", None)
    if code:
        return code
    return regency_of(getattr(obj, "village_code", None))


def regency_scope(user) -> list[str]:
    """The regencies the user reaches: his own; a province supervisor's, every
    regency and city of his province loaded in the regions table. Everyone
    else (an anonymous visitor, an account without a regency): none."""
    home = getattr(user, "regency_code", None)
    if not home or not getattr(user, "role", None):
        return []
    if ROLE_SCOPES.get(user.role) == PROVINCE:
        return regencies_in(home)
    return [home]


def in_regency_scope(user, obj) -> bool:
    """Does the object lie in one of the user's regencies? Every object of a
    regency answers this before its own scope (village, program) is asked."""
    return object_regency(obj) in regency_scope(user)


def _in_scope(user, rule: Rule, obj) -> bool:
    if not in_regency_scope(user, obj):
        return False
    if user.role in rule.unscoped:
        return True
    kind = ROLE_SCOPES.get(user.role, NOTHING)
    if kind in (REGENCY, PROVINCE):
        return True
    if kind == VILLAGE:
        return getattr(obj, "village_code", None) in user.village_codes
    if kind == PROGRAM:
        return getattr(obj, "program_code", None) in user.program_codes
    return False


def can(user, action: str, obj=None) -> bool:
    """May the user take the action (on the object, when given)?"""
    rule = ACTIONS.get(action)
    if rule is None:
        raise KeyError(f"unknown action {action!r}: add it to ACTIONS")
    if getattr(user, "role", None) not in rule.roles:  # the anonymous user has no role
        return False
    return obj is None or _in_scope(user, rule, obj)


def require(user, action: str, obj=None) -> None:
    """What a service says first: the user may take the action (on the object),
    or NotAllowed, which every door turns into a 403."""
    if not can(user, action, obj):
        raise NotAllowed(_("Anda tidak berwenang melakukan ini."))


def template_can(action: str, obj=None) -> bool:
    """`{% if can("referral.queue") %}`: the Jinja global, for the current user."""
    return can(current_user, action, obj)


def permission_required(action: str, *, refused: str | None = None):
    """Guard a view (or a blueprint's before_request) by an action of the table:
    anonymous users go to the login page, others without the action get 403,
    or a redirect to the endpoint `refused` when given. The action is kept on
    the view as `view.permission` for the tests and the endpoint list."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}: add it to ACTIONS")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, action):
                if refused is not None:
                    return redirect(url_for(refused))
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = action
        return wrapped

    return decorator


def endpoint_permissions(app, endpoint: str) -> list[str]:
    """The actions guarding an endpoint: its blueprint's before_request guard
    (if any), then the view's own."""
    actions = []
    blueprint = endpoint.rpartition(".")[0]
    for fn in app.before_request_funcs.get(blueprint or None, []):
        if getattr(fn, "permission", None):
            actions.append(fn.permission)
    view = app.view_functions.get(endpoint)
    if getattr(view, "permission", None):
        actions.append(view.permission)
    return actions


def village_scope(user) -> list[str]:
    """Village codes the user may see.

    Operators see their one village, facilitators theirs; supervisors every
    village of their regency, the province supervisor every village of the
    province's regencies (the villages loaded in the regions table, kept per
    process). Handlers and admins see no village cases through this scope
    (handlers reach cases through the referrals of their programs).

    The list goes into `village_code IN (...)`, the leading column of the
    tables' village indexes: a regency has a few hundred villages, a
    province under two thousand.
    """
    kind = ROLE_SCOPES.get(user.role, NOTHING)
    if kind in (REGENCY, PROVINCE):
        reach = tuple(code + "." for code in regency_scope(user))
        if not reach:
            return []
        return [code for code in villages() if code.startswith(reach)]
    if kind == VILLAGE:
        home = getattr(user, "regency_code", None) or ""
        return [code for code in user.village_codes if regency_of(code) == home]
    return []


def program_scope(user) -> list[str] | None:
    """Program codes the user reaches by program (a handler's); None for a
    user whose scope is not by program."""
    if ROLE_SCOPES.get(user.role) == PROGRAM:
        return user.program_codes
    return None


def scope_villages(user) -> list:
    """The villages of the user's scope as region rows (code, name), in code order:
    the choices of every village filter and form."""
    return villages_in(village_scope(user))


def can_see_village(user, village_code: str | None) -> bool:
    return village_code in village_scope(user)


def full_nik_allowed(user) -> bool:
    """Whether the lists and exports the user downloads show the full NIK:
    only for the roles the installation names in SLRT_FULL_NIK_ROLES (none by
    default). Every door that exports a list of residents asks this."""
    return user.role in current_app.config.get("SLRT_FULL_NIK_ROLES", ())
