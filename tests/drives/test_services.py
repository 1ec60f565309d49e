"""Drive planning services: checks, double-booking detection, WIB days, listing and filters."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from outreach.audit.models import AuditEvent
from outreach.clock import wib_days
from outreach.drives.services import (
    DriveError,
    check_drive_data,
    deadline_warnings,
    drives_between,
    filter_drives,
    find_conflicts,
    month_grid,
    month_window,
    promoters_in_areas,
    update_drive,
    visible_drives,
    warnings_signature,
)
from tests import factories
from tests.drives.helpers import drive_data, make_drive, wib


def _keys(warnings):
    return sorted((w.kind, w.subject, w.drive.title if w.drive else None) for w in warnings)


def test_wib_times_are_stored_in_utc(tree, db):
    drive = make_drive("2026-10-05 08:00", "2026-10-05 12:00", [tree["surabaya"]])
    db.session.commit()
    db.session.expire_all()
    assert drive.starts_at == datetime(2026, 10, 5, 1, 0, tzinfo=UTC)
    assert drive.ends_at == datetime(2026, 10, 5, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "clash"),
    [
        ("2026-10-05 10:00", "2026-10-05 12:00", False),  # starts exactly when the other ends
        ("2026-10-05 06:00", "2026-10-05 08:00", False),  # ends exactly when the other starts
        ("2026-10-05 09:59", "2026-10-05 12:00", True),  # one minute of overlap
        ("2026-10-05 06:00", "2026-10-05 08:01", True),
        ("2026-10-05 08:30", "2026-10-05 09:00", True),  # inside
        ("2026-10-05 07:00", "2026-10-05 11:00", True),  # around
        ("2026-10-05 08:00", "2026-10-05 10:00", True),  # identical
        ("2026-10-06 08:00", "2026-10-06 10:00", False),  # next day, same hours
    ],
)
def test_promoter_double_booking_is_found_only_when_times_overlap(tree, db, start, end, clash):
    promoter = factories.PromoterFactory()
    make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], promoters=[promoter], title="Pagi")
    data = drive_data(start, end, [tree["pelita"]], promoters=[promoter])
    warnings = find_conflicts(data)
    assert _keys(warnings) == ([("promoter", promoter.name, "Pagi")] if clash else [])


def test_other_promoters_and_cancelled_drives_do_not_clash(tree, db):
    busy, free = factories.PromoterFactory(), factories.PromoterFactory()
    make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], promoters=[busy], status="cancelled")
    make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["kedaton"]], promoters=[free])
    assert find_conflicts(drive_data("2026-10-05 09:00", "2026-10-05 11:00", [tree["pelita"]], promoters=[busy])) == []


@pytest.mark.parametrize("status", ["cancelled", "done"])
def test_a_cancelled_or_finished_drive_warns_about_nothing(tree, db, status):
    promoter = factories.PromoterFactory()
    make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], promoters=[promoter])
    data = drive_data("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], [], [promoter], status=status)
    assert find_conflicts(data) == []
    assert deadline_warnings(data, date(2026, 10, 1)) == []


def test_editing_a_drive_does_not_clash_with_itself(tree, db):
    promoter = factories.PromoterFactory()
    drive = make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], promoters=[promoter])
    data = drive_data("2026-10-05 08:30", "2026-10-05 10:30", [tree["surabaya"]], promoters=[promoter])
    assert find_conflicts(data, exclude_id=drive.id) == []
    assert len(find_conflicts(data)) == 2


@pytest.mark.parametrize(
    ("existing", "planned", "clash"),
    [
        ("surabaya", "surabaya", True),
        ("kedaton", "surabaya", True),  # the whole kecamatan covers its kelurahan
        ("surabaya", "kedaton", True),  # and a kecamatan-wide plan meets a kelurahan round
        ("surabaya", "sidodadi", False),  # neighbouring kelurahan
        ("kedaton", "pelita", False),  # another kecamatan
        ("kedaton", "enggal", False),
    ],
)
def test_area_already_having_a_drive_follows_the_area_tree(tree, db, existing, planned, clash):
    make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree[existing]], title="Existing")
    warnings = find_conflicts(drive_data("2026-10-05 09:00", "2026-10-05 11:00", [tree[planned]]))
    assert _keys(warnings) == ([("area", tree[existing].label, "Existing")] if clash else [])


def test_opd_already_having_a_session_is_a_warning(db):
    opd, other = factories.OpdFactory(), factories.OpdFactory()
    make_drive("2026-10-05 08:00", "2026-10-05 10:00", opds=[opd], kind="opd_session", title="Sesi")
    assert _keys(find_conflicts(drive_data("2026-10-05 09:00", "2026-10-05 11:00", opds=[opd, other]))) == [
        ("opd", opd.name, "Sesi")
    ]


def test_drive_crossing_midnight_wib_clashes_with_one_after_midnight(tree, db):
    promoter = factories.PromoterFactory()
    night = make_drive("2026-09-30 20:00", "2026-10-01 01:00", [tree["surabaya"]], promoters=[promoter], title="Ronda")
    # 20:00–01:00 WIB is 13:00–18:00 UTC on the same UTC day.
    assert night.starts_at == datetime(2026, 9, 30, 13, tzinfo=UTC)
    assert night.ends_at == datetime(2026, 9, 30, 18, tzinfo=UTC)
    assert wib_days(night.starts_at, night.ends_at) == [date(2026, 9, 30), date(2026, 10, 1)]
    after = drive_data("2026-10-01 00:30", "2026-10-01 02:00", [tree["pelita"]], promoters=[promoter])
    assert _keys(find_conflicts(after)) == [("promoter", promoter.name, "Ronda")]
    next_morning = drive_data("2026-10-01 01:00", "2026-10-01 03:00", [tree["pelita"]], promoters=[promoter])
    assert find_conflicts(next_morning) == []


def test_drive_crossing_midnight_shows_on_both_wib_days_of_two_months(tree, db):
    night = make_drive("2026-09-30 20:00", "2026-10-01 01:00", [tree["surabaya"]])
    for year, month, day in ((2026, 9, date(2026, 9, 30)), (2026, 10, date(2026, 10, 1))):
        start, end = month_window(year, month)
        drives = drives_between(select(type(night)), start, end)
        assert drives == [night]
        cells = {c.day: c for week in month_grid(year, month, drives) for c in week}
        assert cells[day].drives == [night]
        assert sum(len(c.drives) for c in cells.values()) == 2  # the grid shows the neighbouring day too


def test_drive_ending_at_midnight_wib_does_not_touch_the_next_day(tree, db):
    drive = make_drive("2026-10-01 19:00", "2026-10-02 00:00", [tree["surabaya"]])
    assert wib_days(drive.starts_at, drive.ends_at) == [date(2026, 10, 1)]


def test_month_window_uses_wib_midnight(db):
    start, end = month_window(2026, 12)
    assert start == datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 17, tzinfo=UTC)


def test_early_morning_drive_on_the_spi_deadline_day_belongs_to_that_day(tree, db):
    # 06:00 WIB on 31 October is still 30 October in UTC.
    drive = make_drive("2026-10-31 06:00", "2026-10-31 09:00", [tree["surabaya"]])
    assert drive.starts_at.date() == date(2026, 10, 30)
    start, end = month_window(2026, 10)
    cells = {
        c.day: c
        for w in month_grid(2026, 10, drives_between(select(type(drive)), start, end), date(2026, 10, 31))
        for c in w
    }
    assert cells[date(2026, 10, 31)].drives == [drive] and cells[date(2026, 10, 31)].is_deadline
    assert cells[date(2026, 10, 30)].drives == []


@pytest.mark.parametrize(
    ("start", "end", "late"),
    [
        ("2026-10-31 06:00", "2026-10-31 09:00", False),
        ("2026-10-31 19:00", "2026-10-31 23:59", False),
        ("2026-10-31 20:00", "2026-11-01 00:00", False),  # ends as the deadline day closes
        ("2026-10-31 22:00", "2026-11-01 00:30", True),
        ("2026-11-01 08:00", "2026-11-01 10:00", True),
    ],
)
def test_drive_ending_after_the_spi_deadline_day_gets_a_warning(tree, start, end, late):
    data = drive_data(start, end, [tree["surabaya"]])
    assert bool(deadline_warnings(data, date(2026, 10, 31))) is late
    assert deadline_warnings(data, None) == []


def test_warnings_signature_changes_with_the_warnings(tree, db):
    a, b = factories.PromoterFactory(), factories.PromoterFactory()
    make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], promoters=[a, b])
    one = find_conflicts(drive_data("2026-10-05 09:00", "2026-10-05 11:00", [tree["pelita"]], promoters=[a]))
    two = find_conflicts(drive_data("2026-10-05 09:00", "2026-10-05 11:00", [tree["pelita"]], promoters=[a, b]))
    assert warnings_signature(one) != warnings_signature(two)
    assert warnings_signature(one) == warnings_signature(list(reversed(one)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "karaoke"}, "kind must be one of"),
        ({"audience": "eksper"}, "audience must be one of"),
        ({"status": "maybe"}, "status must be one of"),
        ({"title": "  "}, "title is empty"),
        ({"ends_at": wib("2026-10-05 08:00")}, "end must be after the start"),
        ({"areas": []}, "at least one target area or OPD"),
        ({"latitude": -5.4}, "both latitude and longitude"),
        ({"cost": -1}, "cost cannot be negative"),
        ({"attendance": 40}, "once the drive is done"),
    ],
)
def test_bad_drive_data_is_refused_with_the_field_named(tree, change, message):
    data = drive_data("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]])
    for key, value in change.items():
        setattr(data, key, value)
    with pytest.raises(DriveError, match=message):
        check_drive_data(data)


def test_rt_or_rw_cannot_be_a_target(tree, db):
    rw = factories.AreaFactory(code="18.71.01.1004.001", name="RW 001", level="rw", parent=tree["surabaya"])
    with pytest.raises(DriveError, match="kecamatan or kelurahan"):
        check_drive_data(drive_data("2026-10-05 08:00", "2026-10-05 10:00", [rw]))


def test_update_bumps_the_sequence_and_audits_only_real_changes(tree, db):
    drive = make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], title="Sore")
    update_drive(drive, drive_data("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], title="Sore"))
    assert drive.sequence == 0
    update_drive(
        drive,
        drive_data(
            "2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], title="Sore", status="done", attendance=35
        ),
    )
    assert drive.sequence == 1
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "drive")).all()
    assert [e.action for e in events] == ["drive.create", "drive.update"]
    assert events[1].changes == {"attendance": [None, 35], "status": ["planned", "done"]}


def test_promoters_in_areas_includes_units_below_and_skips_ended_or_inactive(tree, db):
    rw = factories.AreaFactory(code="18.71.01.1004.001", name="RW 001", level="rw", parent=tree["surabaya"])
    rt = factories.AreaFactory(code="18.71.01.1004.001.002", name="RT 002", level="rt", parent=rw)
    rt_head = factories.AssignmentFactory(area=rt, promoter__role="rt").promoter
    pamong = factories.AssignmentFactory(area=tree["surabaya"]).promoter
    factories.AssignmentFactory(area=tree["surabaya"], end_date=date(2026, 9, 1))  # moved away
    factories.AssignmentFactory(area=tree["surabaya"], promoter__active=False)
    factories.AssignmentFactory(area=tree["sidodadi"])
    found = promoters_in_areas([tree["surabaya"]], date(2026, 10, 5))
    assert {p.id for p in found} == {rt_head.id, pamong.id}
    assert {p.id for p in promoters_in_areas([tree["kedaton"]], date(2026, 10, 5))} >= {rt_head.id, pamong.id}


def test_promoter_sees_only_drives_they_take_part_in(tree, db):
    user = factories.UserFactory(role="promoter")
    own = make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], promoters=[user.promoter])
    make_drive("2026-10-06 08:00", "2026-10-06 10:00", [tree["surabaya"]], promoters=[factories.PromoterFactory()])
    assert db.session.scalars(visible_drives(user)).all() == [own]
    staff = factories.UserFactory(role="leadership")
    assert len(db.session.scalars(visible_drives(staff)).all()) == 2


def test_kecamatan_filter_finds_drives_by_area_or_by_kecamatan_opd(tree, db):
    kec_opd = factories.OpdFactory(kind="kecamatan", area=tree["kedaton"])
    by_kelurahan = make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]])
    by_opd = make_drive("2026-10-06 08:00", "2026-10-06 10:00", opds=[kec_opd], kind="opd_session")
    make_drive("2026-10-07 08:00", "2026-10-07 10:00", [tree["pelita"]])
    found = db.session.scalars(filter_drives(select(type(by_opd)), kecamatan=tree["kedaton"])).all()
    assert {d.id for d in found} == {by_kelurahan.id, by_opd.id}
    assert db.session.scalars(filter_drives(select(type(by_opd)), kind="opd_session")).all() == [by_opd]
