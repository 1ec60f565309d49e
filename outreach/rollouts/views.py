"""Rollout plan pages: list, new plan, the schedule drawn/planned/realised with its effect, changes, report."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.auth.decorators import roles_required
from outreach.campaign import EDITOR_ROLES, STAFF_ROLES
from outreach.drives.labels import kind_label
from outreach.drives.services import survey_deadline
from outreach.extensions import db
from outreach.imports.writing import csv_response
from outreach.metrics.progress import data_reach
from outreach.metrics.rollouts import drive_effects, plan_report
from outreach.metrics.staggered import Estimate
from outreach.rollouts.forms import AcceptForm, MoveForm, PlanForm
from outreach.rollouts.models import DRAFT, RolloutPlan, RolloutSlot
from outreach.rollouts.services import PlanData, PlanError, accept_plan, create_plan, move_slot, visible_plans
from outreach.uow import unit_of_work

bp = Blueprint("rollouts", __name__)


@bp.context_processor
def _labels() -> dict:
    return {"kind_label": kind_label, "filters": {}, "active": "rollouts"}


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    """Every rollout plan with how closely it was followed."""
    today = clock.today()
    plans = [(plan, plan_report(plan, today, draws=0)) for plan in visible_plans()]
    return render_template("rollouts/index.html", plans=plans, can_edit=current_user.role in EDITOR_ROLES)


def _kecamatan_groups(form: PlanForm) -> list[tuple[str, list[tuple[str, str]]]]:
    """The kelurahan choices grouped by kecamatan (name), then the OPDs, for the template."""
    names: dict[str, str] = {
        code: name for code, name in db.session.execute(select(Area.code, Area.name).where(Area.level == "kecamatan"))
    }
    groups: dict[str, list[tuple[str, str]]] = {}
    for value, label in form.units.choices or []:
        level, code = value.split(":", 1)
        group = names.get(code.rsplit(".", 1)[0], "") if level == "kelurahan" else "OPD"
        groups.setdefault(group, []).append((value, label))
    return list(groups.items())


def _plan_data(form: PlanForm) -> PlanData:
    """The form's values with the chosen units loaded; raises PlanError naming a bad unit."""
    chosen = form.units.data or []
    level = chosen[0].split(":", 1)[0] if chosen else "kelurahan"
    codes = [v.split(":", 1)[1] for v in chosen]
    units: list[Area | Opd] = (
        list(db.session.scalars(select(Opd).where(Opd.code.in_(codes)).order_by(Opd.code)))
        if level == "opd"
        else list(db.session.scalars(select(Area).where(Area.code.in_(codes)).order_by(Area.code)))
    )
    by_code = {u.code: u for u in units}
    blocked: dict[int, list] = {}
    for code, week in form.blocked_weeks():
        if code not in by_code:
            raise PlanError(_("Weeks a unit cannot take: %(code)s is not one of the chosen units.", code=code))
        blocked.setdefault(by_code[code].id, []).append(week)
    return PlanData(
        name=form.name.data,
        level=level,
        kind=form.kind.data,
        audience=form.audience.data,
        first_week=form.first_week.data,
        weeks=form.weeks.data,
        per_week=form.per_week.data,
        units=units,
        blocked=blocked,
        notes=form.notes.data or "",
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def create():
    """Draw a schedule for a new plan from a fresh seed; it stays a draft until accepted."""
    form = PlanForm()
    form.load_choices()
    if form.validate_on_submit():
        try:
            data = _plan_data(form)
            with unit_of_work():
                plan = create_plan(
                    data, survey_deadline(form.first_week.data), actor=current_user._get_current_object()
                )
        except (PlanError, ValueError) as error:
            flash(str(error), "error")
        else:
            flash(_("Schedule drawn. Check it, move a unit if you must (say why), then accept it."), "success")
            return redirect(url_for("rollouts.show", plan_id=plan.id))
        status = 400
    else:
        status = 400 if form.is_submitted() else 200
    return render_template("rollouts/new.html", form=form, groups=_kecamatan_groups(form)), status


def _move_form(plan: RolloutPlan) -> MoveForm:
    form = MoveForm()
    form.slot.choices = [(s.id, s.name) for s in sorted(plan.slots, key=lambda s: s.name)]
    form.week.choices = [(w.isoformat(), w.isoformat()) for w in plan.week_list]
    return form


def _render_show(plan: RolloutPlan, move_form: MoveForm, status: int = 200):
    today = clock.today()
    return render_template(
        "rollouts/show.html",
        plan=plan,
        report=plan_report(plan, today),
        move_form=move_form,
        accept_form=AcceptForm(),
        can_edit=current_user.role in EDITOR_ROLES,
        today=today,
        reach=data_reach("respondents", plan.audience, today),
    ), status


@bp.route("/<int:plan_id>")
@roles_required(*STAFF_ROLES)
def show(plan_id: int):
    """The schedule as drawn, as planned now and as realised, the changes with their reasons, the effect."""
    plan = db.get_or_404(RolloutPlan, plan_id)
    return _render_show(plan, _move_form(plan))


@bp.route("/<int:plan_id>/accept", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def accept(plan_id: int):
    """Accept the schedule; drives can then be made from it."""
    plan = db.get_or_404(RolloutPlan, plan_id)
    if not AcceptForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            accept_plan(plan, actor=current_user._get_current_object())
    except PlanError as error:
        flash(str(error), "error")
    else:
        flash(_("Plan accepted. Make each unit's drive from the schedule below."), "success")
    return redirect(url_for("rollouts.show", plan_id=plan.id))


@bp.route("/<int:plan_id>/move", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def move(plan_id: int):
    """Move one unit to another week, recording why."""
    plan = db.get_or_404(RolloutPlan, plan_id)
    form = _move_form(plan)
    if not form.validate_on_submit():
        return _render_show(plan, form, 400)
    slot = db.session.get(RolloutSlot, form.slot.data)
    if slot is None or slot.plan_id != plan.id:
        form.slot.errors.append(_("Choose a unit of this plan."))
        return _render_show(plan, form, 400)
    try:
        with unit_of_work():
            move_slot(slot, date.fromisoformat(form.week.data), form.reason.data, current_user._get_current_object())
    except (PlanError, ValueError) as error:
        form.week.errors.append(str(error))
        return _render_show(plan, form, 400)
    flash(
        _("%(unit)s moved to the week of %(week)s. The change is recorded.", unit=slot.name, week=form.week.data),
        "success",
    )
    return redirect(url_for("rollouts.show", plan_id=plan.id))


@bp.route("/<int:plan_id>/slots/<int:slot_id>/drive")
@roles_required(*EDITOR_ROLES)
def make_drive(plan_id: int, slot_id: int):
    """Open the drive form filled in from the plan for one unit (the drive links back to the plan)."""
    slot = db.get_or_404(RolloutSlot, slot_id)
    if slot.plan_id != plan_id:
        abort(404)
    if slot.plan.status == DRAFT:
        flash(_("Accept the plan before making its drives."), "error")
        return redirect(url_for("rollouts.show", plan_id=plan_id))
    return redirect(url_for("drives.create", rollout_slot=slot.id))


def _rounded(est: Estimate | None) -> list[float | str]:
    """An estimate's effect and 95% range for a CSV, to three decimals; empty where unknown."""
    values = (est.effect, est.low, est.high) if est is not None else (None, None, None)
    return ["" if v is None else round(v, 3) for v in values]


def _plan_rows(plan: RolloutPlan):
    report = plan_report(plan, clock.today())
    est, said = report.estimate, report.said
    header = [
        "plan_id", "unit_code", "unit_name", "drawn_week", "planned_week", "realised_week", "state", "drive_id",
        "effect_per_unit_per_day", "low_95", "high_95", "randomised", "n_treated", "n_comparison", "data_as_of",
    ]  # fmt: skip
    rows = []
    for s in report.slots:
        rows.append([
            plan.id, s.slot.unit.code, s.slot.name, s.slot.drawn_week, s.slot.week, s.realised or "", s.state,
            s.drive.id if s.drive else "", *_rounded(est),
            report.randomised, said.n_treated, said.n_comparison, report.last_day or "",
        ])  # fmt: skip
    return header, rows


@bp.route("/<int:plan_id>.csv")
@roles_required(*STAFF_ROLES)
def export(plan_id: int):
    """The plan's units with drawn, planned and realised weeks and the plan's estimate, for analysts."""
    plan = db.get_or_404(RolloutPlan, plan_id)
    header, rows = _plan_rows(plan)
    return csv_response(f"rollout-{plan.id}.csv", header, rows)


@bp.route("/effects")
@roles_required(*STAFF_ROLES)
def effects():
    """The effect of each kind of drive, each kecamatan's drives, each OPD's and each drive, in words."""
    today = clock.today()
    return render_template(
        "rollouts/effects.html",
        areas=drive_effects(today, "kelurahan"),
        opds=drive_effects(today, "opd"),
        plans=[plan_report(p, today) for p in visible_plans()],
        reach=data_reach("respondents", None, today),
    )


@bp.route("/effects.csv")
@roles_required(*STAFF_ROLES)
def effects_export():
    """Every effect row with its estimate, interval and unit counts, for analysts."""
    today = clock.today()
    header = [
        "panel", "group", "key", "label", "effect_per_unit_per_day", "low_95", "high_95", "randomised",
        "said", "indicative", "n_treated", "n_comparison", "data_as_of",
    ]  # fmt: skip
    rows = []
    for panel in ("kelurahan", "opd"):
        found = drive_effects(today, panel)
        for r in found.rows:
            e = r.estimate
            rows.append([
                panel, r.group, r.key, r.label, *_rounded(e), e.randomised,
                r.said.kind, r.said.indicative, e.n_treated, e.n_comparison, found.last_day or "",
            ])  # fmt: skip
    for plan in visible_plans():
        report = plan_report(plan, today)
        e = report.estimate
        if e is None or e.effect is None:
            continue
        rows.append([
            "plan", "plan", plan.id, plan.name, *_rounded(e), e.randomised, report.said.kind, report.said.indicative,
            e.n_treated, e.n_comparison, report.last_day or "",
        ])  # fmt: skip
    return csv_response("drive-effects.csv", header, rows)
