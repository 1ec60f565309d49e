"""`flask links export`, `flask links refresh-rollups` and the links part of the demo."""

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from outreach.links.models import Link, Scan, ScanDaily, ScanRollupMark, SurveyTarget
from outreach.metrics.scans import totals_for
from tests.factories import LinkFactory, PromoterFactory


def test_export_writes_every_link_as_csv_to_stdout(runner, db):
    LinkFactory(code="ABC234", promoter=PromoterFactory(name="Siti Rahma"), label="Pasar")
    LinkFactory(code="XYZ234", active=False)
    db.session.commit()
    result = runner.invoke(args=["links", "export"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["code"] for r in rows] == ["ABC234", "XYZ234"]
    assert rows[0]["short_url"] == "https://spi.example.test/s/ABC234"
    assert rows[0]["promoter"] == "Siti Rahma" and rows[0]["label"] == "Pasar"
    assert rows[1]["active"] == "no"


def test_export_to_a_file_can_leave_out_inactive_links(runner, db, tmp_path):
    LinkFactory(code="ABC234")
    LinkFactory(code="XYZ234", active=False)
    db.session.commit()
    out = tmp_path / "links.csv"
    result = runner.invoke(args=["links", "export", "--active-only", "--output", str(out)])
    assert result.exit_code == 0 and "wrote 1 links" in result.output
    assert [r["code"] for r in csv.DictReader(out.open())] == ["ABC234"]


def test_refresh_rollups_command_is_idempotent_and_leaves_the_last_minutes_live(runner, db):
    link = LinkFactory()
    now = datetime.now(UTC)
    for when, visitor in ((now - timedelta(minutes=30), "a"), (now, "b")):
        scan = Scan(
            link_id=link.id, created_at=when, visitor_hash=visitor, device_class="mobile", is_bot=False, source="qr"
        )
        db.session.add(scan)
    db.session.commit()
    first = runner.invoke(args=["links", "refresh-rollups"])
    assert first.exit_code == 0 and "1 link-days" in first.output
    assert "later scans are read live" in first.output
    second = runner.invoke(args=["links", "refresh-rollups", "--full"])
    assert second.exit_code == 0
    # The scan of a moment ago may still be committing elsewhere: it is read live, not rolled up yet.
    assert db.session.scalar(select(func.sum(ScanDaily.scans))) == 1
    assert totals_for([link.id]).scans == 2


def test_seed_demo_adds_targets_links_and_weeks_of_scans_once(runner, db):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    audiences = set(db.session.scalars(select(SurveyTarget.audience)))
    assert audiences == {"eksternal", "internal"}
    channels = set(db.session.scalars(select(Link.channel).distinct()))
    assert channels == {"flyer", "whatsapp", "banner", "bus"}
    assert db.session.scalar(select(func.count()).select_from(Link).where(Link.opd_id.is_not(None))) > 0
    days = db.session.scalar(select(func.count(func.distinct(ScanDaily.day))))
    assert days >= 28
    totals = totals_for(select(Link.id))
    assert totals.bot_scans > 0 and totals.unique_visitors < totals.human_scans
    # Every demo scan counts: rolled up, or (the last few minutes') read live.
    assert totals.scans == db.session.scalar(select(func.count()).select_from(Scan))
    rolled = db.session.scalar(select(func.sum(ScanDaily.scans)))
    cut = db.session.scalar(select(ScanRollupMark.refreshed_until))
    assert rolled == db.session.scalar(select(func.count()).select_from(Scan).where(Scan.created_at < cut))
    before = [db.session.scalar(select(func.count()).select_from(m)) for m in (SurveyTarget, Link, Scan)]
    second = runner.invoke(args=["seed-demo"])
    assert "survey_targets +0, links +0, scans +0" in second.output
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (SurveyTarget, Link, Scan)] == before


def test_export_keeps_a_formula_after_a_semicolon_dead(runner, db):
    from tests.imports.test_reading import assert_no_live_formula

    LinkFactory(code="ABC234", promoter=PromoterFactory(name="Budi;=SUM(7*6);"), label="Pasar\t@A1")
    db.session.commit()
    result = runner.invoke(args=["links", "export"])
    assert result.exit_code == 0, result.output
    assert_no_live_formula(result.output)
    [row] = csv.DictReader(io.StringIO(result.output))
    assert row["promoter"] == "Budi;'=SUM(7*6);"
