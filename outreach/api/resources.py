"""The /api/v1 endpoints: thin views that authorise like the UI and call the same services."""

from flask import abort
from flask_login import current_user
from sqlalchemy import false, or_, select

from outreach import clock
from outreach.api import schemas as s
from outreach.api.core import ID, make_blueprint, paginate, problem, unprocessable
from outreach.areas.models import Area, Opd
from outreach.auth.decorators import roles_required, signed_in
from outreach.campaign import ADMIN, EDITOR_ROLES, PROMOTER, STAFF_ROLES
from outreach.drives.models import Drive
from outreach.drives.services import can_view, filter_drives, visible_drives
from outreach.extensions import db
from outreach.imports.problems import ImportRefused
from outreach.imports.reading import read_checked
from outreach.links import destinations
from outreach.links import services as links
from outreach.links.models import DestinationRule, Link, SurveyTarget
from outreach.metrics.figures import current_round, parse_unit_codes, uplift_report
from outreach.metrics.rollouts import drive_effects, plan_report
from outreach.metrics.scans import link_figures, scan_summary
from outreach.participation.imports import import_counts
from outreach.participation.models import RespondentCount, Target
from outreach.participation.services import CountError, record_count, units_by_code
from outreach.promoters import services as promoters
from outreach.promoters.models import Assignment, Promoter
from outreach.rollouts.models import RolloutPlan
from outreach.rollouts.services import visible_plans
from outreach.uow import unit_of_work

areas_bp = make_blueprint("api_areas", "Areas (kota, kecamatan, kelurahan, RW, RT) and OPDs")
promoters_bp = make_blueprint("api_promoters", "Promoters and their area assignments")
links_bp = make_blueprint("api_links", "Survey targets, tracked links and scan figures")
drives_bp = make_blueprint("api_drives", "Outreach drives")
participation_bp = make_blueprint("api_participation", "Respondent counts and targets")


def blueprints() -> list:
    """Every API blueprint, in the order of the spec."""
    return [areas_bp, promoters_bp, links_bp, drives_bp, participation_bp]


def _get(model, object_id: int, field: str | None = None):
    """The row, or 404 (422 naming the field when the id came in the body)."""
    row = db.session.get(model, object_id)
    if row is None:
        if field:
            abort(_field_problem(field, f"no {model.__tablename__} with id {object_id}"))
        abort(404)
    return row


def _where(line: int | None, column: str | None, sheet: str | None = None) -> str:
    """Where an import problem is: 'line 3, column count', 'line 3', 'file', or in a workbook
    'sheet Jumlah responden, row 3, column jumlah' and 'sheet Jumlah responden'."""
    if sheet:
        if line is None:
            return f"sheet {sheet}"
        return f"sheet {sheet}, row {line}, column {column}" if column else f"sheet {sheet}, row {line}"
    if line is None:
        return "file"
    return f"line {line}, column {column}" if column else f"line {line}"


def _field_problem(field: str, message: str):
    return problem(422, f"{field}: {message}", [{"location": "json", "field": field, "messages": [message]}])


def _own_promoter_only(promoter_id: int | None) -> None:
    """A promoter may act only on their own objects (403 otherwise), as in the UI."""
    if current_user.role == PROMOTER and (current_user.promoter_id is None or promoter_id != current_user.promoter_id):
        abort(403)


# --- areas and OPDs ---------------------------------------------------------------------------


@areas_bp.route("/areas", methods=["GET"])
@roles_required(*STAFF_ROLES)
@areas_bp.arguments(s.AreaQuery, location="query")
@areas_bp.response(200, s.AreaPage)
def areas(args):
    """Areas, optionally searched by name or code and narrowed to a level or a parent."""
    stmt = select(Area)
    if args.get("q"):
        term = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(Area.name.ilike(term), Area.code.ilike(term)))
    if args.get("level"):
        stmt = stmt.where(Area.level == args["level"])
    if args.get("parent_id"):
        stmt = stmt.where(Area.parent_id == args["parent_id"])
    return paginate(stmt, args, Area)


@areas_bp.route(f"/areas/<{ID}:area_id>", methods=["GET"])
@roles_required(*STAFF_ROLES)
@areas_bp.response(200, s.AreaSchema)
def area(area_id: int):
    """One area."""
    return _get(Area, area_id)


@areas_bp.route("/opds", methods=["GET"])
@roles_required(*STAFF_ROLES)
@areas_bp.arguments(s.OpdQuery, location="query")
@areas_bp.response(200, s.OpdPage)
def opds(args):
    """OPDs (city agencies), optionally searched and narrowed to a kind or active ones."""
    stmt = select(Opd)
    if args.get("q"):
        term = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(Opd.name.ilike(term), Opd.code.ilike(term)))
    if args.get("kind"):
        stmt = stmt.where(Opd.kind == args["kind"])
    if "active" in args:
        stmt = stmt.where(Opd.active.is_(args["active"]))
    return paginate(stmt, args, Opd)


@areas_bp.route(f"/opds/<{ID}:opd_id>", methods=["GET"])
@roles_required(*STAFF_ROLES)
@areas_bp.response(200, s.OpdSchema)
def opd(opd_id: int):
    """One OPD."""
    return _get(Opd, opd_id)


# --- promoters and assignments ----------------------------------------------------------------


@promoters_bp.route("/promoters", methods=["GET"])
@roles_required(*STAFF_ROLES)
@promoters_bp.arguments(s.PromoterQuery, location="query")
@promoters_bp.response(200, s.PromoterPage)
def promoters_list(args):
    """Promoters for staff (phones for editors only), filtered like the promoter list of the UI."""
    filters = promoters.PromoterFilters(
        q=(args.get("q") or "").strip() or None,
        role=args.get("role"),
        opd=db.session.get(Opd, args["opd_id"]) if args.get("opd_id") else None,
        active={"1": True, "0": False, "all": None}[args["active"]],
    )
    if args.get("opd_id") and filters.opd is None:
        return {"items": [], "page": args["page"], "page_size": args["page_size"], "total": 0}
    return paginate(promoters.promoter_query(filters), args, Promoter)


@promoters_bp.route(f"/promoters/<{ID}:promoter_id>", methods=["GET"])
@signed_in
@promoters_bp.response(200, s.PromoterSchema)
def promoter(promoter_id: int):
    """One promoter: staff see any, a promoter only themselves."""
    found = _get(Promoter, promoter_id)
    _own_promoter_only(found.id)
    return found


@promoters_bp.route(f"/promoters/<{ID}:promoter_id>/assignments", methods=["GET"])
@signed_in
@promoters_bp.response(200, s.AssignmentSchema(many=True))
def assignments(promoter_id: int):
    """A promoter's assignment history, current and ended."""
    found = _get(Promoter, promoter_id)
    _own_promoter_only(found.id)
    return sorted(promoters.assignment_history(found), key=lambda a: a.id)


@promoters_bp.route(f"/promoters/<{ID}:promoter_id>/assignments", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@promoters_bp.arguments(s.AssignIn)
@promoters_bp.response(201, s.AssignmentSchema)
def assign(data, promoter_id: int):
    """Assign the promoter to an area from a day (today by default)."""
    found = _get(Promoter, promoter_id)
    area_row = _get(Area, data["area_id"], "area_id")
    try:
        with unit_of_work():
            assignment = promoters.assign_promoter(found, area_row, data["start_date"], actor=current_user)
    except promoters.PromoterError as error:
        unprocessable(error)
    return assignment


@promoters_bp.route(f"/assignments/<{ID}:assignment_id>/end", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@promoters_bp.arguments(s.EndAssignmentIn)
@promoters_bp.response(200, s.AssignmentSchema)
def end_assignment(data, assignment_id: int):
    """End an assignment on a day (today by default); it stays in the history."""
    assignment = _get(Assignment, assignment_id)
    try:
        with unit_of_work():
            promoters.unassign_promoter(assignment, data["end_date"], actor=current_user)
    except promoters.PromoterError as error:
        unprocessable(error)
    return assignment


# --- survey targets, links, scans ---------------------------------------------------------------


@links_bp.route("/survey-targets", methods=["GET"])
@roles_required(*STAFF_ROLES)
@links_bp.response(200, s.SurveyTargetSchema(many=True))
def survey_targets():
    """The survey addresses links lead to."""
    return sorted(links.list_targets(), key=lambda t: t.id)


@links_bp.route("/survey-targets", methods=["POST"])
@roles_required(ADMIN)
@links_bp.arguments(s.SurveyTargetIn)
@links_bp.response(201, s.SurveyTargetSchema)
def create_survey_target(data):
    """Add a survey target (admin); its URL must be on the survey host allowlist."""
    try:
        with unit_of_work():
            target = links.create_target(data["name"], data["audience"], data["url"], actor=current_user)
    except links.LinkError as error:
        unprocessable(error)
    return target


@links_bp.route(f"/survey-targets/<{ID}:target_id>/rules", methods=["GET"])
@roles_required(*STAFF_ROLES)
@links_bp.response(200, s.DestinationRuleSchema(many=True))
def destination_rules(target_id: int):
    """A survey target's destination rules by date (WIB days), earliest first."""
    return destinations.target_rules(_get(SurveyTarget, target_id))


@links_bp.route(f"/survey-targets/<{ID}:target_id>/rules", methods=["POST"])
@roles_required(ADMIN)
@links_bp.arguments(s.DestinationRuleIn)
@links_bp.response(201, s.DestinationRuleSchema)
def create_destination_rule(data, target_id: int):
    """Add a destination rule (admin): an information page before the survey opens ('opening', needs
    ends_on), a thank-you page after it ('closed', needs starts_on), another survey target ('target')
    or another allowlisted https address ('url') from starts_on on. Rules of a target never overlap."""
    target = _get(SurveyTarget, target_id)
    next_target = _get(SurveyTarget, data["next_target_id"], "next_target_id") if data["next_target_id"] else None
    try:
        with unit_of_work():
            rule = destinations.create_rule(
                target, data["kind"], data["starts_on"], data["ends_on"], next_target, data["url"], actor=current_user
            )
    except links.LinkError as error:
        unprocessable(error)
    return rule


@links_bp.route(f"/survey-targets/<{ID}:target_id>/rules/<{ID}:rule_id>", methods=["DELETE"])
@roles_required(ADMIN)
@links_bp.response(204)
def delete_destination_rule(target_id: int, rule_id: int):
    """Remove a destination rule (admin); visits it sent keep its id."""
    rule = _get(DestinationRule, rule_id)
    if rule.target_id != target_id:
        abort(404)
    destinations.delete_rule(rule, actor=current_user)
    db.session.commit()


def _link_out(link: Link) -> dict:
    return {
        **{key: getattr(link, key) for key in s.LinkSchema().fields if key != "short_url"},
        "short_url": links.short_url(link.code),
    }


def _visible_links(args: dict):
    """The links the caller may list: staff all (filtered), a promoter only their own."""
    stmt = links.links_query(target_id=args.get("target_id"), channel=args.get("channel"), active=args.get("active"))
    if current_user.role == PROMOTER:
        if current_user.promoter_id is None:
            return stmt.where(false())
        stmt = stmt.where(Link.promoter_id == current_user.promoter_id)
    for key, column in (("area_id", Link.area_id), ("opd_id", Link.opd_id), ("promoter_id", Link.promoter_id)):
        if args.get(key):
            stmt = stmt.where(column == args[key])
    return stmt


@links_bp.route("/links", methods=["GET"])
@signed_in
@links_bp.arguments(s.LinkQuery, location="query")
@links_bp.response(200, s.LinkPage)
def links_list(args):
    """Tracked links: staff see all, a promoter only their own."""
    page = paginate(_visible_links(args), args, Link)
    return {**page, "items": [_link_out(link) for link in page["items"]]}


@links_bp.route("/links", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@links_bp.arguments(s.LinkIn)
@links_bp.response(201, s.LinkSchema)
def create_link(data):
    """Create one tracked link."""
    target = _get(SurveyTarget, data["target_id"], "target_id")
    area_row = _get(Area, data["area_id"], "area_id")
    owner = _get(Promoter, data["promoter_id"], "promoter_id") if data["promoter_id"] else None
    opd_row = _get(Opd, data["opd_id"], "opd_id") if data["opd_id"] else None
    try:
        with unit_of_work():
            link = links.create_link(
                target, area_row, data["channel"], owner, opd_row, data["label"], actor=current_user
            )
    except links.LinkError as error:
        unprocessable(error)
    return _link_out(link)


@links_bp.route("/links/bulk", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@links_bp.arguments(s.BulkLinksIn)
@links_bp.response(201, s.BulkLinksOut)
def bulk_links(data):
    """One link per active promoter of a kecamatan/kelurahan or OPD per channel (existing ones skipped)."""
    target = _get(SurveyTarget, data["target_id"], "target_id")
    scope = _get(Area, data["area_id"], "area_id") if data["area_id"] else _get(Opd, data["opd_id"], "opd_id")
    try:
        with unit_of_work():
            result = links.bulk_create_links(
                target, scope, list(dict.fromkeys(data["channels"])), data["label"], actor=current_user
            )
    except links.LinkError as error:
        unprocessable(error)
    return {"created": [_link_out(link) for link in result.created], "skipped": result.skipped}


@links_bp.route(f"/links/<{ID}:link_id>", methods=["GET"])
@signed_in
@links_bp.response(200, s.LinkSchema)
def link(link_id: int):
    """One link: staff see any, a promoter only their own."""
    found = _get(Link, link_id)
    _own_promoter_only(found.promoter_id)
    return _link_out(found)


@links_bp.route(f"/links/<{ID}:link_id>/deactivate", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@links_bp.response(200, s.LinkSchema)
def deactivate_link(link_id: int):
    """Deactivate a link: its scans then answer 410 and are not counted."""
    found = _get(Link, link_id)
    links.set_link_active(found, False, actor=current_user)
    db.session.commit()
    return _link_out(found)


def _totals(figures) -> dict:
    return {name: getattr(figures, name) for name in s.TotalsSchema().fields}


@links_bp.route(f"/links/<{ID}:link_id>/stats", methods=["GET"])
@signed_in
@links_bp.arguments(s.StatsQuery, location="query")
@links_bp.response(200, s.LinkStatsSchema)
def link_stats(args, link_id: int):
    """A link's scan totals and its last days (WIB), zero-filled."""
    found = _get(Link, link_id)
    _own_promoter_only(found.promoter_id)
    figures = link_figures(found.id, days=args["days"])
    return {
        "link_id": found.id,
        "totals": _totals(figures.totals),
        "days": [{"day": day, **_totals(totals)} for day, totals in figures.days],
    }


@links_bp.route("/scans/summary", methods=["GET"])
@signed_in
@links_bp.arguments(s.SummaryQuery, location="query")
@links_bp.response(200, s.SummarySchema)
def scans_summary(args):
    """Scan totals by link, area, OPD, promoter or WIB day; a promoter gets only their own links."""
    visible = _visible_links({})
    return {"by": args["by"], "rows": scan_summary(args["by"], visible, args.get("since"), args.get("until"))}


# --- drives -------------------------------------------------------------------------------------


@drives_bp.route("/drives", methods=["GET"])
@signed_in
@drives_bp.arguments(s.DriveQuery, location="query")
@drives_bp.response(200, s.DrivePage)
def drives(args):
    """Drives: staff see all, a promoter only the ones they take part in."""
    stmt = filter_drives(visible_drives(current_user), kind=args.get("kind"), status=args.get("status"))
    return paginate(stmt, args, Drive)


@drives_bp.route(f"/drives/<{ID}:drive_id>", methods=["GET"])
@signed_in
@drives_bp.response(200, s.DriveSchema)
def drive(drive_id: int):
    """One drive, if the caller may see it."""
    found = _get(Drive, drive_id)
    if not can_view(current_user, found):
        abort(403)
    return found


# --- rollout plans and effects -------------------------------------------------------------------


def _estimate(est, said, last_day) -> dict:
    """An estimate and what may be said of it, as the API gives it."""
    return {
        "effect": None if est is None else est.effect,
        "low": None if est is None else est.low,
        "high": None if est is None else est.high,
        "randomised": bool(est is not None and est.randomised),
        "said": said.kind,
        "indicative": said.indicative,
        "n_treated": said.n_treated,
        "n_comparison": said.n_comparison,
        "draws": 0 if est is None else est.draws,
        "data_as_of": last_day,
    }


def _plan(report, detail: bool) -> dict:
    plan = report.plan
    found = {
        "id": plan.id, "name": plan.name, "level": plan.level, "kind": plan.kind, "audience": plan.audience,
        "first_week": plan.first_week, "weeks": plan.weeks, "per_week": plan.per_week, "seed": plan.seed,
        "status": plan.status, "followed": report.followed, "departures": report.departures,
    }  # fmt: skip
    if detail:
        found["slots"] = [
            {
                "unit": st.slot.unit.code,
                "name": st.slot.name,
                "drawn_week": st.slot.drawn_week,
                "planned_week": st.slot.week,
                "realised_week": st.realised,
                "state": st.state,
                "drive_id": st.drive.id if st.drive else None,
            }  # fmt: skip
            for st in report.slots
        ]
        found["changes"] = [
            {
                "unit": c.slot.unit.code,
                "from_week": c.from_week,
                "to_week": c.to_week,
                "reason": c.reason,
                "at": c.created_at,
            }
            for c in plan.changes
        ]
        found["estimate"] = _estimate(report.estimate, report.said, report.last_day)
    return found


@drives_bp.route("/rollouts", methods=["GET"])
@roles_required(*STAFF_ROLES)
@drives_bp.response(200, s.RolloutPlanSchema(many=True))
def rollouts():
    """Rollout plans with how many units got their drive in the week drawn for them."""
    today = clock.today()
    return [_plan(plan_report(p, today, draws=0), detail=False) for p in visible_plans()]


@drives_bp.route(f"/rollouts/<{ID}:plan_id>", methods=["GET"])
@roles_required(*STAFF_ROLES)
@drives_bp.response(200, s.RolloutPlanDetail)
def rollout(plan_id: int):
    """One plan: its seed, each unit's drawn, planned and realised week, the changes and the effect so far."""
    return _plan(plan_report(_get(RolloutPlan, plan_id), clock.today()), detail=True)


@drives_bp.route("/effects", methods=["GET"])
@roles_required(*STAFF_ROLES)
@drives_bp.arguments(s.EffectQuery, location="query")
@drives_bp.response(200, s.EffectSchema(many=True))
def effects(args):
    """The effect of each kind of drive, kecamatan, OPD and drive (drives placed by choice: indicative)."""
    found = drive_effects(clock.today(), args["panel"])
    return [
        {
            "panel": args["panel"],
            "group": r.group,
            "key": r.key,
            "label": r.label,
            **_estimate(r.estimate, r.said, found.last_day),
        }
        for r in found.rows
    ]


# --- participation ------------------------------------------------------------------------------


@participation_bp.route("/participation/counts", methods=["GET"])
@roles_required(*EDITOR_ROLES)
@participation_bp.arguments(s.CountQuery, location="query")
@participation_bp.response(200, s.CountPage)
def counts(args):
    """Recorded respondent counts (editors, as on the counts page)."""
    stmt = select(RespondentCount)
    if args.get("since"):
        stmt = stmt.where(RespondentCount.day >= args["since"])
    if args.get("until"):
        stmt = stmt.where(RespondentCount.day <= args["until"])
    return paginate(stmt, args, RespondentCount)


@participation_bp.route("/participation/counts", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@participation_bp.arguments(s.CountIn)
@participation_bp.response(201, s.ImportResultSchema)
def create_count(data):
    """Record one count, with the same rules as an import."""
    unit = units_by_code().get(data["unit"].strip().lower())
    if unit is None:
        abort(_field_problem("unit", f"unknown unit code {data['unit']!r}"))
    try:
        with unit_of_work():
            result = record_count(
                data["day"], unit, data["audience"], data["kind"], data["count"], data["source"], current_user
            )
    except CountError as error:
        unprocessable(error)
    return result


@participation_bp.route("/participation/counts/import", methods=["POST"])
@roles_required(*EDITOR_ROLES)
@participation_bp.arguments(s.CountImportForm, location="form")
@participation_bp.arguments(s.CountImportIn, location="files")
@participation_bp.response(201, s.ImportResultSchema)
def import_counts_file(form, files):
    """Import a counts CSV (same format as the UI), all or nothing; problems name line and column."""
    upload = files["file"]
    try:
        with unit_of_work():
            result = import_counts(read_checked(upload), current_user, form["source"].strip(), filename=upload.filename)
    except ImportRefused as error:
        items = [
            {"location": "files", "field": _where(p.line, p.column, p.sheet), "messages": [str(p.message)]}
            for p in error.problems
        ]
        abort(problem(422, str(error), items))
    return result


@participation_bp.route("/participation/targets", methods=["GET"])
@roles_required(*STAFF_ROLES)
@participation_bp.arguments(s.TargetQuery, location="query")
@participation_bp.response(200, s.TargetPage)
def targets(args):
    """Respondent targets per unit and audience, optionally of one survey round."""
    stmt = select(Target)
    if args.get("round_id"):
        stmt = stmt.where(Target.round_id == args["round_id"])
    return paginate(stmt, args, Target)


@participation_bp.route("/participation/uplift", methods=["GET"])
@roles_required(*STAFF_ROLES)
@participation_bp.arguments(s.UpliftQuery, location="query")
@participation_bp.response(200, s.UpliftSchema)
def uplift(args):
    """Additional respondents in the treated units over the window (difference-in-differences), as on the
    uplift page."""
    treated, unknown = parse_unit_codes(args["units"])
    custom, unknown_custom = parse_unit_codes(args["compare"])
    for field, codes in (("units", unknown), ("compare", unknown_custom)):
        if codes:
            abort(
                problem(
                    422,
                    f"{field}: unknown unit codes {', '.join(codes)}",
                    [{"location": "query", "field": field, "messages": [f"unknown: {', '.join(codes)}"]}],
                )
            )
    report = uplift_report(
        treated,
        args["start"],
        args["end"],
        audience=args.get("audience"),
        mode=args["comparison"],
        custom=custom,
        round_=current_round(),
    )
    return {
        "start": report.start,
        "end": report.end,
        "audience": report.audience,
        "areas": report.areas,
        "opds": report.opds,
        "extra_total": report.extra_total,
    }
