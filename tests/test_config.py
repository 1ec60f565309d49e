"""The factory, configuration classes and the production refusal."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import DevConfig, ProdConfig, database_url
from outreach import create_app
from outreach.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_factory_builds_an_app_with_each_blueprint(app):
    assert {"main", "auth"} <= set(app.blueprints)
    assert app.config["TESTING"] is True


def test_production_config_without_secret_key_is_refused():
    class NoSecret(ProdConfig):
        SECRET_KEY = None

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(NoSecret)


def test_production_start_without_secret_key_prints_one_clear_line():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["OUTREACH_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "outreach: cannot start: SECRET_KEY is not set; export SECRET_KEY to a long random string"
    )


def test_production_cookies_are_secure():
    assert ProdConfig.SESSION_COOKIE_SECURE is True
    assert ProdConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProdConfig.SESSION_COOKIE_SAMESITE == "Lax"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "sqlite:///default.db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_uses_psycopg3_for_postgresql(raw, expected):
    assert database_url(raw, "sqlite:///default.db") == expected


def test_development_defaults_to_sqlite_file_under_instance():
    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL set in this environment")
    assert DevConfig.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert DevConfig.SQLALCHEMY_DATABASE_URI.endswith("/instance/outreach.db")


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path):
    class FileDb(DevConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'wal.db'}"

    app = create_app(FileDb)
    from outreach.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
