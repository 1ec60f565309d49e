"""Shared fixtures: one app per session, tables emptied after every test."""

import contextvars
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_babel import refresh as babel_refresh
from sqlalchemy import event, text

from config import TestConfig
from outreach import create_app
from outreach.campaign import ADMIN, COORDINATOR, LEADERSHIP, PROMOTER
from outreach.extensions import db as _db
from outreach.extensions import limiter
from outreach.links.journal import JournalHealth
from outreach.links.scan_limit import local_windows
from outreach.links.scanning import scanner
from tests import factories


class IsolatedClient(FlaskClient):
    """Runs each request in its own context, as a server would: its own app context, `g` and session.

    Without this, requests reuse the test's app context and session, so a view that forgot to
    commit would still look right to the test.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app():
    """The application under TestConfig, with every table created once."""
    app = create_app(TestConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """The database, emptied after each test (TRUNCATE on PostgreSQL, DELETE on SQLite); rate limits reset;
    the scan journal emptied; the language Flask-Babel cached in the shared app context and the public
    board's cached pages forgotten."""
    yield _db
    empty_tables()
    empty_journal(app)
    babel_refresh()  # a test that switched to English must not leave the next test in English
    board_pages = app.extensions.get("public_board_cache")
    if board_pages is not None:
        board_pages.clear()  # nor may a board page cached from one test's data be served to the next


def empty_journal(app) -> None:
    """Forget this process's scan journal file and remove every journal file (a test's visits stay its own)."""
    journal = scanner(app).journal
    journal.close()
    journal.health = JournalHealth()
    for path in Path(app.config["SCAN_JOURNAL_DIR"]).glob("*"):
        path.unlink()


def empty_tables() -> None:
    """Delete every row (TRUNCATE on PostgreSQL, DELETE on SQLite) and reset the rate limits."""
    limiter.reset()
    local_windows.reset()  # the scan limit's per-process counters (memory storage)
    _db.session.rollback()
    _db.session.remove()
    empty_database()


def empty_database() -> None:
    """Delete every row of every table (TRUNCATE on PostgreSQL, DELETE on SQLite)."""
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def statements(app, db):
    """Every SQL statement the main engine runs while the fixture is active."""
    seen: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    yield seen
    event.remove(engine, "before_cursor_execute", remember)


@pytest.fixture
def client(app):
    """A test client with CSRF off; tests that check CSRF use `csrf_client`."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def csrf_client(app):
    """A test client that must send a valid CSRF token like a browser does."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


@pytest.fixture
def runner(app):
    """The Flask CLI runner."""
    return app.test_cli_runner()


PASSWORD = factories.DEFAULT_PASSWORD


def login(client, user, password: str = PASSWORD):
    """Sign a user in through the login form."""
    return client.post("/auth/login", data={"email": user.email, "password": password})


def _client_for(app, role):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    user = factories.UserFactory(role=role)
    _db.session.commit()
    response = login(client, user)
    assert response.status_code == 302, response.data
    client.user = user
    return client


@pytest.fixture
def admin_client(app):
    """Signed in as an admin."""
    yield _client_for(app, ADMIN)
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def coordinator_client(app):
    """Signed in as a coordinator."""
    yield _client_for(app, COORDINATOR)
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def leadership_client(app):
    """Signed in as leadership."""
    yield _client_for(app, LEADERSHIP)
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def promoter_client(app):
    """Signed in as a promoter (tied to its own Promoter record)."""
    yield _client_for(app, PROMOTER)
    app.config["WTF_CSRF_ENABLED"] = True


def csrf_token(html: str) -> str:
    """The CSRF token from a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)
