"""SQL for the WIB (Asia/Jakarta, UTC+7 all year) calendar day and hour of a stored UTC moment, and for
the days between two dates, on PostgreSQL and SQLite alike."""

import typing
from datetime import date, datetime

from sqlalchemy import ColumnExpressionArgument, Date, Integer, SQLColumnExpression, cast, func, type_coerce
from sqlalchemy.sql import ColumnElement

from outreach.extensions import db


def wib_day_expr(column: ColumnExpressionArgument[datetime]) -> ColumnElement[date]:
    """SQL for the WIB calendar day of a UTC timestamp column."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Jakarta", column))
    return type_coerce(func.date(column, "+7 hours"), Date)


def wib_hour_expr(column: ColumnExpressionArgument[datetime]) -> ColumnElement[int]:
    """SQL for the WIB hour of day (0–23) of a UTC timestamp column."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.extract("hour", func.timezone("Asia/Jakarta", column)), Integer)
    return cast(func.strftime("%H", column, "+7 hours"), Integer)


def days_since(column: SQLColumnExpression[date], first: ColumnElement[date]) -> ColumnElement[int]:
    """SQL: whole days from `first` (a bound Date parameter) to a Date column."""
    if db.engine.dialect.name == "postgresql":
        # date - date is an integer number of days (SQLAlchemy types it as a date)
        return typing.cast(ColumnElement[int], column - first)
    return cast(func.julianday(column) - func.julianday(first), Integer)
