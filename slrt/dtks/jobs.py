"""Run an uploaded registry import outside the web request.

The upload page records the file (status "queued") and starts
`flask dtks run ID` as a process of its own: a province file takes a minute
or more and some hundred MB, which must not hold a web worker, and the
import survives the worker being recycled. The process gets the same
database and instance folder as the app; its output goes to
instance/imports/ID.log. The page polls the import row for progress.
"""

from __future__ import annotations

import os
import subprocess  # noqa: S404 - starts our own CLI with a fixed argument list
import sys
import threading
from pathlib import Path

from flask import current_app

ROOT = Path(__file__).resolve().parent.parent.parent


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def launch(import_id: int) -> None:
    """Start `flask dtks run IMPORT_ID` in the background. Raises OSError when
    the process cannot be started."""
    app = current_app._get_current_object()
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SLRT_CONFIG": app.config.get("SLRT_CONFIG_NAME", "development"),
        "SLRT_INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SLRT_KABUPATEN": app.config["SLRT_KABUPATEN"],
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    })
    log_path = upload_dir() / f"{int(import_id)}.log"
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            [sys.executable, "-m", "flask", "--app", "wsgi", "dtks", "run", str(int(import_id))],
            cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
    # Reap the child when it ends so that no zombie stays behind the worker.
    threading.Thread(target=proc.wait, name=f"impor-{import_id}", daemon=True).start()


def discard_upload(record) -> None:
    """Remove an uploaded file once its import has ended for good (applied,
    refused or cancelled): it holds the NIKs of a whole regency and is not
    needed again. Files given to the command line are never touched."""
    if record is None or record.status not in ("applied", "rejected") or not record.file_path:
        return
    path = Path(record.file_path)
    if path.parent.resolve() == upload_dir().resolve():
        path.unlink(missing_ok=True)
