"""integrity rollups: human scans per link and WIB hour, device class and repeat visitor

The integrity signals grouped a fortnight of raw scans on every page view (over a second at 1M scans).
These tables hold those groups, kept with the scan rollups (`flask links refresh-rollups`); the page
reads them and adds the scans since the last refresh.

They are filled by the next `flask --app wsgi links refresh-rollups` (cron does within minutes): the
mark is forgotten, so that refresh rebuilds every rollup, and until then every scan is read live, which
is exact but slow.

Revision ID: 0019i_integrity_rollups
Revises: 0019p_rollout_plans
"""

import sqlalchemy as sa
from alembic import op

revision = "0019i_integrity_rollups"
down_revision = "0019p_rollout_plans"
branch_labels = None
depends_on = None


def _table(name, key, indexes=(), more=()):
    """A table of human scans per `key` (its columns, in the order of the primary key: the day first, the
    link among them) and `more` columns, without a rowid on SQLite."""
    op.create_table(
        name,
        *key,
        sa.Column("human_scans", sa.Integer(), nullable=False),
        *more,
        sa.ForeignKeyConstraint(["link_id"], ["link.id"], name=op.f(f"fk_{name}_link_id_link")),
        sa.PrimaryKeyConstraint(*(column.name for column in key), name=op.f(f"pk_{name}")),
        sqlite_with_rowid=False,
    )
    for index, columns in indexes:
        op.create_index(index, name, columns, unique=False)


def _day():
    return sa.Column("day", sa.Date(), nullable=False)


def _link():
    return sa.Column("link_id", sa.Integer(), nullable=False)


def upgrade():
    op.execute("DELETE FROM scan_rollup_mark")
    _table(
        "scan_hourly",
        [_day(), sa.Column("hour", sa.SmallInteger(), nullable=False), _link()],
        [("ix_scan_hourly_scans", ["day", "hour", "human_scans", "link_id", "day_scans", "next_hour"])],
        [
            sa.Column("day_scans", sa.Integer(), nullable=False),
            sa.Column("next_hour", sa.SmallInteger(), nullable=False),
        ],
    )
    _table("scan_device_daily", [_day(), sa.Column("device_class", sa.String(length=8), nullable=False), _link()])
    _table(
        "scan_repeat_daily",
        [_day(), _link(), sa.Column("visitor_hash", sa.String(length=32), nullable=False)],
        [("ix_scan_repeat_daily_scans", ["day", "human_scans", "link_id", "visitor_hash"])],
    )


def downgrade():
    for name in ("scan_repeat_daily", "scan_device_daily", "scan_hourly"):
        op.drop_table(name)
