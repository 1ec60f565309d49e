"""random salt of each day's visitor hashes, kept only while its day lasts

The visitor hash's salt was derived from SECRET_KEY and the date, so whoever held the key could
recompute any day's hash from a suspect's address and browser. Each WIB day now gets a random salt,
stored here while the day lasts and deleted afterwards (outreach.links.salts).

Revision ID: 0016b_visitor_salts
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0016b_visitor_salts"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "visitor_salt",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_visitor_salt")),
    )


def downgrade():
    op.drop_table("visitor_salt")
