"""Run an uploaded registry import outside the web request.

The upload page records the file (status "queued") and starts
`flask dtks run ID` as a process of its own: a province file takes a minute
or more and some hundred MB, which must not hold a web worker, and the
import survives the worker being recycled. The process gets the same
database and instance folder as the app and reads the file from the app's
file store (slrt/platform/storage.py); its output goes to this host's
instance/imports/ID.log. The page polls the import row for progress.
"""

from __future__ import annotations

import os
import secrets
import subprocess  # noqa: S404 - starts our own CLI with a fixed argument list
import sys
import threading
from pathlib import Path

from flask import current_app

from slrt.dtks.workflow import IMPORT_FLOW
from slrt.platform import storage

ROOT = Path(__file__).resolve().parent.parent.parent


def log_dir() -> Path:
    """This host's folder of the background processes' logs (ID.log)."""
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(stream, kind: str) -> str:
    """Keep an uploaded registry file in the app's file store until its import
    ends (every app host and the background process reach it there): its key.
    Streamed: a province file of hundreds of MB is never whole in memory."""
    key = f"imports/{secrets.token_hex(16)}.{kind}"
    storage.put(key, stream, "text/csv" if kind == "csv" else
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return key


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
        "SLRT_STORAGE": app.config["SLRT_STORAGE"],  # the same file store as the app
        "SLRT_STORAGE_PATH": app.config.get("SLRT_STORAGE_PATH") or "",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    })
    log_path = log_dir() / f"{int(import_id)}.log"
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            [sys.executable, "-m", "flask", "--app", "wsgi", "dtks", "run", str(int(import_id))],
            cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
    # Reap the child when it ends so that no zombie stays behind the worker.
    threading.Thread(target=proc.wait, name=f"impor-{import_id}", daemon=True).start()


def discard_upload(record) -> None:
    """Remove an uploaded file from the store once its import has ended for
    good (applied, refused, cancelled or failed): it holds the NIKs of a whole regency
    and is not needed again. Files given to the command line are never
    touched. In the caller's transaction on the database backend."""
    if record is None or record.status not in IMPORT_FLOW.final_codes or not record.file_key:
        return
    storage.delete(record.file_key)
