"""Dense running totals and window sums from them, on series worked out by hand."""

from datetime import date, timedelta

from outreach.metrics.running_totals import add_into, dense_rows, lookup_days, window_sums

D = date(2026, 9, 1)


def day(n: int) -> date:
    return D + timedelta(days=n)


def test_dense_rows_fill_every_day_with_the_running_total():
    daily = {"a": {day(0): (2,), day(2): (5,)}, "b": {day(1): (1,)}}
    rows = sorted(dense_rows({}, daily, day(0), day(3), 1))
    assert rows == [
        ("a", day(0), (2,), (2,)),
        ("a", day(1), (0,), (2,)),
        ("a", day(2), (5,), (7,)),
        ("a", day(3), (0,), (7,)),
        ("b", day(1), (1,), (1,)),  # starts on its first day with data, not before
        ("b", day(2), (0,), (1,)),
        ("b", day(3), (0,), (1,)),
    ]


def test_dense_rows_continue_from_the_base_with_several_values():
    rows = sorted(dense_rows({"a": (10, 4), "c": (3, 3)}, {"a": {day(6): (1, 1)}}, day(5), day(6), 2))
    assert rows == [
        ("a", day(5), (0, 0), (10, 4)),
        ("a", day(6), (1, 1), (11, 5)),
        ("c", day(5), (0, 0), (3, 3)),  # no new data: carried on with zeros
        ("c", day(6), (0, 0), (3, 3)),
    ]


def test_window_sums_from_totals_on_the_lookup_days():
    daily = {"a": {day(i): (i,) for i in range(10)}, "late": {day(8): (4,)}}
    totals = {(key, d): total[0] for key, d, _v, total in dense_rows({}, daily, day(0), day(9), 1)}
    windows = [(day(2), day(4)), (day(0), day(9)), (day(7), day(20)), (day(12), day(15)), (day(0), day(5))]
    days = lookup_days(windows, day(9))
    assert days == {day(1), day(4), day(-1), day(9), day(6), day(5)}  # nothing after the last day
    rows = [(key, d, total) for (key, d), total in totals.items() if d in days]
    assert window_sums(rows, windows, day(9)) == {
        "a": [2 + 3 + 4, 45, 7 + 8 + 9, 0, 15],
        "late": [0, 4, 4, 0, 0],  # no row before its first day: nothing yet
    }


def test_add_into_rolls_several_series_up_into_one_unit():
    sums: dict = {}
    add_into(sums, "kedaton", "eksternal", [1, 2])
    add_into(sums, "kedaton", "eksternal", [10, 20])
    add_into(sums, "kedaton", "internal", [5, 0])
    assert sums == {"kedaton": {"eksternal": [11, 22], "internal": [5, 0]}}
