"""The random salt of each WIB day's visitor hashes, kept in the database only while its day lasts.

A salt derived from SECRET_KEY and the date let whoever held the key recompute any day's hash from a
suspect's address and browser, forever. So, as privacy-first analytics do, each day gets 32 random
bytes, stored in `visitor_salt` so every worker and instance hashes alike (unique visitors stay
exact), and deleted once the day is over: yesterday's hashes can still be told apart from each other,
but no one, not even us, can tell whose they are.

- Today's salt is created by whichever process needs it first: insert-or-ignore, then read back, so
  instances racing on one PostgreSQL agree on one salt. Each process keeps it in memory for the day.
- Past days' salts are deleted when a process first uses a new day's salt, and by
  `flask links purge-salts` (cron, just after midnight WIB) for days without a scan. A process drops
  the previous day's salt from memory when it moves to the new day.
- A scan dated on a day whose salt is gone (a request in flight across midnight) gets a throwaway
  salt that is never stored: it cannot be linked to anything, which costs at most a duplicate unique
  visitor in the last second of a day. So does a scan while the database cannot be read: the visitor
  still reaches the survey.
"""

import hmac
import logging
import secrets
import threading
from datetime import date
from typing import Any, cast

from flask import Flask
from sqlalchemy import Connection, CursorResult, Engine, Insert, Table, delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from outreach.extensions import db
from outreach.links.models import VisitorSalt
from outreach.links.visitors import day_key
from outreach.models import utcnow

log = logging.getLogger(__name__)

SALT_BYTES = 32
_table = cast(Table, VisitorSalt.__table__)


def _insert_if_missing(dialect: str, day: date, salt: bytes) -> Insert:
    values = {"day": day, "salt": salt, "created_at": utcnow()}
    if dialect == "postgresql":
        return pg_insert(_table).values(values).on_conflict_do_nothing(index_elements=["day"])
    return sqlite_insert(_table).values(values).on_conflict_do_nothing(index_elements=["day"])


def salt_of_day(conn: Connection, day: date) -> bytes:
    """The stored salt of `day`, made now when there is none; a throwaway one when a later day has one.

    Race-safe: concurrent callers insert-or-ignore and read back the one row that won. Making a day's
    salt deletes every earlier day's.
    """
    found = conn.scalar(select(_table.c.salt).where(_table.c.day == day))
    if found is not None:
        return bytes(found)
    if conn.scalar(select(exists().where(_table.c.day > day))):
        return secrets.token_bytes(SALT_BYTES)
    conn.execute(_insert_if_missing(conn.dialect.name, day, secrets.token_bytes(SALT_BYTES)))
    salt = bytes(conn.execute(select(_table.c.salt).where(_table.c.day == day)).scalar_one())
    deleted = conn.execute(delete(_table).where(_table.c.day < day)).rowcount
    if deleted:
        log.info("visitor salts of %d past day(s) destroyed", deleted)
    return salt


def purge_past_salts(today: date) -> int:
    """Delete the salts of days before `today` (in the session; the caller commits); how many."""
    result = cast(CursorResult[Any], db.session.execute(delete(VisitorSalt).where(VisitorSalt.day < today)))
    deleted: int = result.rowcount
    log.info("visitor salts of %d past day(s) destroyed", deleted)
    return deleted


class DailySalts:
    """The day's salt for one process, read or made once per day (no app context needed: the fast path)."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._engine: Engine | None = None
        self._current: tuple[date, bytes, hmac.HMAC] | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The app's main engine (full durability: a salt lost in a crash would split a day's visitors)."""
        if self._engine is None:
            with self._app.app_context():
                self._engine = db.engine
        return self._engine

    def _day(self, day: date) -> tuple[date, bytes, "hmac.HMAC"]:
        current = self._current
        if current is not None and current[0] == day:
            return current
        with self._lock:
            current = self._current
            if current is not None and current[0] == day:
                return current
            try:
                with self.engine.begin() as conn:
                    salt = salt_of_day(conn, day)
            except Exception:  # noqa: BLE001 - any driver error: the visitor still reaches the survey
                log.exception("could not read the visitor salt of %s; this scan gets a throwaway one", day)
                salt = secrets.token_bytes(SALT_BYTES)
                return (day, salt, day_key(salt))  # not remembered: the next scan asks the database again
            found = (day, salt, day_key(salt))
            if current is None or day > current[0]:
                self._current = found  # the previous day's salt leaves this process's memory
            return found

    def salt(self, day: date) -> bytes:
        """The salt of `day`: from memory when it is this process's current day, else from the database."""
        return self._day(day)[1]

    def key(self, day: date) -> "hmac.HMAC":
        """The keyed HMAC of `day`'s salt, ready to copy for each visitor (`visitors.visitor_hash`)."""
        return self._day(day)[2]
