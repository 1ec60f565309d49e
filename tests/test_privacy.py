"""Privacy: after scans from many addresses and user agents, none of them is in the database or the logs."""

import logging

import pytest
from sqlalchemy import func, select

from config import TestConfig
from outreach import create_app
from outreach.extensions import db as _db
from outreach.links.models import Scan
from outreach.links.retention import purge_old_scans
from outreach.links.scanning import scanner
from outreach.metrics.scans import refresh_scan_rollups
from tests.factories import LinkFactory, SurveyTargetFactory

AGENTS = [
    "Mozilla/5.0 (Linux; Android 13; SM-A145F Probe{n}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X; Probe{n}) AppleWebKit/605.1.15 Version/17.1 Mobile",
    "WhatsApp/2.23.24.82 A Probe{n}",
    "Googlebot/2.1 (+http://www.google.com/bot.html) Probe{n}",
    "curl/8.5.0 Probe{n}",
]
ADDRESSES = ["198.51.100.{n}", "2001:db8:77::{n:x}", "203.0.113.{n}"]


class ProxiedConfig(TestConfig):
    """Behind one reverse proxy: the client address comes from X-Forwarded-For."""

    TRUSTED_PROXIES = 1


def _visits():
    for n in range(1, 31):
        yield (
            AGENTS[n % len(AGENTS)].format(n=n),
            ADDRESSES[n % len(ADDRESSES)].format(n=n),
            f"192.0.2.{n}, 10.9.8.{n}",  # X-Forwarded-For: a client and a proxy hop
        )


def _database_text() -> str:
    """Every value of every column of every table, as text."""
    chunks = []
    for table in _db.metadata.sorted_tables:
        for row in _db.session.execute(select(table)):
            chunks.extend(str(value) for value in row)
    return "\n".join(chunks)


def _secrets(visits) -> list[str]:
    found = []
    for agent, address, forwarded in visits:
        found += [agent, address, *(hop.strip() for hop in forwarded.split(","))]
        found.append(agent.split()[-1])  # the agent's unique token alone
    return found


@pytest.fixture(params=["fast path", "flask view"])
def scan_path(request, app):
    app.config["SCAN_FAST_PATH"] = request.param == "fast path"
    yield request.param
    app.config["SCAN_FAST_PATH"] = True


def test_no_address_or_user_agent_reaches_the_database_or_the_logs(app, db, client, scan_path, caplog):
    caplog.set_level(logging.DEBUG)
    LinkFactory(code="ABC234", target=SurveyTargetFactory())
    LinkFactory(code="OFF234", active=False)
    db.session.commit()
    proxied = create_app(ProxiedConfig)
    proxied.config["SCAN_FAST_PATH"] = app.config["SCAN_FAST_PATH"]
    proxied_client = proxied.test_client()
    visits = list(_visits())
    for n, (agent, address, forwarded) in enumerate(visits):
        headers = {"User-Agent": agent, "X-Forwarded-For": forwarded, "Referer": f"https://wa.me/{address}"}
        environ = {"REMOTE_ADDR": address}
        for path in ("/s/ABC234", "/s/ABC234?q=1", "/s/OFF234", "/s/NOPE99"):
            client.get(path, headers=headers, environ_base=environ)
        client.get("/s/ABC234", headers={**headers, "Sec-Purpose": "prefetch"}, environ_base=environ)
        proxied_client.get("/s/ABC234", headers=headers, environ_base=environ)
        if n < 5:  # sign-in attempts log and audit; a few are enough (each hashes a password)
            client.post(
                "/auth/login",
                data={"email": f"x{n}@contoh.id", "password": "salah"},
                headers=headers,
                environ_base=environ,
            )
    with app.app_context():
        refresh_scan_rollups()
        purge_old_scans(400)
        _db.session.commit()
    assert _db.session.scalar(select(func.count()).select_from(Scan)) == 3 * len(visits)
    stored = _database_text()
    logged = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    assert "ABC234" in stored and stored.count("\n") > 100, "the dump must hold the links and scans"
    leaks = [secret for secret in _secrets(visits) if secret in stored or secret in logged]
    assert leaks == []
    scanner(proxied).store.close()
    with proxied.app_context():
        _db.engine.dispose()
