"""Peak memory of an uploaded registry import read from the file store, on
each backend: the file in the database (chunk rows) beside the same file in a
folder.

Usage:

    .venv/bin/python bench/storage_import.py [--rows 245000]

One run: builds a SQLite database the project's way (bench/registry_import.py),
writes a SIKS-NG export of N rows (245,000 rows: about 50 MB), then for each
store ("folder" first, the baseline, then "database") on a fresh copy of the
database: stores the file as the upload page does (slrt.dtks.jobs.store_upload,
streamed), queues it, and runs the two phases as the page's background
process does (`flask dtks run ID`: check, then apply), reading each child's
peak RSS (os.wait4). Prints the file size, the time and the peak RSS of each
phase on each store. The database store must not add the file's size to the
peak: it reads one 1 MiB chunk at a time. There is no pass/fail exit code.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from registry_import import OUT, ROOT, make_database, run_child, write_file


def _env(db_path: Path, store: str) -> dict:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "SLRT_CONFIG": "development",
            "SLRT_INSTANCE_PATH": str(db_path.parent), "SLRT_STORAGE": store,
            "SLRT_STORAGE_PATH": str(db_path.parent / "uploads"), "SLRT_KABUPATEN": "15"}


def _queue(db_path: Path, store: str, file: Path) -> int:
    """Store the file and queue it as the upload page does; the import's id."""
    code = ("import sys\n"
            "from slrt import create_app\n"
            "from slrt.dtks import importer, jobs\n"
            "from slrt.extensions import db\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            f"    with open({str(file)!r}, 'rb') as fh:\n"
            "        key = jobs.store_upload(fh, 'csv')\n"
            "    db.session.commit()\n"
            "    print(importer.queue_validation(importer.InputFile(key=key), '2022-07',\n"
            "                                    'DTKS', '15'))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(db_path, store),
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


def _queue_apply(db_path: Path, store: str, import_id: int) -> None:
    code = ("from slrt import create_app\n"
            "from slrt.dtks import importer\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            f"    importer.queue_apply({import_id}, apply_valid=True)\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(db_path, store),
                   check=True, capture_output=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=245_000)
    args = ap.parse_args()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    file = OUT / f"siksng-{args.rows}.txt"
    if not file.exists():
        write_file(file, args.rows)
    print(f"file: {file.name}, {args.rows:,} rows, {file.stat().st_size / 2**20:.1f} MB")
    with tempfile.TemporaryDirectory(prefix="slrt-bench-storage-") as tmp:
        template = Path(tmp) / "template" / "slrt.db"
        template.parent.mkdir()
        make_database(template)
        for store in ("folder", "database"):
            work = Path(tmp) / store
            work.mkdir()
            db_path = work / "slrt.db"
            shutil.copy(template, db_path)
            import_id = _queue(db_path, store, file)
            run = [sys.executable, "-m", "flask", "--app", "wsgi", "dtks", "run", str(import_id)]
            wall, rss, out, _cpu = run_child(run, _env(db_path, store))
            print(f"{store:<8} check: {wall:6.1f} s, peak RSS {rss:6.1f} MB  "
                  f"{out.strip().splitlines()[-1][:90]}")
            _queue_apply(db_path, store, import_id)
            wall, rss, out, _cpu = run_child(run, _env(db_path, store))
            print(f"{store:<8} apply: {wall:6.1f} s, peak RSS {rss:6.1f} MB  "
                  f"{out.strip().splitlines()[-1][:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
