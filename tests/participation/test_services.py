"""Respondent count, target and baseline imports: all or nothing, located errors, upserts, running totals, WIB days."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from outreach.clock import wib_day
from outreach.imports.problems import ImportRefused as CsvError
from outreach.participation.imports import (
    apply_baseline_import,
    apply_target_import,
    import_counts,
    preview_baseline_import,
    preview_target_import,
)
from outreach.participation.models import Baseline, RespondentCount, Target
from outreach.participation.services import CountError, parse_day, record_count

TODAY = date(2026, 11, 26)


def _import(text: str, **kw):
    return import_counts(text.encode("utf-8"), today=TODAY, **kw)


def _daily(db, unit):
    rows = db.session.execute(
        select(RespondentCount.day, RespondentCount.daily)
        .where(
            (RespondentCount.area_id == unit.id)
            if unit.__tablename__ == "area"
            else (RespondentCount.opd_id == unit.id)
        )
        .order_by(RespondentCount.day)
    )
    return {day.isoformat(): daily for day, daily in rows}


def _total(db):
    return db.session.scalar(select(func.coalesce(func.sum(RespondentCount.daily), 0)))


DAILY = """date,unit,audience,count,kind,source
2026-10-01,18.71.01.1001,eksternal,12,daily,KPK
2026-10-02,18.71.01.1001,eksternal,15,daily,KPK
2026-10-01,dinkes,internal,7,daily,KPK
"""


def test_daily_import_stores_each_row(tree, db):
    result = _import(DAILY)
    assert (result.added, result.updated, result.unchanged) == (3, 0, 0)
    assert _daily(db, tree["a1"]) == {"2026-10-01": 12, "2026-10-02": 15}
    assert _daily(db, tree["dinkes"]) == {"2026-10-01": 7}


def test_reimporting_the_same_rows_does_not_double_count(tree, db):
    _import(DAILY)
    db.session.commit()
    again = _import(DAILY)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert _total(db) == 34
    assert db.session.scalar(select(func.count()).select_from(RespondentCount)) == 3


def test_reimport_with_a_corrected_figure_updates_it(tree, db):
    _import(DAILY)
    corrected = _import(DAILY.replace("eksternal,15", "eksternal,18"))
    assert (corrected.added, corrected.updated, corrected.unchanged) == (0, 1, 2)
    assert _daily(db, tree["a1"])["2026-10-02"] == 18


def test_cumulative_series_becomes_daily_increments(tree, db):
    _import(
        "date,unit,audience,count,kind\n"
        "2026-10-01,disdik,internal,100,cumulative\n"
        "2026-10-02,disdik,internal,130,cumulative\n"
        "2026-10-04,disdik,internal,130,cumulative\n"
        "2026-10-05,disdik,internal,175,cumulative\n"
    )
    assert _daily(db, tree["disdik"]) == {"2026-10-01": 100, "2026-10-02": 30, "2026-10-04": 0, "2026-10-05": 45}


def test_a_later_import_of_a_missing_day_recalculates_the_next_increment(tree, db):
    _import(
        "date,unit,audience,count,kind\n2026-10-01,disdik,internal,100,kumulatif\n2026-10-03,disdik,internal,160,kumulatif\n"
    )
    db.session.commit()
    result = _import("date,unit,audience,count,kind\n2026-10-02,disdik,internal,120,kumulatif\n")
    assert (result.added, result.recalculated) == (1, 1)
    assert _daily(db, tree["disdik"]) == {"2026-10-01": 100, "2026-10-02": 20, "2026-10-03": 40}


def test_a_decreasing_running_total_is_refused_with_its_line(tree, db):
    with pytest.raises(CsvError) as err:
        _import(
            "date,unit,audience,count,kind\n"
            "2026-10-01,disdik,internal,100,cumulative\n"
            "2026-10-02,disdik,internal,90,cumulative\n"
        )
    [problem] = err.value.problems
    assert (problem.line, problem.column) == (3, "count")
    assert "100" in str(problem) and "90" in str(problem) and "2026-10-01" in str(problem)
    assert _total(db) == 0


def test_a_running_total_below_a_stored_later_one_is_refused(tree, db):
    _import("date,unit,audience,count,kind\n2026-10-05,disdik,internal,100,cumulative\n")
    db.session.commit()
    with pytest.raises(CsvError) as err:
        _import("date,unit,audience,count,kind\n2026-10-06,disdik,internal,80,cumulative\n")
    assert err.value.problems[0].line == 2


def test_mixing_daily_and_running_totals_in_one_series_is_refused(tree, db):
    _import("date,unit,audience,count,kind\n2026-10-01,disdik,internal,100,daily\n")
    db.session.commit()
    with pytest.raises(CsvError) as err:
        _import("date,unit,audience,count,kind\n2026-10-02,disdik,internal,120,cumulative\n")
    assert err.value.problems[0].column == "kind"


def test_the_same_series_from_two_sources_is_kept_apart(tree, db):
    _import(DAILY)
    _import(DAILY.replace(",KPK", ",laporan OPD"))
    assert _total(db) == 68


def test_one_bad_row_imports_nothing_and_every_problem_is_located(tree, db):
    text = (
        "date,unit,audience,count,kind,source\n"
        "2026-10-01,18.71.01.1001,eksternal,12,daily,KPK\n"
        "2026-13-01,18.71.99.9999,publik,-3,weekly,KPK\n"
        "2026-12-01,dinkes,internal,abc,daily,KPK\n"
    )
    with pytest.raises(CsvError) as err:
        _import(text)
    located = {(p.line, p.column) for p in err.value.problems}
    assert located == {(3, "date"), (3, "unit"), (3, "audience"), (3, "count"), (3, "kind"), (4, "date"), (4, "count")}
    assert _total(db) == 0


def test_a_row_repeated_in_the_file_is_refused(tree, db):
    with pytest.raises(CsvError) as err:
        _import(DAILY + "2026-10-01,18.71.01.1001,eksternal,13,daily,KPK\n")
    [problem] = err.value.problems
    assert problem.line == 5 and "2" in str(problem.message)


@pytest.mark.parametrize(
    ("data", "line", "column", "mentions"),
    [
        (b"", None, None, ""),
        (b"date,unit,audience\n2026-10-01,dinkes,internal\n", 1, "count", ""),
        (b"date,unit,audience,count,colour\n", None, None, "colour"),
        (b"date,unit,audience,count\n", 1, None, ""),
        (b"date,unit,audience,count\n2026-10-01,dinkes,internal\n", 2, "count", ""),
        (b"date,unit,audience,count\n2026-10-01,dinkes,internal,5,9\n", 2, None, ""),
        (b"date,unit,audience,count\n2026-10-01,dinkes,internal,\xff\xfe\n", None, None, "2"),
        (b"PK\x03\x04 not a csv", None, None, ""),
    ],
    ids=["empty", "missing-column", "unknown-column", "no-rows", "short-row", "long-row", "not-utf8", "workbook"],
)
def test_malformed_files_are_refused_with_their_line(tree, db, data, line, column, mentions):
    with pytest.raises(CsvError) as err:
        import_counts(data, today=TODAY)
    problem = err.value.problems[0]
    assert (problem.line, problem.column) == (line, column)
    assert str(problem) and mentions in str(problem)
    assert _total(db) == 0


def test_a_file_that_is_not_csv_by_name_is_refused(tree, db):
    with pytest.raises(CsvError) as err:
        import_counts(DAILY.encode(), today=TODAY, filename="counts.ods")
    assert "counts.ods" in str(err.value)


def test_bom_semicolons_and_indonesian_headers_are_accepted(tree, db):
    text = "\ufefftanggal;kode;audiens;jumlah;jenis;sumber\n01/10/2026;18.71.01.1002;eksternal;9;harian;KPK\n"
    result = import_counts(text.encode("utf-8"), today=TODAY)
    assert result.added == 1 and _daily(db, tree["a2"]) == {"2026-10-01": 9}


def test_source_defaults_to_the_one_given_with_the_upload(tree, db):
    import_counts(b"date,unit,audience,count\n2026-10-01,dinkes,internal,5\n", default_source="surat", today=TODAY)
    assert db.session.scalar(select(RespondentCount.source)) == "surat"


def test_moments_are_counted_on_their_wib_day(tree, db):
    _import(
        "date,unit,audience,count\n"
        "2026-10-01T23:30:00+07:00,dinkes,internal,4\n"
        "2026-10-01T17:30:00Z,disdik,internal,6\n"
    )
    assert _daily(db, tree["dinkes"]) == {"2026-10-01": 4}
    assert _daily(db, tree["disdik"]) == {"2026-10-02": 6}


def test_wib_day_boundary():
    late = datetime(2026, 10, 1, 16, 30, tzinfo=UTC)  # 23:30 WIB
    early = datetime(2026, 10, 1, 17, 30, tzinfo=UTC)  # 00:30 WIB the next day
    assert wib_day(late) == date(2026, 10, 1)
    assert wib_day(early) == date(2026, 10, 2)
    assert parse_day("2026-10-01 23:30") == date(2026, 10, 1)
    assert parse_day("2026-10-02T00:30:00+07:00") == date(2026, 10, 2)
    with pytest.raises(ValueError):
        wib_day(datetime(2026, 10, 1, 12, 0))


def test_record_count_from_the_form_refuses_a_falling_total(tree, db):
    record_count(date(2026, 10, 1), tree["disdik"], "internal", "cumulative", 50, "laporan")
    with pytest.raises(CountError):
        record_count(date(2026, 10, 2), tree["disdik"], "internal", "cumulative", 40, "laporan")


def test_targets_and_baselines_import_and_upsert(tree, spi_round, db):
    added = apply_target_import(
        preview_target_import("unit,audience,target\n18.71.01.1001,eksternal,300\ndinkes,internal,120\n", spi_round)
    )
    preview = preview_target_import(
        "unit,audience,target\n18.71.01.1001,eksternal,350\ndinkes,internal,120\n", spi_round
    )
    assert [(r.line, r.changes) for r in preview.updated] == [(2, {"target": [300, 350]})]
    changed = apply_target_import(preview)
    assert (added["added"], changed["updated"], changed["unchanged"]) == (2, 1, 1)
    assert db.session.scalar(select(Target.target).where(Target.area_id == tree["a1"].id)) == 350
    text = "unit,audience,respondents,population\n18.71.01.1001,eksternal,210,9000\ndinkes,internal,80,\n"
    apply_baseline_import(preview_baseline_import(text, spi_round))
    assert {(b.respondents, b.population) for b in db.session.scalars(select(Baseline))} == {(210, 9000), (80, None)}


def test_target_import_refuses_zero_and_unknown_units(tree, spi_round, db):
    preview = preview_target_import("unit,audience,target\n18.71.01.1001,eksternal,0\nnope,internal,5\n", spi_round)
    assert {(p.line, p.column) for p in preview.problems} == {(2, "target"), (3, "unit")}
    with pytest.raises(ValueError):
        apply_target_import(preview)
    assert db.session.scalar(select(func.count()).select_from(Target)) == 0
