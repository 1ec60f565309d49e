"""Charts: Python lays out the geometry, `templates/_charts.html` draws offline SVG from it."""

import re
from datetime import date, timedelta

import pytest
from flask import render_template_string
from flask_babel import refresh

from outreach.participation.charts import spark, time_series


@pytest.fixture(autouse=True)
def indonesian():
    """Forget a language an earlier test cached in the shared app context: labels read in Indonesian."""
    refresh()


def draw(chart, title="Scans & <bots>") -> str:
    return render_template_string(
        '{% from "_charts.html" import time_series %}{{ time_series(chart, title, "Per day", "Average") }}',
        chart=chart,
        title=title,
    )


def test_a_sparkline_spans_its_box_and_marks_the_last_day():
    line = spark([0, 5, 10])
    assert line.points == "0.0,22.0 50.0,12.0 100.0,2.0"
    assert (line.last_x, line.last_y) == ("100.0", "2.0")
    assert spark([]) is None


def test_the_time_series_draws_a_bar_per_day_under_a_round_axis_with_drive_markers():
    first = date(2026, 10, 1)
    points = [(first + timedelta(days=i), float(i), i / 2) for i in range(14)]
    html = draw(time_series(points, markers=[(first + timedelta(days=3), "Bus <Kedaton>"), (date(2027, 1, 1), "far")]))
    svg = html[html.index("<svg") :]
    assert svg.startswith('<svg class="chart" viewBox="0 0 800 260"') and html.endswith("</svg>")
    assert '<title id="chart-title">Scans &amp; &lt;bots&gt;</title>' in html
    assert len(re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" class="bar">', html)) == 14
    # The tallest bar (13) rounds the axis up to 20, labelled in quarters.
    assert re.findall(r'text-anchor="end" class="tick">([^<]+)<', html) == ["0", "5", "10", "15", "20"]
    assert "<title>1 Okt 2026: 0</title>" in html and "<title>14 Okt 2026: 13</title>" in html
    # Only the drive inside the range is marked, its name escaped.
    assert html.count('class="marker"') == 1 and "<title>Bus &lt;Kedaton&gt;</title>" in html
    assert len(re.findall(r'text-anchor="middle" class="tick">', html)) == 7  # every second day labelled
    assert html.count('class="marker-label"') == 1  # a visible mark at the top of the drive's line
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org", "")


def test_no_data_draws_no_chart():
    assert time_series([]) is None
    assert draw(None) == ""


def test_on_a_phone_the_days_come_as_bars_latest_first_with_drives_named_and_older_days_folded():
    first = date(2026, 10, 1)
    points = [(first + timedelta(days=i), float(i), i / 2) for i in range(20)]
    chart = time_series(points, markers=[(first + timedelta(days=18), "Bus <Kedaton>")])
    assert [d.day.day for d in chart.days][:3] == [20, 19, 18]  # latest first
    assert len(chart.days) == 14 and [d.day.day for d in chart.earlier] == [6, 5, 4, 3, 2, 1]
    assert chart.days[0].share == 100 and chart.days[-1].share == round(6 / 19 * 100)
    html = draw(chart)
    phone = html[: html.index("<svg")]
    assert '<div class="phone-chart">' in phone and "hari terbaru di atas" in phone
    assert phone.index("Sel 20 Okt") < phone.index("Sen 19 Okt")
    assert "▲ Kegiatan: Bus &lt;Kedaton&gt;" in phone
    assert "<summary>Hari sebelumnya (6)</summary>" in phone
    assert 'class="pd-fill pd-w100"' in phone  # bar lengths are classes: the CSP allows no inline styles
    assert "style=" not in html
