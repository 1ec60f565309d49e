"""Flask extensions, created unbound and initialised in the app factory."""

import os
import sqlite3
import weakref
from typing import TYPE_CHECKING

import psycopg
from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from outreach.security import client_key, log_rate_limit_breach

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Models subclass `Model`: Flask-SQLAlchemy builds `db.Model` (a subclass of Base) at run time, where mypy
# cannot see it, so the type checker is shown Base instead.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def render_item(type_, obj, autogen_context):
    """Write our TypeDecorators into migrations as the plain SQLAlchemy type they wrap."""
    from sqlalchemy import TypeDecorator

    if type_ == "type" and isinstance(obj, TypeDecorator):
        autogen_context.imports.add("import sqlalchemy as sa")
        return f"sa.{obj.impl!r}"
    return False


migrate = Migrate(render_item=render_item, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Rate limits: decorate a view with `@limiter.limit(lambda: current_app.config["RATELIMIT_..."])`.
# Storage, headers and fallbacks come from the RATELIMIT_* settings in config.py.
limiter = Limiter(key_func=client_key, on_breach=log_rate_limit_breach)
# One budget per client for every CSV import endpoint (areas, promoters, participation): POSTs only.
import_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_IMPORT"], scope="import", methods=["POST"])


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    """WAL and a busy timeout let several gunicorn workers share one SQLite file."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "connect")
def _utc_session(dbapi_connection, _record) -> None:
    """PostgreSQL sessions in UTC, whatever the server's TimeZone: psycopg then returns timestamps in UTC,
    which `UTCDateTime` passes on without a Python call per row, and no SQL depends on the server's zone."""
    if isinstance(dbapi_connection, psycopg.Connection):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.autocommit = autocommit


@event.listens_for(Engine, "connect")
def _remember_process(_dbapi_connection, record) -> None:
    record.info["pid"] = os.getpid()


# Engines that have connected in this process, so a forked child can drop their pools (below).
_engines: "weakref.WeakSet[Engine]" = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _remember_engine(connection) -> None:
    _engines.add(connection.engine)


def _drop_inherited_pools() -> None:
    """In a forked child (a gunicorn worker of a preloaded app, a test's child): give every engine a new,
    empty pool without closing the parent's connections (SQLAlchemy's `dispose(close=False)` recipe).
    The checkout check below comes too late for them: the pool's pre-ping runs first, and children
    pinging one inherited connection at once read each other's answers and wait for ever."""
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_drop_inherited_pools)


@event.listens_for(Engine, "checkout")
def _refuse_inherited_connection(_dbapi_connection, record, proxy) -> None:
    """A process forked after connecting (a gunicorn worker of a preloaded app, a test's child) must not
    talk on its parent's socket: two processes on one connection hang both. SQLAlchemy's documented
    recipe: drop the inherited connection (without closing the parent's) and let the pool open a new one."""
    if record.info.get("pid") != os.getpid():
        record.dbapi_connection = proxy.dbapi_connection = None
        raise exc.DisconnectionError("connection made in another process; opening a new one")
