"""`flask metrics refresh [--check]`: every derived table rebuilt from raw rows, proved equal, and safe to
run from several processes at once."""

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Integer, func, insert, select, update

from outreach.extensions import db as _db
from outreach.links.models import Link, Scan, ScanDaily, ScanLevelDaily, ScanPromoterDaily
from outreach.metrics import scans as metrics_scans
from outreach.metrics.scans import totals_by_day, totals_by_link, totals_for
from outreach.participation.imports import import_counts
from outreach.participation.models import RespondentCount, RespondentLevelDaily, RespondentTotal
from outreach.participation.services import record_count
from tests.factories import AreaFactory, LinkFactory, PromoterFactory

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
NOW = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
FIRST = date(2026, 11, 1)
DERIVED = (ScanDaily, ScanLevelDaily, ScanPromoterDaily, RespondentTotal, RespondentLevelDaily)


@pytest.fixture
def raw_rows(tree, db):
    """Scans of six links (two kecamatan, one promoter, every source, some bots) over 15 WIB days, and
    respondent counts of kelurahan and an OPD, written through the services."""
    rw = AreaFactory(code="18.71.01.1001.001", name="RW 001", level="rw", parent=tree["a1"])
    promoter = PromoterFactory()
    links = [
        LinkFactory(area=area, promoter=promoter if n % 2 else None)
        for n, area in enumerate([tree["a1"], tree["a2"], tree["b1"], rw, tree["kec_a"], tree["kota"]])
    ]
    _db.session.flush()
    rows = []
    for n, link in enumerate(links):
        for day in range(15):
            for k in range(n + day % 4):
                rows.append(
                    {
                        "link_id": link.id,
                        "created_at": NOW - timedelta(days=day, hours=k % 20, minutes=k),
                        "visitor_hash": f"v{k % 3}-{day}",
                        "device_class": "mobile",
                        "is_bot": k % 7 == 6,
                        "source": ("qr", "typed", "direct")[k % 3],
                    }
                )
    _db.session.execute(insert(Scan), rows)
    csv = "date,unit,audience,count\n" + "".join(
        f"2026-11-{d:02d},{code},eksternal,{d + len(code)}\n"
        for d in range(1, 16)
        for code in ("18.71.01.1001", "18.71.02.1001")
    )
    import_counts(csv.encode(), today=date(2026, 11, 30))
    record_count(FIRST, tree["dinkes"], "internal", "daily", 40, "KPK")
    _db.session.commit()
    return links


def stored(model) -> Counter:
    columns = [c for c in model.__table__.c if c.name != "id"]
    return Counter(tuple(row) for row in _db.session.execute(select(*columns)))


def expected_scans(links) -> tuple[int, int, int]:
    """(scans, bot scans, typed scans) straight from the raw rows."""
    query = select(func.count(), func.sum(Scan.is_bot.cast(Integer)), func.count().filter(Scan.source == "typed"))
    total, bots, typed = _db.session.execute(query.where(Scan.link_id.in_([link.id for link in links]))).one()
    return total, int(bots), typed


def test_check_says_equal_after_writes_through_the_services_and_a_refresh(raw_rows, runner):
    result = runner.invoke(args=["links", "refresh-rollups"])  # the cron command, kept for the README
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["metrics", "refresh", "--check"])
    assert result.exit_code == 0, result.output
    assert "equal" in result.output.splitlines()[-1]
    assert "respondent_total: equal" in result.output and "scan_level_daily: equal" in result.output


def test_check_names_each_table_out_of_step_and_a_refresh_mends_them(raw_rows, runner):
    runner.invoke(args=["metrics", "refresh"])
    before = {model: stored(model) for model in DERIVED}
    _db.session.execute(update(RespondentTotal).where(RespondentTotal.day == date(2026, 11, 5)).values(total=0))
    _db.session.execute(ScanLevelDaily.__table__.delete().where(ScanLevelDaily.level == "kecamatan"))
    _db.session.execute(update(ScanDaily).values(typed_scans=ScanDaily.typed_scans + 1))
    _db.session.commit()
    result = runner.invoke(args=["metrics", "refresh", "--check"])
    assert result.exit_code == 1
    assert "respondent_total: 3 stored rows not in the rebuild, 3 rebuilt rows not stored" in result.output
    assert "scan_level_daily: 0 stored rows not in the rebuild" in result.output
    assert "scan_daily: " in result.output and "scan_daily: equal" not in result.output
    assert "respondent_level_daily: equal" in result.output and "scan_promoter_daily: equal" in result.output
    assert "rebuilt only: {'level': 'kecamatan'" in result.output
    _db.session.expire_all()
    assert stored(RespondentTotal) != before[RespondentTotal]  # --check changed nothing
    result = runner.invoke(args=["metrics", "refresh"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["metrics", "refresh", "--check"]).exit_code == 0
    _db.session.expire_all()
    assert stored(RespondentTotal) == before[RespondentTotal] and stored(ScanLevelDaily) == before[ScanLevelDaily]


def test_check_before_any_refresh_wants_empty_scan_rollups(raw_rows, runner):
    result = runner.invoke(args=["metrics", "refresh", "--check"])
    assert result.exit_code == 0, result.output
    assert "scan_daily: equal (0 rows)" in result.output


def test_a_count_written_without_its_refresh_is_found_by_the_check(raw_rows, tree, db, runner):
    db.session.add(
        RespondentCount(
            day=FIRST, area=tree["a3"], audience="eksternal", kind="daily", reported=9, daily=9, source="KPK"
        )
    )
    db.session.commit()
    result = runner.invoke(args=["metrics", "refresh", "--check"])
    assert result.exit_code == 1
    assert "respondent_total: 0 stored rows not in the rebuild, 15 rebuilt rows not stored" in result.output


def _wait_until(moment: float) -> str:
    return f"import time; time.sleep(max(0.0, {moment} - time.time()))"


def test_two_processes_refreshing_at_once_neither_double_count_nor_deadlock(raw_rows, db, tmp_path):
    """Real processes against the test database (SQLite file or PostgreSQL): each rebuilds everything
    several times, started at the same moment, while a third runs `flask metrics refresh` itself."""
    links = raw_rows
    for model in DERIVED:
        db.session.execute(model.__table__.delete())
    db.session.commit()
    url = db.engine.url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "OUTREACH_ENV": "development",
        "SCAN_JOURNAL_DIR": str(tmp_path),
        "SCAN_RECORDING": "direct",
    }
    start = time.time() + 4  # after every process has loaded the app
    script = "\n".join(
        [
            "from datetime import datetime",
            "from wsgi import app",
            "from outreach.metrics import refresh",
            _wait_until(start),
            "with app.app_context():",
            "    for _ in range(4):",
            f"        refresh.rebuild_all(now=datetime.fromisoformat({NOW.isoformat()!r}))",
            "print('done')",
        ]
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    cli = subprocess.Popen(
        ["sh", "-c", f"{sys.executable} -c '{_wait_until(start)}' && {FLASK} --app wsgi metrics refresh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    outputs = [proc.communicate(timeout=180)[0] for proc in [*procs, cli]]
    assert [proc.returncode for proc in [*procs, cli]] == [0, 0, 0], outputs
    assert "respondent totals rebuilt" in outputs[2]
    check = subprocess.run(
        [FLASK, "--app", "wsgi", "metrics", "refresh", "--check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[-1].startswith("equal")
    # And the figures are right, not merely consistent: rolled up up to the cut plus the live tail.
    db.session.expire_all()
    scans, bots, typed = expected_scans(links)
    totals = totals_for([link.id for link in links])
    assert (totals.scans, totals.bot_scans, totals.typed_scans) == (scans, bots, typed)
    rolled = db.session.scalar(select(func.sum(ScanDaily.scans)))
    assert 0 < rolled <= scans
    counts = db.session.scalar(select(func.sum(RespondentCount.daily)))
    last = db.session.scalar(select(func.max(RespondentTotal.day)))
    assert db.session.scalar(select(func.sum(RespondentTotal.total)).where(RespondentTotal.day == last)) == counts
    city = select(func.sum(RespondentLevelDaily.n)).where(RespondentLevelDaily.level == "kota")
    assert db.session.scalar(city) == counts


def test_counts_written_while_another_process_rebuilds_end_up_in_the_totals(raw_rows, tree, db, tmp_path):
    """One process records counts through the service (which refreshes its units) while another
    rebuilds every derived table over and over: afterwards the tables equal a rebuild and hold every count."""
    url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "OUTREACH_ENV": "development", "SCAN_JOURNAL_DIR": str(tmp_path)}
    start = time.time() + 4
    writer = "\n".join(
        [
            "from datetime import date",
            "from sqlalchemy import select",
            "from wsgi import app",
            "from outreach.areas.models import Area",
            "from outreach.extensions import db",
            "from outreach.participation.services import record_count",
            _wait_until(start),
            "with app.app_context():",
            f"    unit = db.session.scalar(select(Area).where(Area.id == {tree['b2'].id}))",
            "    for day in range(1, 21):",
            "        record_count(date(2026, 11, day), unit, 'eksternal', 'daily', day, 'KPK')",
            "        db.session.commit()",
            "print('done')",
        ]
    )
    rebuilder = "\n".join(
        [
            "from wsgi import app",
            "from outreach.metrics import refresh",
            _wait_until(start),
            "with app.app_context():",
            "    for _ in range(6):",
            "        refresh.rebuild_all()",
            "print('done')",
        ]
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for script in (writer, rebuilder)
    ]
    outputs = [proc.communicate(timeout=180)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    check = subprocess.run(
        [FLASK, "--app", "wsgi", "metrics", "refresh", "--check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    db.session.expire_all()
    last = db.session.scalar(select(func.max(RespondentTotal.day)))
    b2 = select(RespondentTotal.total).where(RespondentTotal.area_id == tree["b2"].id, RespondentTotal.day == last)
    assert db.session.scalar(b2) == sum(range(1, 21))


def test_a_select_of_link_ids_gives_the_same_totals_read_as_a_list_or_kept_as_a_join(raw_rows, runner, monkeypatch):
    """Up to ID_LIST_LIMIT links the ids are read first (so the rollup is read by its key); beyond, a join."""
    assert runner.invoke(args=["metrics", "refresh"]).exit_code == 0
    ids = select(Link.id).where(Link.id.in_([link.id for link in raw_rows[:3]]))
    since, until = NOW.date() - timedelta(days=9), NOW.date() - timedelta(days=2)

    def figures():
        return totals_for(ids), totals_for(ids, since, until), totals_by_day(ids, since, until), totals_by_link(ids)

    as_list = figures()
    monkeypatch.setattr(metrics_scans, "ID_LIST_LIMIT", 2)  # three links: over the limit, kept as a join
    assert figures() == as_list
    total, bots, _typed = expected_scans(raw_rows[:3])
    assert as_list[0].scans == total and as_list[0].bot_scans == bots
    assert sum(day.scans for day in as_list[2].values()) == as_list[1].scans > 0
