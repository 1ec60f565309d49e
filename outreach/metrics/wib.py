"""SQL for the WIB (Asia/Jakarta, UTC+7 all year) calendar day and hour of a stored UTC moment, on
PostgreSQL and SQLite alike."""

from datetime import date, datetime

from sqlalchemy import ColumnExpressionArgument, Date, Integer, cast, func, type_coerce
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
