"""Scan endpoint vs a bare Flask 302, both under gunicorn (2 workers), loaded with wrk on 127.0.0.1.

    .venv/bin/python -m bench.scan_bench [--database-url postgresql://...] [--duration 10] [--rounds 3]

Prints requests/s of each, the ratio (target ≥ 0.8) and checks that every 302 the scan app served
(counted from gunicorn's access log, which logs only status and path) left exactly one scan row.
Also checks that neither gunicorn's logs nor the access log contain the client address or user agent.
Without --database-url it uses a fresh SQLite file. Installs Debian `wrk` when missing (as root).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
UA_SAMPLE = "SM-A145F"


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
        SECRET_KEY = "bench-secret"
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


def start_gunicorn(app_path: str, port: int, access_log: Path, error_log: Path, env: dict) -> subprocess.Popen:
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        "%(s)s %(U)s",
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database (default: a fresh SQLite file)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs of each app")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    wrk = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    code = prepare_database(url)
    env = {
        **os.environ,
        "OUTREACH_ENV": "production",
        "SECRET_KEY": "bench-secret",
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": "https://spi.example.test",
        "PYTHONPATH": str(ROOT),
    }
    ports = {"bare": free_port(), "scan": free_port()}
    logs = {name: (work / f"{name}-access.log", work / f"{name}-error.log") for name in ports}
    procs = {
        "bare": start_gunicorn("bench.bare_app:app", ports["bare"], *logs["bare"], env),
        "scan": start_gunicorn("wsgi:app", ports["scan"], *logs["scan"], env),
    }
    rates: dict[str, list[float]] = {"bare": [], "scan": []}
    try:
        for name in ("bare", "scan"):
            run_wrk(wrk, f"http://127.0.0.1:{ports[name]}/s/{code}?q=1", 2, args.connections)  # warm-up
        for _ in range(args.rounds):
            for name in ("bare", "scan"):
                rates[name].append(
                    run_wrk(wrk, f"http://127.0.0.1:{ports[name]}/s/{code}?q=1", args.duration, args.connections)
                )
    finally:
        for proc in procs.values():
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            proc.wait(timeout=30)
    served = sum(1 for line in logs["scan"][0].read_text().splitlines() if line.startswith("302 /s/"))
    rows = count_scans(url)
    bare, scan = statistics.median(rates["bare"]), statistics.median(rates["scan"])
    # Each round runs bare then scan back to back; the median of the per-round ratios is robust to a
    # machine whose load drifts during the run.
    ratio = statistics.median(s / b for b, s in zip(rates["bare"], rates["scan"], strict=True))
    leaks = [
        str(path)
        for pair in logs.values()
        for path in pair
        if "127.0.0.1 "
        in path.read_text().replace(f"127.0.0.1:{ports['bare']}", "").replace(f"127.0.0.1:{ports['scan']}", "")
        or UA_SAMPLE in path.read_text()
    ]
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"database: {database}; gunicorn 2 workers; wrk -t2 -c{args.connections} {args.rounds}x{args.duration}s")
    print(f"bare Flask 302: {bare:8.0f} req/s  (runs: {', '.join(f'{r:.0f}' for r in rates['bare'])})")
    print(f"scan endpoint : {scan:8.0f} req/s  (runs: {', '.join(f'{r:.0f}' for r in rates['scan'])})")
    print(f"ratio scan/bare: {ratio:.2f} (median of per-round ratios; target >= 0.80)")
    print(f"302s served by the scan app: {served}; scan rows: {rows}; {'equal' if served == rows else 'MISMATCH'}")
    print(f"client address or user agent in logs: {', '.join(leaks) if leaks else 'none'}")
    ok = ratio >= 0.8 and served == rows and not leaks
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
