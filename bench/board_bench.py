"""The scan endpoint with and without the public board (/papan) under load, gunicorn (2 workers), wrk on 127.0.0.1.

    .venv/bin/python -m bench.board_bench [--database-url postgresql://...] [--duration 10] [--rounds 3]

Each round measures the scan endpoint alone, then again while a second wrk keeps requesting the
board (one connection per --board-connections, no pause: far more than projectors and phones
refreshing every few minutes). Prints the scan rate of both, the ratio (median of per-round ratios)
and the board's own rate. The board is rendered once per BOARD_CACHE_SECONDS per worker and reads
no scan table, so what remains is the CPU the board's cached answers take from the same 2 workers.
"""

import argparse
import os
import signal
import statistics
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.harness import BENCH_SECRET, ROOT, ensure_wrk, free_port, prepare_database, run_wrk, start_gunicorn


def add_board_data(url: str) -> None:
    """A survey round around today, twenty kecamatan with targets and four weeks of daily counts."""
    from config import Config, database_url
    from outreach import clock, create_app
    from outreach.areas.models import Area
    from outreach.extensions import db
    from outreach.metrics import refresh
    from outreach.participation.models import RespondentCount, SurveyRound, Target

    class BenchConfig(Config):
        SECRET_KEY = BENCH_SECRET
        SQLALCHEMY_DATABASE_URI = database_url(url, url)

    app = create_app(BenchConfig)
    with app.app_context():
        today = clock.today()
        city = db.session.query(Area).filter_by(code="18.71").one()
        round_ = SurveyRound(
            name="SPI bench", year=today.year, starts_on=today - timedelta(days=30), deadline=today + timedelta(days=30)
        )
        db.session.add(round_)
        for k in range(1, 21):
            kec = Area(code=f"18.71.{k:02d}", name=f"Kecamatan {k}", level="kecamatan", parent=city)
            db.session.add(kec)
            db.session.add(Target(round=round_, area=kec, audience="eksternal", target=3000))
            for d in range(1, 29):
                db.session.add(
                    RespondentCount(
                        day=today - timedelta(days=d),
                        area=kec,
                        audience="eksternal",
                        kind="daily",
                        reported=20 + k + d % 7,
                        daily=20 + k + d % 7,
                        source="bench",
                    )
                )
        refresh.respondents()
        db.session.commit()
        db.engine.dispose()


def board_load(wrk: str, url: str, duration: int, connections: int) -> subprocess.Popen:
    return subprocess.Popen([wrk, "-t1", f"-c{connections}", f"-d{duration}s", url], stdout=subprocess.PIPE, text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database (default: a fresh SQLite file)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--board-connections", type=int, default=2)
    args = parser.parse_args()
    wrk = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="outreach-board-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    code = prepare_database(url)
    add_board_data(url)
    env = {
        **os.environ,
        "OUTREACH_ENV": "production",
        "FORCE_HTTPS": "0",
        "SECRET_KEY": BENCH_SECRET,
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": "https://spi.example.test",
        "PYTHONPATH": str(ROOT),
    }
    port = free_port()
    proc = start_gunicorn("wsgi:app", port, work / "access.log", work / "error.log", env)
    scan_url, board_url = f"http://127.0.0.1:{port}/s/{code}?q=1", f"http://127.0.0.1:{port}/papan"
    alone, loaded, board_rates = [], [], []
    try:
        run_wrk(wrk, scan_url, 2, args.connections)  # warm-up
        for _ in range(args.rounds):
            alone.append(run_wrk(wrk, scan_url, args.duration, args.connections))
            load = board_load(wrk, board_url, args.duration + 1, args.board_connections)
            loaded.append(run_wrk(wrk, scan_url, args.duration, args.connections))
            out = load.communicate()[0]
            if "Non-2xx" in out:
                raise SystemExit("the board answered with errors:\n" + out)
            board_rates.append(float(out.split("Requests/sec:")[1].split()[0]))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    ratio = statistics.median(w / a for a, w in zip(alone, loaded, strict=True))
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(
        f"database: {database}; gunicorn 2 workers; scan wrk -c{args.connections}, board wrk -c{args.board_connections}"
    )
    print(f"scan alone        : {statistics.median(alone):8.0f} req/s  (runs: {', '.join(f'{r:.0f}' for r in alone)})")
    print(
        f"scan, board loaded: {statistics.median(loaded):8.0f} req/s  (runs: {', '.join(f'{r:.0f}' for r in loaded)})"
    )
    print(f"board meanwhile   : {statistics.median(board_rates):8.0f} req/s")
    print(f"ratio scan with board / scan alone: {ratio:.2f}")


if __name__ == "__main__":
    main()
