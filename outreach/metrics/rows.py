"""Plain rows of a select, read through the session's connection.

A page reads thousands of rows of counts (a unit's days, a link's nights). Through `Session.execute`
each statement goes through the ORM's result machinery, made for loading entities, which cost about as
much as the database did on those rows (about 4 ms of the drive ranking's 48 on SQLite). Selects of
columns need none of it: `read_rows()` runs them on the session's connection, in the same transaction.
Selects of entities (`select(Promoter)`) still go through `db.session`.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable, Row

from outreach.extensions import db


def read_rows(statement: Executable, params: Mapping[str, Any] | None = None) -> Sequence[Row[Any]]:
    """Every row of a select of columns. Pending changes are flushed first, as the session's autoflush
    would before a query (a service may read a figure after it wrote)."""
    session = db.session
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params).all()
