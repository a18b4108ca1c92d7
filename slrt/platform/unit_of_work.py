"""One commit per request: the unit of work of the web door.

A view (and every service it calls) changes objects and flushes; it never
commits. When the view has answered, `finish_request` runs the hooks that
must be in the same transaction (the audit entry of the change) and commits
once. A failing hook or commit fails the request as a whole: nothing of the
change is kept, so no change lands without its audit row.

- An answer of 400 or more (a refused form, a conflict) rolls back what the
  view did, unless the view said the refusal itself must be remembered
  (`remember_refusal()`: a failed login for the throttle, a status-page try).
- An exception in the view rolls back (the error handlers do), and the
  error handler of a 403/404 commits its own refusal entry.
- Work that must follow the commit (starting a background process that
  reads what was committed) is queued with `after_commit(fn)`.

The commit happens inside `dispatch_request`, so an error at the commit (a
stale version, a unique key taken meanwhile) reaches the same error handlers
as one raised by the view (a friendly "changed by someone else" redirect),
not the bare 500 page an exception in an after_request hook would give.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g

_HOOKS = "slrt.before_commit"


def before_commit(app: Flask, hook: Callable[[Response], None]) -> None:
    """Run hook(response) before each request's commit, in its transaction."""
    app.extensions.setdefault(_HOOKS, []).append(hook)


def remember_refusal() -> None:
    """Keep what this request wrote although it answers with an error status."""
    g.slrt_keep_on_refusal = True


def queue_before_commit(fn: Callable[[], None]) -> None:
    """Call fn() right before this request commits, in its transaction (an
    audit entry: written last, so a page view takes no write lock before it
    has rendered)."""
    g.setdefault("slrt_before_commit", []).append(fn)


def after_commit(fn: Callable[[], None]) -> None:
    """Call fn() once this request's changes are committed (never if they are not)."""
    g.setdefault("slrt_after_commit", []).append(fn)


def finish_request(response: Response) -> Response:
    from slrt.extensions import db

    session = db.session
    if response.status_code >= 400 and not g.get("slrt_keep_on_refusal"):
        session.rollback()
        g.pop("slrt_before_commit", None)
        g.pop("slrt_after_commit", None)
        return response
    for hook in current_app.extensions.get(_HOOKS, ()):
        hook(response)
    for fn in g.pop("slrt_before_commit", []):
        fn()
    session.commit()
    for fn in g.pop("slrt_after_commit", []):
        fn()
    return response


class UnitOfWorkFlask(Flask):
    """Flask whose every view is one unit of work (see the module's docstring)."""

    def dispatch_request(self):
        rv = super().dispatch_request()
        return finish_request(self.make_response(rv))
