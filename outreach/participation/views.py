"""Leadership dashboard, uplift, and the coordinators' pages for counts, targets and baselines."""

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from outreach.areas.models import Area
from outreach.auth.decorators import roles_required
from outreach.campaign import AUDIENCES, EDITOR_ROLES, STAFF_ROLES
from outreach.drives.models import Drive
from outreach.extensions import db, import_limit
from outreach.imports.flow import confirm_upload, preview_upload
from outreach.metrics.figures import (
    FOLLOW_DAYS,
    area_rows,
    by_path,
    city_daily,
    city_figures,
    current_round,
    drive_markers,
    drive_treated,
    drive_window,
    make_period,
    opd_rows,
    parse_unit_codes,
    ranked_drives,
    uplift_report,
    with_drives,
    with_moving_average,
)
from outreach.metrics.progress import DataReach, data_reach, data_span, status_labels
from outreach.metrics.rankings import drive_ranking, promoter_ranking
from outreach.metrics.respondents import DEFAULT_SOURCE, SOURCES, get_source
from outreach.metrics.uplift import claim
from outreach.participation import charts, exports
from outreach.participation.forms import (
    CountConfirmForm,
    CountForm,
    CountImportForm,
    FilterForm,
    PlanUploadForm,
    RoundForm,
    UpliftForm,
    unit_choices,
)
from outreach.participation.import_templates import BASELINE_TEMPLATE, COUNT_TEMPLATE, TARGET_TEMPLATE
from outreach.participation.imports import (
    apply_baseline_import,
    apply_count_import,
    apply_target_import,
    preview_baseline_import,
    preview_count_import,
    preview_target_import,
)
from outreach.participation.rows import figures_cells, row_html
from outreach.participation.services import (
    CountError,
    count_unit_choices,
    recent_counts,
    record_count,
    save_round,
    units_by_code,
)
from outreach.uow import unit_of_work

bp = Blueprint("participation", __name__)
bp.add_app_template_filter(charts.spark, "spark_geometry")
bp.add_app_template_global(charts.time_series, "time_series_layout")
bp.add_app_template_global(status_labels, "statuses")
bp.add_app_template_global(charts.before_after, "before_after_layout")
bp.add_app_template_global(claim, "uplift_claim")
bp.add_app_template_global(figures_cells)
bp.add_app_template_global(row_html)


def _source_key(form: FilterForm) -> str:
    """The series asked for; by default respondent counts where there are any, else our scans."""
    form.source.choices = [SelectChoice(key, str(src.label)) for key, src in SOURCES.items()]
    if form.source.data in SOURCES and "source" in request.args:
        return form.source.data
    key = DEFAULT_SOURCE if data_span(DEFAULT_SOURCE, None) else "scans"
    form.source.data = key
    return key


def _period_or_none(form: FilterForm, reach: DataReach):
    """The range asked for, ending at the series' last day with data; None without a round."""
    round_ = current_round()
    if round_ is None:
        return None
    valid = form.validate()
    return make_period(round_, form.start.data if valid else None, form.end.data if valid else None, reach=reach)


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    """City progress, the kecamatan table, OPD tables and the city's daily series."""
    form = FilterForm(request.args)
    key = _source_key(form)
    reach = data_reach(key)
    period = _period_or_none(form, reach)
    if period is None:
        return render_template("participation/no_round.html"), 200
    audience = form.audience.data if form.audience.data in AUDIENCES else "eksternal"
    city = {aud: city_figures(period, aud, key) for aud in AUDIENCES}
    daily = city_daily(period, None, source_key=key)
    points = with_moving_average(daily, period.start, period.end, period.round.starts_on)
    return render_template(
        "participation/index.html",
        form=form,
        period=period,
        reach=reach,
        audience=audience,
        source=get_source(key),
        city=city,
        points=points,
        kecamatan=with_drives(by_path(area_rows(period, audience, source_key=key)), period.round),
        opds={aud: with_drives(by_path(opd_rows(period, aud, key)), period.round) for aud in AUDIENCES},
        markers=drive_markers(period.start, period.end),
        promoters=promoter_ranking(period.start, period.end),
        drive_ranks=drive_ranking(period.start, period.end, key),
    )


@bp.route("/kecamatan/<code>")
@roles_required(*STAFF_ROLES)
def kecamatan(code: str):
    """Drill-down: the kelurahan of one kecamatan."""
    area = db.first_or_404(select(Area).where(Area.code == code, Area.level == "kecamatan"))
    form = FilterForm(request.args)
    key = _source_key(form)
    reach = data_reach(key)
    period = _period_or_none(form, reach)
    if period is None:
        return render_template("participation/no_round.html"), 200
    audience = form.audience.data if form.audience.data in AUDIENCES else "eksternal"
    summary = next(r for r in area_rows(period, audience, source_key=key, sparks=False) if r.unit == area)
    daily = get_source(key).daily([area], period.start - timedelta(days=6), period.end, audience)[area]
    return render_template(
        "participation/kecamatan.html",
        form=form,
        period=period,
        reach=reach,
        audience=audience,
        source=get_source(key),
        area=area,
        summary=summary,
        rows=with_drives(by_path(area_rows(period, audience, area, source_key=key)), period.round),
        points=with_moving_average(daily, period.start, period.end, period.round.starts_on),
        markers=drive_markers(period.start, period.end, within=area),
    )


@bp.route("/export/<table>.csv")
@roles_required(*STAFF_ROLES)
def export(table: str):
    """Any dashboard table as CSV (formula-safe), for the same filter."""
    form = FilterForm(request.args)
    key = _source_key(form)
    period = _period_or_none(form, data_reach(key))
    if period is None:
        abort(404)
    audience = form.audience.data if form.audience.data in AUDIENCES else "eksternal"
    if table == "promoters":
        body = exports.promoters_csv(promoter_ranking(period.start, period.end, limit=None), period)
        return _csv_response(body, f"promotor-{period.start}-{period.end}.csv")
    if table == "kecamatan":
        rows, name = area_rows(period, audience, source_key=key, sparks=False), f"kecamatan-{audience}"
    elif table == "kelurahan":
        parent = db.first_or_404(
            select(Area).where(Area.code == request.args.get("kecamatan", ""), Area.level == "kecamatan")
        )
        rows, name = area_rows(period, audience, parent, key, sparks=False), f"kelurahan-{parent.code}-{audience}"
    elif table in ("opd-eksternal", "opd-internal"):
        aud = table.removeprefix("opd-")
        rows, name = opd_rows(period, aud, key, sparks=False), table
    elif table == "city":
        rows, name = [city_figures(period, aud, key)[0] for aud in AUDIENCES], "kota"
    else:
        abort(404)
    body = exports.figures_csv(rows, period)
    if key != DEFAULT_SOURCE:
        name = f"{key}-{name}"
    return _csv_response(body, f"partisipasi-{name}-{period.start}-{period.end}.csv")


def _csv_response(body: str, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/uplift")
@roles_required(*STAFF_ROLES)
def uplift():
    """Difference-in-differences for chosen units and window, with the method explained."""
    form = UpliftForm(request.args)
    choices = unit_choices(count_unit_choices(("kecamatan", "kelurahan")))
    form.units.choices = choices
    form.compare.choices = choices
    form.source.choices = [SelectChoice(key, str(src.label)) for key, src in SOURCES.items()]
    report = None
    status = 200
    drive = db.session.get(Drive, request.args.get("drive", type=int) or 0)
    if request.args:
        if form.validate():
            treated, _unknown = parse_unit_codes(form.units.data)
            custom, _unknown = parse_unit_codes(form.compare.data or [])
            report = uplift_report(
                treated,
                form.start.data,
                form.end.data,
                audience=form.audience.data or None,
                mode=form.comparison.data,
                custom=custom,
                source_key=form.source.data,
                round_=current_round(),
                drive=drive,
            )
            if request.args.get("format") == "csv":
                return _csv_response(exports.uplift_csv(report), f"uplift-{form.start.data}-{form.end.data}.csv")
        else:
            status = 400
    reach = data_reach(form.source.data if form.source.data in SOURCES else DEFAULT_SOURCE)
    return render_template(
        "participation/uplift.html", form=form, report=report, follow_days=FOLLOW_DAYS, reach=reach
    ), status


@bp.route("/drives/<int:drive_id>")
@roles_required(*STAFF_ROLES)
def drive(drive_id: int):
    """The uplift page filled in for one drive: its units, audience and window."""
    return redirect(drive_uplift_url(db.get_or_404(Drive, drive_id)))


def drive_uplift_url(item: Drive) -> str:
    """The uplift page for one drive: its units, audience and window, compared within the kecamatan."""
    start, end = drive_window(item)
    return url_for(
        "participation.uplift",
        drive=item.id,
        start=start,
        end=end,
        units=[u.code for u in drive_treated(item)],
        audience=item.audience,
        comparison="kecamatan",
    )


@bp.route("/drives")
@roles_required(*STAFF_ROLES)
def drives():
    """Drives ranked by the additional respondents they most likely brought."""
    return render_template("participation/drives.html", reports=ranked_drives(), reach=data_reach())


@bp.route("/counts")
@roles_required(*EDITOR_ROLES)
def counts():
    """Recent counts with the form for one count and the CSV import."""
    form = CountForm()
    form.unit.choices = unit_choices(count_unit_choices())
    return render_template("participation/counts.html", form=form, import_form=CountImportForm(), rows=recent_counts())


@bp.route("/counts", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def add_count():
    """Record one count from the form."""
    form = CountForm()
    form.unit.choices = unit_choices(count_unit_choices())
    if form.validate_on_submit():
        unit = units_by_code().get(form.unit.data.lower())
        try:
            with unit_of_work():
                record_count(
                    form.day.data,
                    unit,
                    form.audience.data,
                    form.kind.data,
                    form.count.data,
                    form.source.data,
                    current_user,
                )
        except CountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Count saved."), "success")
            return redirect(url_for("participation.counts"))
    return render_template(
        "participation/counts.html", form=form, import_form=CountImportForm(), rows=recent_counts()
    ), 400


def _counts_import_page() -> dict:
    return {
        "title": _("Import respondent counts"),
        "url": url_for("participation.counts"),
        "done_url": url_for("participation.counts"),
        "action": url_for("participation.import_counts_view"),
        "confirm_action": url_for("participation.confirm_counts_import"),
        "template_kind": COUNT_TEMPLATE.kind,
        "sheet": COUNT_TEMPLATE.sheet,
        "columns": "; ".join(COUNT_TEMPLATE.header()),
        "example": ";".join(COUNT_TEMPLATE.header())
        + "\n2026-10-01;18.71.01.1003;eksternal;42;harian;Laporan KPK\n2026-10-01;inspektorat;internal;310;kumulatif;",
        "help": _(
            "One figure per WIB day, unit, audience and source; a figure already recorded is replaced, so nothing "
            "is counted twice. jenis is harian (daily) or kumulatif (running total); sumber, when empty, is the "
            "source given below."
        ),
    }


@bp.route("/counts/import", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@import_limit
def import_counts_view():
    """Check a CSV or workbook of counts and show what importing it would change (nothing is written yet)."""
    form = CountImportForm()
    if not form.validate_on_submit():
        return render_template("imports/upload.html", form=form, page=_counts_import_page()), 400
    source = form.source.data.strip()
    return preview_upload(
        "counts",
        form,
        lambda text: preview_count_import(text, source),
        _counts_import_page(),
        CountConfirmForm(formdata=None, source=source),
    )


@bp.route("/counts/import/confirm", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@import_limit
def confirm_counts_import():
    """Import the checked counts, checked again first with the same source: all rows or none."""
    form = CountConfirmForm()
    return confirm_upload(
        "counts",
        lambda text: preview_count_import(text, form.source.data.strip()),
        apply_count_import,
        _counts_import_page(),
        form,
        CountImportForm(),
    )


@bp.route("/plan")
@roles_required(*EDITOR_ROLES)
def plan():
    """The survey round, and imports of targets and baselines."""
    round_ = current_round()
    form = RoundForm(obj=round_)
    return render_template(
        "participation/plan.html",
        round=round_,
        form=form,
        target_form=PlanUploadForm(prefix="targets"),
        baseline_form=PlanUploadForm(prefix="baselines"),
    )


@bp.route("/rounds", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def save_round_view():
    """Create or change the survey round."""
    form = RoundForm()
    if form.validate_on_submit():
        save_round(form.name.data.strip(), form.year.data, form.starts_on.data, form.deadline.data, current_user)
        db.session.commit()
        flash(_("Survey round saved."), "success")
        return redirect(url_for("participation.plan"))
    return render_template(
        "participation/plan.html",
        round=current_round(),
        form=form,
        target_form=PlanUploadForm(prefix="targets"),
        baseline_form=PlanUploadForm(prefix="baselines"),
    ), 400


PLAN_IMPORTS = {
    "targets": (TARGET_TEMPLATE, preview_target_import, apply_target_import),
    "baselines": (BASELINE_TEMPLATE, preview_baseline_import, apply_baseline_import),
}


def _plan_import_page(kind: str, round_) -> dict:
    template = PLAN_IMPORTS[kind][0]
    titles = {
        "targets": _("Import targets for %(round)s", round=round_.name),
        "baselines": _("Import baselines for %(round)s", round=round_.name),
    }
    helps = {
        "targets": _(
            "One row per unit and audience: the number of respondents to reach this round. A target already "
            "set is replaced; units not in the file keep theirs."
        ),
        "baselines": _(
            "One row per unit and audience: the respondents of the previous round and, optionally, the "
            "population (residents of an area or employees of an OPD) for rates. Units not in the file keep theirs."
        ),
    }
    return {
        "title": titles[kind],
        "url": url_for("participation.plan"),
        "done_url": url_for("participation.plan"),
        "action": url_for("participation.import_plan", kind=kind),
        "confirm_action": url_for("participation.confirm_plan_import", kind=kind),
        "template_kind": template.kind,
        "sheet": template.sheet,
        "columns": "; ".join(template.header()),
        "example": ";".join(template.header()) + "\n" + ";".join(template.example()),
        "help": helps[kind],
    }


def _plan_round(kind: str):
    """The round a targets or baselines import is for (404 for another kind); None, said, when there is none."""
    if kind not in PLAN_IMPORTS:
        abort(404)
    round_ = current_round()
    if round_ is None:
        flash(_("Set up the survey round first."), "error")
    return round_


@bp.route("/plan/<kind>/import", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@import_limit
def import_plan(kind: str):
    """Check a file of targets or baselines for the current round and show what importing it would change."""
    round_ = _plan_round(kind)
    if round_ is None:
        return redirect(url_for("participation.plan"))
    form = PlanUploadForm(prefix=kind)
    if not form.validate_on_submit():
        return render_template("imports/upload.html", form=form, page=_plan_import_page(kind, round_)), 400
    preview = PLAN_IMPORTS[kind][1]
    return preview_upload(kind, form, lambda text: preview(text, round_), _plan_import_page(kind, round_))


@bp.route("/plan/<kind>/import/confirm", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@import_limit
def confirm_plan_import(kind: str):
    """Import the checked targets or baselines into the current round, checked again first: all rows or none."""
    round_ = _plan_round(kind)
    if round_ is None:
        return redirect(url_for("participation.plan"))
    _template, preview, apply = PLAN_IMPORTS[kind]
    return confirm_upload(
        kind,
        lambda text: preview(text, round_),
        apply,
        _plan_import_page(kind, round_),
        upload_form=PlanUploadForm(prefix=kind),
    )
