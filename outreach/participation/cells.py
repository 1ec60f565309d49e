"""Table cells the dashboard renders hundreds of times per page, in Python rather than Jinja macros."""

from urllib.parse import quote

from flask_babel import gettext as _
from markupsafe import Markup, escape

from outreach.metrics.cache import per_request
from outreach.participation.charts import unit_sparkline
from outreach.templating import decimal, number

MISSING = Markup('<span class="muted">–</span>')


def pct(value: float | None, signed: bool = False) -> Markup:
    """A share as a whole percentage (0.42 → 42%, signed → +42%), or a muted dash when unknown."""
    if value is None:
        return MISSING
    return Markup(f"{value * 100:+.0f}%" if signed else f"{value * 100:.0f}%")


def on_track_badge(value: bool | None) -> Markup:
    """Whether the forecast reaches the target, as a badge ("no target" when there is none)."""
    return per_request("participation.on_track_badges", _badges)[value]


def _badges() -> dict[bool | None, Markup]:
    """The three badges in the request's language (translated once per request, not once per row)."""
    return {
        None: Markup('<span class="muted">{}</span>').format(_("no target")),
        True: Markup('<span class="badge ok">{}</span>').format(_("on track")),
        False: Markup('<span class="badge behind">{}</span>').format(_("behind")),
    }


def _titles() -> dict[str, str]:
    """The row cells' tooltips in the request's language (translated once per request)."""
    return {
        "no_change": _("The window before the range lies before the round started."),
        "derived": _("sum of the units below"),
    }


def figures_row(row, period, drill_url: str = "", uplift_url: str = "") -> Markup:
    """One row of a dashboard figures table (see `participation/_figures.html`), built here: a Jinja
    row of a dozen filtered cells cost about 0.1 ms, and a dashboard shows about a hundred rows.

    `drill_url` links the unit's name (its code replaces ``__unit__``); `uplift_url` gets the unit's code.
    """
    titles = per_request("participation.row_titles", _titles)
    code = quote(row.code, safe="/")
    label = escape(row.label)
    unit = Markup(f'<a href="{escape(drill_url.replace("__unit__", code))}">{label}</a>') if drill_url else label
    change = row.change_per_day(period)
    change_cell = (
        Markup(f'<span class="muted" title="{escape(titles["no_change"])}">–</span>')
        if change is None
        else decimal(change, signed=True)
    )
    uplift = row.peer_uplift
    uplift_cell = (
        MISSING
        if uplift is None
        else Markup(f'<a href="{escape(uplift_url)}&amp;units={code}">{decimal(uplift, signed=True)}</a>')
    )
    if row.target:
        derived = f'<sup title="{escape(titles["derived"])}">Σ</sup>' if row.target_derived else ""
        target_cell = Markup(f"{number(row.target)}{derived}")
    else:
        target_cell = MISSING
    rate_cell = MISSING if row.rate is None else decimal(row.rate)
    return Markup(
        f'<tr><th scope="row" class="unit">{unit}</th>'
        f'<td class="num">{number(row.range_count)}</td>'
        f'<td class="num">{change_cell}</td>'
        f'<td class="num">{uplift_cell}</td>'
        f'<td class="num">{number(row.to_date)}</td>'
        f'<td class="num">{target_cell}</td>'
        f'<td class="num">{pct(row.progress)}</td>'
        f'<td class="num">{number(int(round(row.forecast, 0)))}</td>'
        f"<td>{on_track_badge(row.on_track)}</td>"
        f'<td class="num">{rate_cell}</td>'
        f'<td class="num">{pct(row.vs_baseline, signed=True)}</td>'
        f'<td class="spark-cell">{unit_sparkline(row.spark, row.label)}</td></tr>'
    )
