"""1,000 flyers in one batch PDF (target < 15 s), for each layout.

    .venv/bin/python -m bench.flyer_bench [--count 1000] [--layouts 1,4,8]

Builds a fresh SQLite database with one kelurahan, 1,000 promoters and one link each, then times
`render_flyers()` for the batch (the same function drives use), then the bulk print downloads: one PDF
by kelurahan with cover sheets, and a ZIP of per-kelurahan PDFs (the 1,000 links spread over 10 kelurahan).
"""

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 15.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--layouts", default="1,4,8")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from config import Config
    from outreach import create_app
    from outreach.areas.models import Area
    from outreach.extensions import db
    from outreach.links.batches import flyer_groups, flyer_zip
    from outreach.links.flyers import render_flyer_book, render_flyers
    from outreach.links.models import Link, SurveyTarget
    from outreach.links.services import links_in_scope
    from outreach.promoters.models import Assignment, Promoter

    work = Path(tempfile.mkdtemp(prefix="outreach-flyers-"))

    class BenchConfig(Config):
        SECRET_KEY = "bench-secret"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{work / 'flyers.db'}"
        PUBLIC_BASE_URL = "https://spi.bandarlampungkota.go.id"

    app = create_app(BenchConfig)
    ok = True
    with app.app_context():
        db.create_all()
        kec = Area(code="18.71.01", name="Kedaton", level="kecamatan")
        kel = Area(code="18.71.01.1001", name="Surabaya", level="kelurahan", parent=kec)
        others = [
            Area(code=f"18.71.01.{1002 + k}", name=f"Kelurahan {k}", level="kelurahan", parent=kec) for k in range(9)
        ]
        db.session.add_all(others)
        target = SurveyTarget(name="SPI eksternal", audience="eksternal", url="https://spi.kpk.go.id/survei/eksternal")
        db.session.add_all([kec, kel, target])
        for n in range(args.count):
            promoter = Promoter(
                name=f"Promotor {n:04d}", role=("pamong", "linmas", "rt")[n % 3], phone=f"+62812{n:07d}"
            )
            db.session.add(Assignment(promoter=promoter, area=kel, start_date=date(2026, 7, 1)))
            db.session.add(
                Link(
                    code=f"B{n:05d}".replace("0", "A").replace("1", "B"),
                    target=target,
                    area=([kel, *others])[n % 10],
                    promoter=promoter,
                    channel="flyer",
                )
            )
        db.session.commit()
        for layout in (int(x) for x in args.layouts.split(",")):
            db.session.expire_all()
            started, cpu = time.perf_counter(), time.process_time()
            links = links_in_scope(kec)
            pdf = render_flyers(links, layout)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            (work / f"flyers-{layout}.pdf").write_bytes(pdf)
            verdict = "ok" if elapsed < TARGET_SECONDS else "TOO SLOW"
            print(
                f"{len(links)} flyers, {layout} per A4: {elapsed:5.2f} s ({cpu:5.2f} s CPU), "
                f"{len(pdf) / 1e6:.1f} MB ({verdict})"
            )
            ok = ok and elapsed < TARGET_SECONDS and len(links) == args.count
            for kind, make in (
                ("one PDF with covers", lambda g, lay: render_flyer_book(g, lay)),
                ("ZIP per kelurahan", lambda g, lay: flyer_zip(g, lay, "Selebaran SPI")),
            ):
                db.session.expire_all()
                started = time.perf_counter()
                links = links_in_scope(kec)
                groups = flyer_groups(links)
                data = make(groups, layout)
                elapsed = time.perf_counter() - started
                verdict = "ok" if elapsed < TARGET_SECONDS else "TOO SLOW"
                print(f"  bulk print, {kind} ({len(groups)} kelurahan): {elapsed:5.2f} s ({verdict})")
                ok = ok and elapsed < TARGET_SECONDS and len(data) > 0
    print(f"PDFs in {work}")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
