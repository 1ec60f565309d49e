"""CSV exports of the dashboard tables and of an uplift report (formula-safe, via imports.writing)."""

from collections.abc import Sequence
from typing import cast

from flask_babel import gettext as _

from outreach.areas.models import Area, Opd
from outreach.imports.writing import write_table
from outreach.metrics.figures import Figures, Period, UpliftReport


def _round(value: float | None, digits: int = 3):
    return "" if value is None else round(value, digits)


def figures_csv(rows: Sequence[Figures], period: Period) -> str:
    """One line per unit with every figure the table shows."""
    header = [
        "code",
        "name",
        "audience",
        "range_start",
        "range_end",
        "respondents_in_range",
        "respondents_previous_window",
        "uplift_per_day_vs_peers",
        "round_to_date",
        "target",
        "target_derived",
        "progress",
        "pace_per_day_last_7_days",
        "forecast_at_deadline",
        "forecast_low",
        "forecast_high",
        "on_track",
        "data_as_of",
        "expected_by_data_day",
        "gap_to_path",
        "status",
        "baseline_previous_round",
        "vs_baseline",
        "population_or_employees",
        "rate",
        "rate_per",
    ]
    body = [
        [
            r.code,
            r.label,
            r.audience or "",
            period.start.isoformat(),
            period.end.isoformat(),
            r.range_count,
            r.prev_count if r.change_per_day(period) is not None else "",
            _round(r.peer_uplift, 2),
            r.to_date,
            r.target or "",
            "yes" if r.target_derived else "no",
            _round(r.progress),
            _round(r.pace, 2),
            _round(r.forecast, 0),
            _round(r.forecast_low, 0),
            _round(r.forecast_high, 0),
            "" if r.on_track is None else ("yes" if r.on_track else "no"),
            period.as_of.isoformat(),
            _round(r.expected, 1),
            _round(r.gap, 1),
            r.status.value,
            r.baseline if r.baseline is not None else "",
            _round(r.vs_baseline),
            r.population or "",
            _round(r.rate, 2),
            r.per,
        ]
        for r in rows
    ]
    return write_table(header, body)


def uplift_csv(report: UpliftReport) -> str:
    """Per-unit and pooled uplift lines, with the units behind each figure and any explanation."""
    header = [
        "group",
        "code",
        "name",
        "pre_start",
        "pre_end",
        "post_start",
        "post_end",
        "pre_per_day",
        "post_per_day",
        "change_per_day",
        "comparison_change_per_day",
        "uplift_per_day",
        "ci95_low",
        "ci95_high",
        "n_treated",
        "n_comparison",
        "status",
        "note",
    ]
    body = []
    for group, result in (("area", report.areas), ("opd", report.opds)):
        if result is None:
            continue
        w = result.windows
        dates = [w.pre_start.isoformat(), w.pre_end.isoformat(), w.post_start.isoformat(), w.post_end.isoformat()]
        for u in result.units:
            unit = cast(Area | Opd, u.unit)
            body.append(
                [group, unit.code, report.labels.get(unit, ""), *dates]
                + [_round(u.pre_mean), _round(u.post_mean), _round(u.change), _round(u.comparison_change)]
                + [_round(u.uplift), _round(u.low), _round(u.high), 1, u.n_comparison, u.status, str(u.message)]
            )
        body.append(
            [group, "", _("All treated units"), *dates, "", "", _round(result.treated_change)]
            + [_round(result.comparison_change), _round(result.uplift), _round(result.low), _round(result.high)]
            + [result.n_treated, result.n_comparison, result.status, str(result.message)]
        )
    return write_table(header, body)


def promoters_csv(ranks: Sequence, period: Period) -> str:
    """The promoter ranking: scans and unique visitors of each promoter's links over the range."""
    header = ["rank", "promoter", "range_start", "range_end", "scans_without_bots", "unique_visitors", "links"]
    body = [
        [n, r.promoter.name, period.start.isoformat(), period.end.isoformat(), r.scans, r.unique_visitors, r.links]
        for n, r in enumerate(ranks, start=1)
    ]
    return write_table(header, body)
