"""Pieces shared by the scan benchmarks: wrk, a migrated database with one link, gunicorn on loopback."""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# A fresh key per run: production refuses short or published keys.
BENCH_SECRET = secrets.token_hex(32)


def ensure_wrk() -> str:
    """Path of wrk, installing the Debian package when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is missing: install the Debian package `wrk` (apt-get install wrk)")
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    )
    return shutil.which("wrk") or sys.exit("could not install wrk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str) -> str:
    """Migrate the database and add one survey target and link; return the link's code."""
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from sqlalchemy import select

    from config import Config, database_url
    from outreach import create_app
    from outreach.areas.models import Area
    from outreach.extensions import db
    from outreach.links import services
    from outreach.links.models import Scan

    class BenchConfig(Config):
        SECRET_KEY = BENCH_SECRET
        SQLALCHEMY_DATABASE_URI = database_url(url, url)

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
        db.session.execute(Scan.__table__.delete())
        area = db.session.scalar(select(Area).where(Area.code == "18.71"))
        if area is None:
            area = Area(code="18.71", name="Bandar Lampung", level="kota")
            db.session.add(area)
        target = services.create_target("SPI eksternal", "eksternal", "https://spi.kpk.go.id/survei/eksternal")
        link = services.create_link(target, area, "flyer")
        db.session.commit()
        code = link.code
        db.engine.dispose()
    return code


def count_scans(url: str) -> int:
    from sqlalchemy import create_engine, text

    from config import database_url

    engine = create_engine(database_url(url, url))
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM scan")).scalar_one()
    engine.dispose()
    return count


def start_gunicorn(
    app_path: str, port: int, access_log: Path, error_log: Path, env: dict, workers: int = 2
) -> subprocess.Popen:
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        "%(s)s %(U)s %(p)s",
        "--error-logfile",
        str(error_log),
        "--log-level",
        "info",
        app_path,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit(f"gunicorn for {app_path} did not start; see {error_log}")


def run_wrk(wrk: str, url: str, duration: int, connections: int) -> float:
    out = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(ROOT / "bench" / "scan.lua"), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx or 3xx" in out:
        sys.exit("wrk saw error responses:\n" + out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def app_env(url: str) -> dict:
    """Environment of a production-like app process on the bench database, with a fresh scan journal."""
    return {
        "SCAN_JOURNAL_DIR": tempfile.mkdtemp(prefix="outreach-bench-journal-"),
        **os.environ,
        "OUTREACH_ENV": "production",
        "SECRET_KEY": BENCH_SECRET,
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": "https://spi.example.test",
        "FORCE_HTTPS": "0",
        "PYTHONPATH": str(ROOT),
    }


def wait_drained(base_url: str, timeout: float = 30) -> None:
    """Wait until /healthz says no visit waits in the scan journal (so counting rows counts every scan)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=5) as answer:
            if not json.load(answer)["scans"]["journal_backlog_bytes"]:
                return
        time.sleep(0.2)
    sys.exit(f"the scan journal was not drained within {timeout:.0f}s")


def drain_journal(env: dict) -> None:
    """Copy what stopped or killed workers left in the scan journal (`flask links drain-journal`)."""
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "links", "drain-journal"], cwd=ROOT, env=env, check=True)


def stop(proc: subprocess.Popen) -> None:
    """Stop a gunicorn started by start_gunicorn (its own process group) and wait for it."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def wait_until_serving(wrk: str, url: str, access_log: Path, workers: int, timeout: float = 90) -> None:
    """Load `url` in short wrk runs until every worker has answered (the access log names each worker's pid)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        subprocess.run([wrk, "-t1", "-c8", "-d1s", url], check=True, capture_output=True)
        pids = {line.split()[-1] for line in access_log.read_text().splitlines() if line.strip()}
        if len(pids) >= workers:
            return
    sys.exit(f"gunicorn did not get {workers} workers serving {url} within {timeout:.0f}s")
