"""`flask backup` / `flask restore`: consistent copies of a live SQLite database, safe restores."""

import sqlite3
import threading
import time
from contextlib import closing

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from config import TestConfig
from outreach import create_app
from outreach.auth.models import User
from outreach.extensions import db as _db


@pytest.fixture
def sqlite_app(app, tmp_path):
    """An app on its own migrated SQLite file, whatever database the suite runs on."""

    class FileDb(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'live.db'}"

    live = create_app(FileDb)
    with live.app_context():
        upgrade()
    live.db_path = tmp_path / "live.db"
    yield live
    with live.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _cli(app, *args, **kwargs):
    # The suite's app context is active during tests; commands must see this app's instead.
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), **kwargs)


def _add_user(app, email):
    result = _cli(app, "users", "create", "--email", email, "--role", "coordinator", "--password", "long-enough-1")
    assert result.exit_code == 0, result.output


def _emails(app):
    with app.app_context():
        emails = set(_db.session.scalars(select(User.email)))
        _db.session.remove()
        return emails


def _pairs(path):
    """Rows the writer added, grouped by transaction number."""
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return dict(
            conn.execute(
                "SELECT object_id, count(*) FROM audit_event WHERE action = 'test.pair' GROUP BY object_id"
            ).fetchall()
        )


def test_backup_is_consistent_while_the_app_keeps_writing(sqlite_app, tmp_path):
    stop = threading.Event()
    written = []

    def writer():
        # Each transaction adds two rows; a consistent copy never holds half a transaction.
        with closing(sqlite3.connect(sqlite_app.db_path, timeout=30)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            n = 0
            while not stop.is_set():
                n += 1
                with conn:
                    for _ in range(2):
                        conn.execute(
                            "INSERT INTO audit_event (action, object_type, object_id, changes, created_at) "
                            "VALUES ('test.pair', 'test', ?, ?, '2026-11-26 06:00:00')",
                            (n, "x" * 2000),
                        )
                written.append(n)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 300:
            time.sleep(0.01)
        copies = []
        for i in range(5):
            result = _cli(sqlite_app, "backup", str(tmp_path / f"copy{i}.db"))
            assert result.exit_code == 0, result.output
            copies.append(tmp_path / f"copy{i}.db")
    finally:
        stop.set()
        thread.join()
    sizes = []
    for copy in copies:
        pairs = _pairs(copy)
        assert set(pairs.values()) == {2}, "a copy holds half a transaction"
        assert sorted(pairs) == list(range(1, len(pairs) + 1)), "a copy misses a committed transaction"
        sizes.append(len(pairs))
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0], "the writer did not write during the backups"
    assert len(written) > sizes[-1]
    assert not list(tmp_path.glob("*.part"))


def test_backup_into_a_folder_names_the_file_and_refuses_to_overwrite(sqlite_app, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    result = _cli(sqlite_app, "backup", str(folder))
    assert result.exit_code == 0, result.output
    [made] = folder.glob("outreach-*.db")
    assert str(made) in result.output
    again = _cli(sqlite_app, "backup", str(made))
    assert again.exit_code != 0 and "already exists" in again.output
    missing = _cli(sqlite_app, "backup", str(tmp_path / "no-such-folder" / "x.db"))
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_restore_puts_the_backup_back_and_keeps_the_replaced_database(sqlite_app, tmp_path):
    _add_user(sqlite_app, "sebelum@bandarlampungkota.go.id")
    assert _cli(sqlite_app, "backup", str(tmp_path / "b.db")).exit_code == 0
    _add_user(sqlite_app, "sesudah@bandarlampungkota.go.id")
    result = _cli(sqlite_app, "restore", str(tmp_path / "b.db"), "--yes")
    assert result.exit_code == 0, result.output
    assert _emails(sqlite_app) == {"sebelum@bandarlampungkota.go.id"}
    [saved] = tmp_path.glob("live.before-restore-*.db")
    assert str(saved) in result.output
    with closing(sqlite3.connect(saved)) as conn:
        assert conn.execute("SELECT count(*) FROM user_account").fetchone()[0] == 2


def test_restore_asks_for_confirmation(sqlite_app, tmp_path):
    assert _cli(sqlite_app, "backup", str(tmp_path / "b.db")).exit_code == 0
    _add_user(sqlite_app, "tetap@bandarlampungkota.go.id")
    result = _cli(sqlite_app, "restore", str(tmp_path / "b.db"), input="n\n")
    assert result.exit_code != 0 and "Replace the database" in result.output
    assert _emails(sqlite_app) == {"tetap@bandarlampungkota.go.id"}
    result = _cli(sqlite_app, "restore", str(tmp_path / "b.db"), input="y\n")
    assert result.exit_code == 0, result.output
    assert _emails(sqlite_app) == set()


def test_restore_refuses_files_that_are_not_outreach_databases(sqlite_app, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("nama,telepon\nBudi,0812\n")
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE things (id INTEGER)")
    foreign = tmp_path / "foreign.db"
    assert _cli(sqlite_app, "backup", str(foreign)).exit_code == 0
    with closing(sqlite3.connect(foreign)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
    _add_user(sqlite_app, "tetap@bandarlampungkota.go.id")
    for path, message in [
        (text, "is not a SQLite database"),
        (other, "is not an Outreach database"),
        (foreign, "another version of Outreach"),
        (tmp_path / "missing.db", "does not exist"),
    ]:
        result = _cli(sqlite_app, "restore", str(path), "--yes")
        assert result.exit_code != 0 and message in result.output, result.output
    assert _emails(sqlite_app) == {"tetap@bandarlampungkota.go.id"}


def test_backup_and_restore_on_postgresql_point_to_pg_dump(app, tmp_path):
    class Postgres(TestConfig):
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://outreach@127.0.0.1:5432/outreach"

    pg_app = create_app(Postgres)
    for args in (["backup", str(tmp_path / "x.db")], ["restore", str(tmp_path / "x.db"), "--yes"]):
        result = _cli(pg_app, *args)
        assert result.exit_code != 0
        assert "pg_dump" in result.output and "pg_restore" in result.output
    assert not (tmp_path / "x.db").exists()
    with pg_app.app_context():
        _db.engine.dispose()


def test_the_backup_opens_as_an_outreach_database(sqlite_app, tmp_path):
    _add_user(sqlite_app, "cadangan@bandarlampungkota.go.id")
    assert _cli(sqlite_app, "backup", str(tmp_path / "b.db")).exit_code == 0

    class FromBackup(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'b.db'}"

    copy = create_app(FromBackup)
    with copy.app_context():
        assert _db.session.scalar(select(func.count()).select_from(User)) == 1
        _db.engine.dispose()
