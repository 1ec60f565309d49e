"""A dashboard table row from the Jinja macros: every cell, escaped, in the reader's language."""

from datetime import date

import pytest
from flask import render_template_string, session
from flask_babel import refresh

from outreach.areas.models import Area
from outreach.metrics.figures import Figures, Period
from outreach.participation.models import SurveyRound


@pytest.fixture(autouse=True)
def indonesian():
    """Forget a language an earlier test cached in the shared app context: rows read in Indonesian."""
    refresh()


def _round() -> SurveyRound:
    # Made in the test, not at import: building a model configures every mapper, and when this module
    # is collected first the models a relationship names (rollouts) may not be imported yet.
    return SurveyRound(name="SPI 2026", year=2026, starts_on=date(2026, 9, 1), deadline=date(2026, 12, 11))


def row(**values) -> Figures:
    unit = Area(code="18.71.01 <x>", name="Kedaton & <Co>", level="kecamatan")
    return Figures(unit=unit, label=unit.name, audience="eksternal", spark=[1, 2, 3], **values)


def figures_row(fig: Figures, period: Period, drill: bool = False) -> str:
    """The unit's row as the dashboard table (`participation/_figures.html`) renders it."""
    html = render_template_string(
        '{% from "participation/_figures.html" import figures_table %}'
        '{{ figures_table(rows, period, "Table", "/export", drill=drill) }}',
        rows=[fig],
        period=period,
        drill=drill,
    )
    return html[html.index('<tr><th scope="row"') : html.index("</tr>", html.index('<tr><th scope="row"')) + 5]


def test_a_full_row_reads_in_indonesian_with_links_and_a_derived_target():
    period = Period(_round(), date(2026, 10, 1), date(2026, 10, 28))
    fig = row(range_count=1234, prev_count=1000, to_date=5678, target=9000, target_derived=True, population=20000)
    fig.forecast, fig.peer_uplift, fig.baseline, fig.expected_share = 8499.5, 2.26, 5000, 0.7
    html = figures_row(fig, period, drill=True)
    drill = "/participation/kecamatan/18.71.01%20%3Cx%3E?start=2026-10-01&amp;end=2026-10-28&amp;audience=eksternal"
    assert f'<th scope="row" class="unit"><a href="{drill}">' in html
    assert "Kedaton &amp; &lt;Co&gt;</a>" in html
    # What a phone shows: progress under the name, the status against the path, the trend, the last drive.
    assert '<progress value="5678" max="9000"' in html and "5.678 / 9.000 · 63%" in html
    # 5,678 against 0.7 × 9,000 = 6,300 expected: 90% of the path, between 80% and 95%.
    assert '<span class="status status-attention"><span aria-hidden="true">!</span> perlu perhatian</span>' in html
    assert "jalur: 6.300" in html
    assert '<td class="drive-cell"><span class="muted">belum ada</span></td>' in html
    cells = html.split('<td class="num wide">')[1:]
    assert cells[0].startswith("1.234<")  # in range
    assert cells[1].startswith("+8,4<")  # (1234 - 1000) / 28 days
    uplift = "/participation/uplift?start=2026-10-01&amp;end=2026-10-28&amp;audience=eksternal&amp;comparison=kecamatan"
    assert f'<a href="{uplift}&amp;units=18.71.01%20%3Cx%3E">+2,3</a>' in cells[2]
    assert cells[3].startswith('9.000<sup title="jumlah dari unit di bawahnya">Σ</sup>')
    assert cells[4].startswith("8.500<")  # forecast, rounded
    assert cells[5].startswith("283,9<")  # per 1,000 residents
    assert cells[6].startswith("+14%")  # against the baseline round
    assert '<svg class="spark"' in html and 'aria-label="Angka harian Kedaton &amp; &lt;Co&gt;"' in html


def test_unknown_values_are_muted_dashes_without_links():
    period = Period(_round(), date(2026, 9, 1), date(2026, 9, 28))  # the window before lies before the round
    html = figures_row(row(), period)
    assert "<a " not in html  # not a drill-down table, and no uplift to link
    # Last drive, change, uplift, target, rate and against the baseline round.
    assert html.count('<span class="muted"') == 6
    assert '<span class="status status-no_target"><span aria-hidden="true">–</span> tanpa sasaran</span>' in html
    assert 'title="Periode sebelum rentang jatuh sebelum putaran dimulai."' in html


def test_a_row_shown_again_with_the_same_values_is_the_same_and_any_changed_value_shows():
    """Rows are kept by the values they show: the same values give the same row, and a changed count,
    target, status or drive day is rendered anew, never an older row."""
    period = Period(_round(), date(2026, 10, 1), date(2026, 10, 28))
    first = figures_row(row(range_count=10, to_date=500, target=9000), period)
    assert figures_row(row(range_count=10, to_date=500, target=9000), period) == first
    changed = figures_row(row(range_count=10, to_date=501, target=9000), period)
    assert changed != first and "501 / 9.000" in changed
    assert "600 / 9.500" in figures_row(row(range_count=10, to_date=600, target=9500), period)
    assert ">12<" in figures_row(row(range_count=12, to_date=500, target=9000), period)
    # The same values in a table that drills down carry the link.
    assert "<a href=" in figures_row(row(range_count=10, to_date=500, target=9000), period, drill=True)


def test_a_kept_row_is_shown_in_the_reader_s_language(app):
    period = Period(_round(), date(2026, 9, 1), date(2026, 9, 28))
    assert "tanpa sasaran" in figures_row(row(), period)
    with app.test_request_context():
        session["lang"] = "en"
        refresh()
        assert "no target" in figures_row(row(), period)
    refresh()
    assert "tanpa sasaran" in figures_row(row(), period)
