"""Benchmark: check and import 10,000 promoters (with assignments) from CSV; target under 5 s.

Usage: .venv/bin/python bench/import_promoters.py [--rows 10000] [--database-url URL]
Runs against a scratch SQLite file by default (or the given database, whose tables it creates
and drops, so never point it at real data). Prints the time of each step and rows per second.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestConfig  # noqa: E402
from outreach import create_app  # noqa: E402
from outreach.extensions import db  # noqa: E402
from outreach.imports.reading import decode_upload  # noqa: E402

TARGET_SECONDS = 5.0


def make_csv(rows: int, kelurahan: list[str], rts: list[str]) -> bytes:
    """Promoters of all three roles with Indonesian-format phones, each assigned to one area."""
    lines = ["name;role;phone;opd_code;area_codes"]
    for n in range(rows):
        role = ("pamong", "linmas", "rt", "rt")[n % 4]
        area = rts[n % len(rts)] if role == "rt" else kelurahan[n % len(kelurahan)]
        lines.append(f"Promotor Uji {n};{role};0812-{n // 10000 + 1000:04d}-{n % 10000:04d};;{area}")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    args = parser.parse_args()

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)

    app = create_app(BenchConfig)
    from outreach.areas.models import Area
    from outreach.areas.services import load_official_areas, load_opds
    from outreach.auth.models import User
    from outreach.demo import _seed_subunits
    from outreach.promoters.imports import apply_promoter_import, preview_promoter_import

    with app.app_context():
        db.drop_all()
        db.create_all()
        try:
            import random

            load_official_areas()
            load_opds()
            kelurahan = sorted(
                db.session.scalars(db.select(Area).where(Area.level == "kelurahan")), key=lambda a: a.code
            )
            _seed_subunits(random.Random(1), kelurahan, {a.code: a for a in db.session.scalars(db.select(Area))})
            actor = User(email="bench@example.id", password_hash="x", role="coordinator")
            db.session.add(actor)
            db.session.commit()
            kel_codes = [a.code for a in kelurahan]
            rt_codes = list(db.session.scalars(db.select(Area.code).where(Area.level == "rt").order_by(Area.code)))
            data = make_csv(args.rows, kel_codes, rt_codes)

            timings = {}
            start = time.perf_counter()
            text = decode_upload(data, filename="bench.csv")
            preview = preview_promoter_import(text)
            timings["check (preview)"] = time.perf_counter() - start
            assert preview.ok, preview.problems[:5]
            start = time.perf_counter()
            preview = preview_promoter_import(text)  # the confirm step checks again before writing
            counts = apply_promoter_import(preview, actor=actor, filename="bench.csv")
            db.session.commit()
            timings["confirm (check + write + commit)"] = time.perf_counter() - start
            start = time.perf_counter()
            again = preview_promoter_import(text)
            timings["re-check, all unchanged"] = time.perf_counter() - start
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()

    backend = args.database_url.split(":", 1)[0]
    print(f"promoter import benchmark: {args.rows} rows, {len(data) / 1024:.0f} KB, {backend}")
    for step, seconds in timings.items():
        print(f"  {step:<34} {seconds:6.2f} s  {args.rows / seconds:9.0f} rows/s")
    print(f"  result: {counts}; unchanged on re-check: {len(again.unchanged)}")
    confirm = timings["confirm (check + write + commit)"]
    verdict = "OK" if confirm < TARGET_SECONDS else "TOO SLOW"
    print(
        f"  confirm took {confirm:.2f} s against a target of {TARGET_SECONDS:.0f} s "
        f"({confirm / TARGET_SECONDS:.0%} of target): {verdict}"
    )


if __name__ == "__main__":
    main()
