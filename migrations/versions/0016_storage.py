"""storage: uploaded files in one store every app host reaches

The tables of the database backend (`stored_files`, and the bytes in rows of
1 MiB in `stored_file_chunks`), the key of an uploaded registry file on its
import (`registry_imports.file_key`), and the files already uploaded:

- a Musdes scan or a visit photo was a name in the instance folder's
  uploads/ ("3f2a....pdf"); it becomes a key ("musdes/3f2a....pdf",
  "photos/....jpg");
- a registry file still waiting to be checked or applied was a path in the
  instance folder's imports/; it becomes a key ("imports/....csv").

The files themselves go where SLRT_STORAGE says, read from the app's
configuration (`flask db upgrade` runs this inside the app): with "database"
(the default) they are copied into the tables in this migration's
transaction, so the upgrade either has all of them or none; the originals
stay in the folder until the operator removes them (after a backup). With
"folder" they are moved into their namespace's sub-folder. A file that is
missing on disk is left out and named in the log; its row keeps its key (the
download answers 404, as it did). Down again, the keys become names and the
tables are dropped; each file is first written back where the earlier code
looks for it (uploads/NAME, a waiting registry file in imports/).

The files are moved here rather than by a command because `flask db upgrade`
runs this inside the app, so SLRT_STORAGE is known (run through bare
`alembic`, the same variables are read from the environment), and an upgrade
that left the downloads broken until another command ran would be a trap.
`flask storage migrate` moves the files later, when SLRT_STORAGE changes.

Revision ID: 0016_storage
Revises: 0015_village_choices
Create Date: 2026-12-06 09:00:00
"""
import hashlib
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0016_storage'
down_revision = '0015_village_choices'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
CHUNK = 1 << 20
# The features' namespaces of the uploads kept in musdes / outreach_visits.
COLUMNS = (("musdes", "scan_path", "scan_mime", "musdes"),
           ("outreach_visits", "photo_path", "photo_mime", "photos"))
WAITING = ("queued", "validated", "apply_queued")  # imports whose file is still needed


def _settings():
    """(backend, folder root, instance folder) from the app running the upgrade."""
    try:
        from flask import current_app

        app = current_app._get_current_object()
    except RuntimeError:  # pragma: no cover - `alembic` run without the app
        instance = Path(os.environ.get("SLRT_INSTANCE_PATH", "instance"))
        root = os.environ.get("SLRT_STORAGE_PATH") or instance / "uploads"
        return os.environ.get("SLRT_STORAGE", "database"), Path(root), instance
    instance = Path(app.instance_path)
    root = app.config.get("SLRT_STORAGE_PATH") or instance / "uploads"
    return app.config.get("SLRT_STORAGE") or "database", Path(root), instance


files_t = sa.table('stored_files', sa.column('id', sa.Integer), sa.column('key', sa.String),
                   sa.column('content_type', sa.String), sa.column('size', sa.BigInteger),
                   sa.column('sha256', sa.String), sa.column('chunk_size', sa.Integer),
                   sa.column('created_at', sa.DateTime(timezone=True)))
chunks_t = sa.table('stored_file_chunks', sa.column('file_id', sa.Integer),
                    sa.column('seq', sa.Integer), sa.column('data', sa.LargeBinary))


def _store_in_database(conn, key: str, path: Path, content_type: str) -> None:
    if conn.execute(sa.select(files_t.c.id).where(files_t.c.key == key)).first():
        return
    file_id = conn.execute(files_t.insert().values(
        key=key, content_type=content_type or 'application/octet-stream', size=0, sha256='',
        chunk_size=CHUNK, created_at=datetime.now(UTC)).returning(files_t.c.id)).scalar_one()
    digest, size, seq = hashlib.sha256(), 0, 0
    with open(path, 'rb') as fh:
        while piece := fh.read(CHUNK):
            digest.update(piece)
            size += len(piece)
            conn.execute(chunks_t.insert().values(file_id=file_id, seq=seq, data=piece))
            seq += 1
    conn.execute(files_t.update().where(files_t.c.id == file_id).values(
        size=size, sha256=digest.hexdigest()))


def _bring(conn, backend: str, root: Path, key: str, source: Path, content_type: str) -> bool:
    if not source.is_file():
        if backend == 'folder' and (root / key).is_file():
            return True  # moved by an earlier, interrupted run
        log.warning("0016_storage: berkas %s tidak ada; %s tanpa berkas", source, key)
        return False
    if backend == 'database':
        _store_in_database(conn, key, source, content_type)
    else:
        target = root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    return True


def upgrade():
    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=240), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('chunk_size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
    sa.UniqueConstraint('key', name=op.f('uq_stored_files_key'))
    )
    op.create_table('stored_file_chunks',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'],
                            name=op.f('fk_stored_file_chunks_file_id_stored_files'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('file_id', 'seq', name=op.f('pk_stored_file_chunks'))
    )
    with op.batch_alter_table('registry_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_key', sa.String(length=240), server_default='',
                                      nullable=False))

    conn = op.get_bind()
    backend, root, instance = _settings()
    uploads = instance / 'uploads'
    moved = 0
    for table, path_col, mime_col, namespace in COLUMNS:
        t = sa.table(table, sa.column('id', sa.Integer), sa.column(path_col, sa.String),
                     sa.column(mime_col, sa.String))
        rows = conn.execute(sa.select(t.c.id, t.c[path_col], t.c[mime_col]).where(
            t.c[path_col] != '', ~t.c[path_col].contains('/'))).all()
        for row_id, name, mime in rows:
            key = f'{namespace}/{name}'
            moved += _bring(conn, backend, root, key, uploads / name, mime)
            conn.execute(t.update().where(t.c.id == row_id).values({path_col: key}))
    imports = sa.table('registry_imports', sa.column('id', sa.Integer),
                       sa.column('file_path', sa.String), sa.column('file_key', sa.String),
                       sa.column('status', sa.String))
    waiting = conn.execute(sa.select(imports.c.id, imports.c.file_path).where(
        imports.c.status.in_(WAITING), imports.c.file_path != '')).all()
    for import_id, file_path in waiting:
        path = Path(file_path)
        if path.parent.resolve() != (instance / 'imports').resolve():
            continue  # a file given to the command line stays where it is
        key = f'imports/{path.name}'
        moved += _bring(conn, backend, root, key, path, 'application/octet-stream')
        conn.execute(imports.update().where(imports.c.id == import_id).values(
            file_key=key, file_path=''))
    if moved:
        log.info("0016_storage: %d berkas unggahan ke penyimpanan %s%s", moved, backend,
                 f" ({root})" if backend == 'folder' else
                 f"; salinan lama di {uploads} boleh dihapus setelah dicadangkan")


def _write_back(conn, backend: str, root: Path, key: str, target: Path) -> None:
    """The file of `key` at `target`, where the earlier code looks for it."""
    if target.is_file():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if backend == 'folder' and (root / key).is_file():
        os.replace(root / key, target)
        return
    file_id = conn.execute(sa.select(files_t.c.id).where(files_t.c.key == key)).scalar()
    if file_id is None:
        return
    with open(target, 'wb') as fh:
        for (data,) in conn.execute(sa.select(chunks_t.c.data).where(
                chunks_t.c.file_id == file_id).order_by(chunks_t.c.seq)):
            fh.write(data)


def downgrade():
    conn = op.get_bind()
    backend, root, instance = _settings()
    uploads = instance / 'uploads'
    for table, path_col, _mime, namespace in COLUMNS:
        t = sa.table(table, sa.column('id', sa.Integer), sa.column(path_col, sa.String))
        for row_id, key in conn.execute(sa.select(t.c.id, t.c[path_col]).where(
                t.c[path_col].startswith(f'{namespace}/'))).all():
            name = key.split('/', 1)[1]
            _write_back(conn, backend, root, key, uploads / name)
            conn.execute(t.update().where(t.c.id == row_id).values({path_col: name}))
    imports = sa.table('registry_imports', sa.column('id', sa.Integer),
                       sa.column('file_path', sa.String), sa.column('file_key', sa.String),
                       sa.column('status', sa.String))
    for import_id, key in conn.execute(sa.select(imports.c.id, imports.c.file_key).where(
            imports.c.status.in_(WAITING), imports.c.file_key != '')).all():
        target = instance / 'imports' / key.split('/', 1)[1]
        _write_back(conn, backend, root, key, target)
        conn.execute(imports.update().where(imports.c.id == import_id).values(
            file_path=str(target)))
    with op.batch_alter_table('registry_imports', schema=None) as batch_op:
        batch_op.drop_column('file_key')
    op.drop_table('stored_file_chunks')
    op.drop_table('stored_files')
