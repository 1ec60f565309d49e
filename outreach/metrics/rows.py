"""Plain rows of a select, read through the session's connection.

A page reads thousands of rows of counts (a unit's days, a link's nights). Through `Session.execute`
each statement goes through the ORM's result machinery, made for loading entities, which cost about as
much as the database did on those rows (about 4 ms of the drive ranking's 48 on SQLite). Selects of
columns need none of it: `read_rows()` runs them on the session's connection, in the same transaction.
Selects of entities (`select(Promoter)`) still go through `db.session`.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Executable, Integer, Row, SQLColumnExpression, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from outreach.extensions import db


def read_rows(statement: Executable, params: Mapping[str, Any] | None = None) -> Sequence[Row[Any]]:
    """Every row of a select of columns. Pending changes are flushed first, as the session's autoflush
    would before a query (a service may read a figure after it wrote)."""
    session = db.session
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params).all()


def among(column: SQLColumnExpression[int], ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN ids` for a list of ids that may run to thousands (the links of a page's signals): one
    array parameter on PostgreSQL (`= ANY(...)`, which it plans like `IN`) instead of a placeholder per id
    that SQLAlchemy renders and psycopg parses on every request; SQLite gets the plain `IN`."""
    wanted = sorted(set(ids))
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, wanted, type_=ARRAY(Integer)))
    return column.in_(wanted)


def among_bound(column: SQLColumnExpression[int], name: str, dialect: str) -> ColumnElement[bool]:
    """`among()` in a statement built once per `dialect`, with the ids bound later as `name` (a list)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))
