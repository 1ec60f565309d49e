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


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("a", "shorter than 32 characters"),
        ("x" * 31, "shorter than 32 characters"),
        ("dev-only-not-secret", "published default"),
        ("test-secret-key", "published default"),
        ("change-me-to-a-long-random-string", "published default"),
    ],
)
def test_production_refuses_a_short_or_default_secret_key(key, problem):
    class WeakSecret(ProdConfig):
        SECRET_KEY = key

    with pytest.raises(ConfigError, match=problem) as refused:
        create_app(WeakSecret)
    assert "SECRET_KEY" in str(refused.value) and "secrets.token_hex(32)" in str(refused.value)


def test_production_accepts_a_long_random_secret_key():
    class StrongSecret(ProdConfig):
        SECRET_KEY = "9f" * 16

    assert create_app(StrongSecret).config["SECRET_KEY"] == "9f" * 16


def test_development_still_starts_with_its_default_key():
    assert create_app(DevConfig).config["SECRET_KEY"] == "dev-only-not-secret"


def test_production_start_with_the_development_key_prints_one_clear_line():
    env = dict(os.environ, OUTREACH_ENV="production", SECRET_KEY="dev-only-not-secret")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.startswith("outreach: cannot start: SECRET_KEY is a published default")


def test_production_warns_that_memory_rate_limits_count_per_worker(caplog):
    class MemoryLimits(ProdConfig):
        SECRET_KEY = "9f" * 16
        RATELIMIT_STORAGE_URI = "memory://"

    create_app(MemoryLimits)
    [warning] = [r for r in caplog.records if "RATELIMIT_STORAGE_URI" in r.getMessage()]
    assert warning.levelname == "WARNING" and "per worker" in warning.getMessage()


def test_production_with_redis_limits_does_not_warn(caplog):
    class RedisLimits(ProdConfig):
        SECRET_KEY = "9f" * 16
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379"

    create_app(RedisLimits)
    assert not [r for r in caplog.records if "RATELIMIT_STORAGE_URI" in r.getMessage()]


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
