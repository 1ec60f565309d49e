"""Migrations build the same schema as the models, on SQLite and on PostgreSQL."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from config import TestConfig
from outreach import create_app
from outreach.extensions import db


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of the same kind the suite runs on, dropped afterwards."""
    url = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"outreach_migr_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _app_on(url):
    class Scratch(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Scratch)


def test_migrations_match_the_models(scratch_url):
    app = _app_on(scratch_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_downgrade_to_base_removes_every_table(scratch_url):
    app = _app_on(scratch_url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert tables == set()


def test_upgrade_fills_the_running_totals_of_counts_already_stored(scratch_url):
    app = _app_on(scratch_url)
    with app.app_context():
        upgrade(revision="0011")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO area (id, code, name, level, active, created_at)"
                    " VALUES (1, '18.71', 'Kota', 'kota', true, '2026-09-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO respondent_count"
                    " (day, area_id, audience, kind, reported, daily, source, created_at, updated_at)"
                    " VALUES (:day, 1, 'eksternal', 'daily', :n, :n, 'KPK', '2026-09-01', '2026-09-01')"
                ),
                [{"day": "2026-09-01", "n": 4}, {"day": "2026-09-03", "n": 5}],
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT day, daily, total FROM respondent_total ORDER BY day")).all()
        db.engine.dispose()
    assert [(str(day), daily, total) for day, daily, total in rows] == [
        ("2026-09-01", 4, 4),
        ("2026-09-02", 0, 4),
        ("2026-09-03", 5, 9),
    ]
