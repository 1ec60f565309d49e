"""Backups of the SQLite database with SQLite's online backup API (PostgreSQL: pg_dump)."""

import logging
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from outreach.models import utcnow

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = {"alembic_version", "user_account"}
PG_HINT = (
    "this database is PostgreSQL: use pg_dump -Fc to back it up and pg_restore --clean --if-exists "
    "to put it back (see the README's Backups section)"
)


class BackupError(RuntimeError):
    """A backup or restore was refused or failed; the message says why."""


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    # One step (pages=-1) reads a single consistent snapshot; WAL lets writers go on meanwhile.
    source.backup(target, pages=-1)


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy the live database at `source` to `target` (a new file, or a folder to put one in)."""
    if target.is_dir():
        target = target / f"outreach-{utcnow():%Y%m%d-%H%M%S}.db"
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    if not source.is_file():
        raise BackupError(f"database {source} does not exist")
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(partial)) as dst:
            _copy(src, dst)
            # A self-contained file: no -wal/-shm companions to forget when it is moved.
            dst.execute("PRAGMA journal_mode=DELETE")
        check_outreach_database(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    log.info("database backed up to %s", target)
    return target


def check_outreach_database(path: Path) -> str:
    """Refuse a file that is not a sound Outreach SQLite database; return its migration revision."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged (SQLite integrity check failed)")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = REQUIRED_TABLES - tables
            if missing:
                raise BackupError(f"{path} is not an Outreach database (no {', '.join(sorted(missing))} table)")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc
    if revision is None:
        raise BackupError(f"{path} is not an Outreach database (no migration revision)")
    return revision[0]


def restore_sqlite(source: Path, target: Path, known_revisions: set[str]) -> Path | None:
    """Replace the database at `target` with the backup `source`; return where the old one was saved."""
    revision = check_outreach_database(source)
    if revision not in known_revisions:
        raise BackupError(f"{source} was made by another version of Outreach (migration {revision} is unknown here)")
    saved = None
    if target.exists():
        saved = backup_sqlite(target, target.with_name(f"{target.stem}.before-restore-{utcnow():%Y%m%d-%H%M%S}.db"))
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
        _copy(src, dst)
    log.info("database restored from %s", source)
    return saved
