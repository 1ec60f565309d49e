"""Logs never carry client addresses or user agents: app, werkzeug's dev server and gunicorn."""

import http.client
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
VISITOR = "203.0.113.201"
FORWARDED = "198.51.100.44"
AGENT = "Mozilla/5.0 (Linux; Android 13; SM-A145F) ProbeAgent/7.7.7"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port, path, source="127.0.0.9"):
    # A distinctive source address: the log must not name the client it came from.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    conn.request("GET", path, headers={"User-Agent": AGENT, "X-Forwarded-For": FORWARDED})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def test_app_logs_of_sign_ins_lockouts_and_limits_hold_no_address_or_agent(app, client, db, caplog):
    caplog.set_level(logging.DEBUG)
    user = UserFactory()
    db.session.commit()
    environ = {"REMOTE_ADDR": VISITOR, "HTTP_USER_AGENT": AGENT, "HTTP_X_FORWARDED_FOR": FORWARDED}
    for _ in range(int(app.config["RATELIMIT_LOGIN"].split()[0]) + 1):
        client.post("/auth/login", data={"email": user.email, "password": "wrong"}, environ_base=environ)
    client.get("/tidak-ada", environ_base=environ)
    messages = caplog.text
    assert "locked" in messages and "rate limit" in messages
    for secret in (VISITOR, FORWARDED, "ProbeAgent", "Android"):
        assert secret not in messages


def _werkzeug_lines(app, caplog, path: str, status: int) -> list[str]:
    """The werkzeug development server's log lines for one request to `path` (which must answer `status`)."""
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        assert _get(server.server_port, path) == status
    finally:
        server.shutdown()
        thread.join()
    return [r.getMessage() for r in caplog.records if r.name == "werkzeug"]


def test_werkzeug_request_log_omits_the_client_address(app, caplog):
    lines = _werkzeug_lines(app, caplog, "/healthz", 200)
    assert any("GET /healthz" in line for line in lines), lines
    for line in lines:
        assert "127.0.0.9" not in line and "ProbeAgent" not in line and FORWARDED not in line


def _run_gunicorn(tmp_path, *requests) -> str:
    """Start gunicorn on a scratch database, make each request (a callable taking the port), return its log."""
    port = _free_port()
    env = dict(os.environ, OUTREACH_ENV="development", SECRET_KEY="log-test", WEB_CONCURRENCY="1")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'log.db'}"
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    assert _get(port, "/healthz") == 200
                    break
                except (ConnectionError, OSError):
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)
            for request in requests:
                request(port)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return log_path.read_text()


def _malformed(port, source="127.0.0.9") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as sock:
        sock.sendall(b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n")
        return sock.recv(1024)


@pytest.mark.slow
def test_gunicorn_access_log_omits_address_agent_and_query(tmp_path):
    text = _run_gunicorn(tmp_path, lambda port: _get(port, "/auth/login?next=/rahasia-token"))
    [access] = [line for line in text.splitlines() if "GET /auth/login" in line]
    assert '"GET /auth/login HTTP/1.1" 200' in access
    for secret in ("127.0.0.9", "ProbeAgent", "Android", FORWARDED, "rahasia-token"):
        assert secret not in text


@pytest.mark.slow
def test_gunicorn_access_log_omits_the_token_of_a_sign_in_link(tmp_path):
    text = _run_gunicorn(tmp_path, lambda port: _get(port, "/auth/masuk/RahasiaTokenMasuk-123_x"))
    [access] = [line for line in text.splitlines() if "GET /auth/masuk/" in line]
    assert '"GET /auth/masuk/- HTTP/1.1"' in access, access
    assert "RahasiaTokenMasuk" not in text


def test_werkzeug_request_log_omits_the_token_of_a_sign_in_link(app, caplog):
    lines = _werkzeug_lines(app, caplog, "/auth/masuk/RahasiaTokenMasuk-123_x", 404)
    assert any("GET /auth/masuk/- " in line for line in lines), lines
    assert not any("RahasiaTokenMasuk" in line for line in lines), lines


@pytest.mark.slow
def test_gunicorn_error_log_of_a_malformed_request_omits_the_address(tmp_path):
    answers = []
    text = _run_gunicorn(tmp_path, lambda port: answers.append(_malformed(port)))
    assert answers[0].startswith(b"HTTP/1.1 400")
    assert "Invalid request from ip=-: " in text, text
    assert "127.0.0.9" not in text


@pytest.mark.parametrize(
    ("message", "logged"),
    [
        (
            "Invalid request from ip=203.0.113.201: Invalid HTTP Version",
            "Invalid request from ip=-: Invalid HTTP Version",
        ),
        (
            "Invalid request from ip=2001:db8::7: Invalid HTTP Version",
            "Invalid request from ip=-: Invalid HTTP Version",
        ),
        ("Invalid PROXY line 'PROXY TCP4 198.51.100.44 10.0.0.1 1 2'", "Invalid PROXY line 'PROXY TCP4 - - 1 2'"),
        (
            "Booting worker with pid: 12 at 10:30:00 (gunicorn 27.0.1)",
            "Booting worker with pid: 12 at 10:30:00 (gunicorn 27.0.1)",
        ),
    ],
)
def test_error_log_filter_hides_addresses_and_keeps_the_rest(message, logged):
    from outreach.security import NoAddressInErrorLogFilter

    record = logging.LogRecord("gunicorn.error", logging.WARNING, __file__, 1, message, None, None)
    assert NoAddressInErrorLogFilter().filter(record)
    assert record.getMessage() == logged
