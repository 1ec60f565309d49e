"""Scan retention: old raw scans are deleted only after they are rolled up, and no figure changes."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from outreach.clock import wib_day
from outreach.links.models import Link, Scan, ScanDaily
from outreach.links.retention import RetentionError, purge_old_scans
from outreach.metrics.scans import daily_series, refresh_scan_rollups, totals_by_link, totals_for
from tests.factories import LinkFactory

NOW = datetime(2026, 11, 20, 5, tzinfo=UTC)  # 12:00 WIB


def _scan(link, when, visitor="v", bot=False, source="qr"):
    return Scan(
        link_id=link.id, created_at=when, visitor_hash=visitor, device_class="mobile", is_bot=bot, source=source
    )


@pytest.fixture
def history(db):
    """Two links with scans over 30 days, including late-evening UTC scans that fall on the next WIB day."""
    links = [LinkFactory(), LinkFactory()]
    rows = []
    for offset in range(30):
        moment = NOW - timedelta(days=offset, hours=offset % 7)
        for n, link in enumerate(links):
            rows += [_scan(link, moment, f"v{offset % 3}"), _scan(link, moment + timedelta(minutes=n), "b", bot=True)]
            rows.append(_scan(link, moment.replace(hour=17, minute=30), f"w{offset}", source="direct"))
    db.session.add_all(rows)
    db.session.flush()
    return links


def _figures(links):
    ids = [link.id for link in links]
    return (
        totals_by_link(ids),
        totals_for(select(Link.id)),
        totals_for(ids, since=wib_day(NOW) - timedelta(days=20)),
        [daily_series(link.id, days=40, today=wib_day(NOW)) for link in links],
    )


def _scans(db):
    return db.session.scalar(select(func.count()).select_from(Scan))


def test_purge_deletes_old_scans_and_leaves_every_figure_unchanged(db, history):
    refresh_scan_rollups(now=NOW - timedelta(days=1))
    before = _figures(history)
    total = _scans(db)
    result = purge_old_scans(10, now=NOW)
    db.session.flush()
    assert result.before == date(2026, 11, 10)
    assert result.deleted > 0 and _scans(db) == total - result.deleted
    oldest = db.session.scalar(select(func.min(Scan.created_at)))
    assert wib_day(oldest) >= result.before
    assert _figures(history) == before


def test_purge_is_idempotent(db, history):
    purge_old_scans(10, now=NOW)
    figures, remaining = _figures(history), _scans(db)
    again = purge_old_scans(10, now=NOW)
    assert (again.deleted, again.link_days) == (0, 0)
    assert (_figures(history), _scans(db)) == (figures, remaining)


def test_a_full_rollup_rebuild_after_a_purge_keeps_the_purged_days(db, history):
    before = _figures(history)
    purge_old_scans(10, now=NOW)
    refresh_scan_rollups(full=True, now=NOW)
    assert _figures(history) == before


def test_purge_refuses_and_deletes_nothing_when_a_day_is_not_rolled_up(db, history, monkeypatch):
    refresh_scan_rollups(now=NOW)
    monkeypatch.setattr("outreach.metrics.refresh.scans", lambda now: None)
    row = db.session.scalar(select(ScanDaily).where(ScanDaily.day < date(2026, 11, 5)).limit(1))
    row.scans += 1
    db.session.flush()
    total = _scans(db)
    with pytest.raises(RetentionError, match="not rolled up"):
        purge_old_scans(10, now=NOW)
    assert _scans(db) == total


def test_retention_must_keep_at_least_a_day(db):
    with pytest.raises(ValueError):
        purge_old_scans(0)


def test_purge_command_uses_the_retention_setting_and_reports(app, db, runner):
    link = LinkFactory()
    now = datetime.now(UTC)
    db.session.add_all([_scan(link, now - timedelta(days=500)), _scan(link, now - timedelta(days=2)), _scan(link, now)])
    db.session.commit()
    assert app.config["SCAN_RETENTION_DAYS"] == 400
    result = runner.invoke(args=["scans", "purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 scans" in result.output
    assert runner.invoke(args=["scans", "purge"]).output.startswith("deleted 0 scans")
    db.session.expire_all()
    assert _scans(db) == 2
    assert totals_for([link.id]).scans == 3
    result = runner.invoke(args=["scans", "purge", "--days", "1"])
    assert "deleted 1 scans" in result.output
    db.session.expire_all()
    assert totals_for([link.id]).scans == 3
