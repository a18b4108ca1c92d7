"""A stored file sent as a download: the one way every page hands out a file
kept in the store (Musdes scans, visit photos, a case's attachments, the
letterhead's logo).

Always an attachment, never shown inline: a file a user uploaded must not
run as a page of this site (an <img> still shows a picture). A file the
store has lost is a 404, like a file that was never there.
"""

from __future__ import annotations

from io import BytesIO

from flask import abort, send_file

from slrt.platform import storage


def send_stored(key: str | None, *, name: str, mimetype: str | None = None,
                max_age: int | None = None):
    """The file under key as a download named name, or 404."""
    if not key:
        abort(404)
    try:
        data = storage.get(key)
    except storage.FileMissing:
        abort(404)
    return send_file(BytesIO(data), mimetype=mimetype or storage.guess_type(key),
                     as_attachment=True, download_name=name, max_age=max_age)
