"""How long the scan rollup refresh takes to fold a whole day of scans in (target: 50,000 scans ≤ 2 s).

    .venv/bin/python -m bench.refresh_day --database-url URL [--scans 50000] [--rounds 3]

Runs on a database `bench.dashboard` loaded (its links and 90 days of scans make the rollups the
refresh rewrites as large as a season's). Each round adds --scans human and bot scans spread over
yesterday (WIB) across the links, moves the rollup mark back to the start of that day (as if cron had
not run since), and times `metrics.refresh.scans()` with its commit. Then it deletes the added scans and
refreshes again, so the database is left as it was. Prints each round's seconds and the ratio of the
slowest to the 2 s target.
"""

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scans", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from sqlalchemy import delete, func, insert, select

    from bench.dashboard import make_app
    from outreach.clock import today, wib_day_start
    from outreach.extensions import db
    from outreach.links.models import Link, Scan, ScanRollupMark
    from outreach.metrics.refresh import scans as refresh
    from outreach.metrics.scans import SAFETY_MARGIN

    app = make_app(args.database_url)
    with app.app_context():
        links = list(db.session.scalars(select(Link.id)))
        if not links:
            print("no links: load data with bench.dashboard first", file=sys.stderr)
            return 1
        day_start = wib_day_start(today() - timedelta(days=1))
        rng = random.Random(7)
        timings = []
        for _ in range(args.rounds):
            first = (db.session.scalar(select(func.max(Scan.id))) or 0) + 1
            rows = [
                {
                    "link_id": rng.choice(links),
                    "created_at": day_start + timedelta(seconds=rng.randrange(86_400)),
                    "visitor_hash": rng.randbytes(16).hex(),
                    "device_class": "mobile",
                    "is_bot": rng.random() < 0.05,
                    "source": "qr" if rng.random() < 0.7 else "direct",
                }
                for _ in range(args.scans)
            ]
            db.session.execute(insert(Scan), rows)
            db.session.get(ScanRollupMark, 1).refreshed_until = day_start + SAFETY_MARGIN
            db.session.commit()
            started = time.perf_counter()
            refresh()
            db.session.commit()
            timings.append(time.perf_counter() - started)
            db.session.execute(delete(Scan).where(Scan.id >= first))
            db.session.get(ScanRollupMark, 1).refreshed_until = day_start + SAFETY_MARGIN
            refresh()
            db.session.commit()
        print(f"  {db.engine.dialect.name}: a day of {args.scans:,} scans folded in")
        for n, seconds in enumerate(timings, 1):
            print(f"  round {n}: {seconds:.2f} s")
        print(f"  slowest / {TARGET_S:.0f} s target: {max(timings) / TARGET_S:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
