"""Reference data read on every complaint form, kept per process: the
villages (slrt/regions/queries.py) and the complaint categories
(slrt/cases/catalog.py).

Only CLI commands change them (`flask regions load`, the catalog and demo
loads); each app instance keeps a copy for TTL_SECONDS, so that a form page
does not query them each time. Measured with bench/load_register.py on the
2-core machine: each statement of a request costs about a millisecond of
ORM and driver work under load, and the registration's form asked for both
lists twice (the page, then the submitted form). A load run in this process
forgets the copy at once; other processes see the change within TTL_SECONDS.
"""

from __future__ import annotations

import time

from flask import current_app

TTL_SECONDS = 300
_KEY = "slrt_reference"


def cached(name: str, load):
    """`load()`'s answer, kept for TTL_SECONDS in this app instance."""
    store = current_app.extensions.setdefault(_KEY, {})
    now = time.monotonic()
    hit = store.get(name)
    if hit is None or now - hit[0] > TTL_SECONDS:
        hit = (now, load())
        store[name] = hit
    return hit[1]


def forget() -> None:
    """After a load: the next reader of this app instance reads the tables again."""
    current_app.extensions.pop(_KEY, None)
