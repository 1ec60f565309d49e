"""Drive planning pages: list, month calendar, create/edit with double-booking warnings, calendar feeds."""

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_login import current_user

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.auth.decorators import public, roles_required, signed_in
from outreach.campaign import EDITOR_ROLES, PRINTED_CHANNELS, PROMOTER, ROLES, STAFF_ROLES
from outreach.clock import to_wib, wib_to_utc
from outreach.drives.feeds import build_calendar, feed_drives, feed_of, issue_feed_token, revoke_feed, user_for_token
from outreach.drives.forms import DriveFilterForm, DriveForm, DriveLinksForm, FeedForm, RevokeFeedForm
from outreach.drives.labels import kind_label, status_label
from outreach.drives.links import default_channels, default_target, drive_links, generate_drive_links
from outreach.drives.models import CANCELLED, DRIVE_KINDS, Drive
from outreach.drives.services import (
    DriveData,
    can_view,
    create_drive,
    drives_between,
    filter_drives,
    kecamatan_choices,
    load_by_ids,
    month_grid,
    month_window,
    plan_warnings,
    promoters_in_areas,
    starts_after_deadline,
    survey_deadline,
    update_drive,
    visible_drives,
    warnings_signature,
)
from outreach.extensions import db
from outreach.links.flyers import render_flyers
from outreach.links.forms import options
from outreach.links.models import SurveyTarget
from outreach.links.public_base import base_url_notice, base_url_refusal
from outreach.links.services import LinkError, list_targets
from outreach.metrics.drives import (
    area_link_ids,
    chart_points,
    nearby_drives,
    own_link_ids,
    report_windows,
    scope_figures,
)
from outreach.metrics.figures import drive_uplift
from outreach.metrics.scans import totals_by_link
from outreach.models import utcnow
from outreach.pickers.services import (
    FILTER_LEVELS,
    PickerState,
    area_options,
    area_options_by,
    promoter_options,
    promoter_options_by_ids,
)
from outreach.promoters.models import Promoter
from outreach.rollouts.models import ACCEPTED, RolloutSlot
from outreach.rollouts.services import slot_drive_times
from outreach.security import no_referrer
from outreach.uow import unit_of_work

bp = Blueprint("drives", __name__)
PER_PAGE = 40
NEW_FEED_TOKEN = "drives_new_feed_token"


@bp.context_processor
def _labels() -> dict:
    return {
        "kind_label": kind_label,
        "status_label": status_label,
        "kinds": DRIVE_KINDS,
    }


@bp.app_template_filter("wib_range")
def wib_range(drive: Drive) -> str:
    """'30 Sep 2026 20.00–22.00 WIB', or both dates when the drive runs past midnight WIB."""
    start_day, start_time = format_date(drive.starts_at, "medium"), format_time(drive.starts_at, "short")
    end_day, end_time = format_date(drive.ends_at, "medium"), format_time(drive.ends_at, "short")
    if to_wib(drive.starts_at).date() == to_wib(drive.ends_at).date():
        return f"{start_day} {start_time}–{end_time} WIB"
    return f"{start_day} {start_time} – {end_day} {end_time} WIB"


@bp.app_template_filter("wib_time_on")
def wib_time_on(drive: Drive, day: date) -> str:
    """The drive's start time on its first WIB day, 'until 01.00' on the days it runs on into."""
    if to_wib(drive.starts_at).date() == day:
        return format_time(drive.starts_at, "short")
    if to_wib(drive.ends_at).date() == day:
        return _("until %(time)s", time=format_time(drive.ends_at, "short"))
    return _("all day")


@bp.app_template_filter("rupiah")
def rupiah(amount: int) -> str:
    """'Rp 1.500.000'."""
    return "Rp " + f"{amount:,}".replace(",", ".")


@bp.app_template_filter("day_span")
def day_span(first: date, last: date) -> str:
    """'1 Okt 2026', '21–27 Okt 2026' or '29 Okt – 3 Nov 2026'."""
    if first == last:
        return format_date(first, "d MMM yyyy")
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{format_date(last, 'd MMM yyyy')}"
    return f"{format_date(first, 'd MMM')} – {format_date(last, 'd MMM yyyy')}"


@bp.app_template_filter("month_name")
def month_name(day: date) -> str:
    """'Oktober 2026'."""
    return format_date(day, "LLLL yyyy")


@bp.app_template_filter("month_short")
def month_short(day: date) -> str:
    """'Okt 2026'."""
    return format_date(day, "LLL yyyy")


@bp.app_template_filter("weekday_short")
def weekday_short(day: date) -> str:
    """'Sen', 'Sel', … in the current language."""
    return format_date(day, "EEE")


def spi_deadline(on: date | None = None) -> date | None:
    """The last day (WIB) of the SPI survey of a day's year (today's by default), if known."""
    return survey_deadline(on or clock.today())


def _filters() -> tuple[DriveFilterForm, dict]:
    form = DriveFilterForm(formdata=request.args)
    form.load_choices(kecamatan_choices())
    form.validate()
    kecamatan = db.session.get(Area, form.kecamatan.data) if form.kecamatan.data and not form.kecamatan.errors else None
    kecamatan = kecamatan if kecamatan is not None and kecamatan.level == "kecamatan" else None
    # The kecamatan picker: without JavaScript, a typed search (?kecamatan_q=) lists kecamatan to tick.
    query = request.args.get("kecamatan_q", "")
    form.kecamatan_picker = PickerState.of(
        area_options_by([kecamatan.id]) if kecamatan else [], query, area_options(query, FILTER_LEVELS)
    )
    values = {
        "kecamatan": kecamatan,
        "kind": form.kind.data if not form.kind.errors else None,
        "status": form.status.data if not form.status.errors else None,
    }
    return form, values


def _filter_args() -> dict[str, str]:
    """The filter values of the query string, to carry over between the list and the calendar."""
    return {k: v for k, v in request.args.items() if k in ("kecamatan", "kind", "status") and v}


def _load_visible(drive_id: int) -> Drive:
    drive = db.get_or_404(Drive, drive_id)
    if not can_view(current_user, drive):
        abort(403)
    return drive


@bp.route("/")
@roles_required(*ROLES)
def index():
    """Drives the user may see, upcoming first (or past ones, newest first), with filters."""
    form, values = _filters()
    when = request.args.get("when", "upcoming")
    stmt = filter_drives(visible_drives(current_user), **values)
    now = utcnow()
    if when == "past":
        stmt = stmt.where(Drive.ends_at <= now).order_by(Drive.starts_at.desc(), Drive.id.desc())
    elif when == "all":
        stmt = stmt.order_by(Drive.starts_at.desc(), Drive.id.desc())
    else:
        when = "upcoming"
        stmt = stmt.where(Drive.ends_at > now).order_by(Drive.starts_at, Drive.id)
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template("drives/index.html", form=form, page=page, when=when, filters=_filter_args())


@bp.route("/calendar")
@roles_required(*ROLES)
def calendar():
    """A month of drives by WIB day; works as a grid on desktops and as a day list on phones."""
    today = clock.today()
    year = request.args.get("year", type=int) if "year" in request.args else today.year
    month = request.args.get("month", type=int) if "month" in request.args else today.month
    if year is None or month is None or not 2000 <= year <= 2100 or not 1 <= month <= 12:
        abort(404)
    first = date(year, month, 1)
    form, values = _filters()
    start, end = month_window(year, month)
    drives = drives_between(filter_drives(visible_drives(current_user), **values), start, end)
    weeks = month_grid(year, month, drives, deadline=spi_deadline(first))
    previous = date(year - (month == 1), (month - 2) % 12 + 1, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return render_template(
        "drives/calendar.html",
        form=form,
        weeks=weeks,
        first=first,
        previous=previous,
        following=following,
        filters=_filter_args(),
        drive_count=len(drives),
    )


def _data_from(form: DriveForm) -> DriveData:
    """The form's values as DriveData, WIB times turned into UTC."""
    areas = load_by_ids(Area, form.areas.data)
    starts_at = wib_to_utc(form.starts_at.data)
    promoters = load_by_ids(Promoter, form.promoters.data)
    if form.add_area_promoters.data:
        promoters = list({p.id: p for p in promoters + promoters_in_areas(areas, form.starts_at.data.date())}.values())
    slot = _rollout_slot(form.rollout_slot.data)
    return DriveData(
        kind=form.kind.data,
        title=form.title.data,
        starts_at=starts_at,
        ends_at=wib_to_utc(form.ends_at.data),
        audience=form.audience.data,
        areas=areas,
        opds=load_by_ids(Opd, form.opds.data),
        promoters=promoters,
        place_name=form.place_name.data or "",
        place_note=form.place_note.data or "",
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        cost=form.cost.data,
        status=form.status.data,
        notes=form.notes.data or "",
        attendance=form.attendance.data,
        rollout_slot_id=slot.id if slot is not None else None,
    )


def _rollout_slot(value: str | int | None) -> RolloutSlot | None:
    """The accepted plan's unit a new drive is made for, from the form or the address; None otherwise."""
    try:
        slot_id = int(value or 0)
    except ValueError:
        return None
    slot = db.session.get(RolloutSlot, slot_id) if slot_id > 0 else None
    return slot if slot is not None and slot.plan.status == ACCEPTED else None


def _slot_problem(slot: RolloutSlot | None, data: DriveData) -> str | None:
    """Why a drive cannot realise its rollout plan's unit: it must reach that unit, once."""
    if slot is None:
        return None
    if slot.unit not in data.areas and slot.unit not in data.opds:
        return _(
            "This drive was opened from the rollout plan for %(unit)s: keep %(unit)s among its targets, or plan"
            " the drive outside the plan.",
            unit=slot.name,
        )
    if slot.live_drives:
        return _("%(unit)s already has its drive in this rollout plan.", unit=slot.name)
    return None


def _from_slot(slot: RolloutSlot) -> dict:
    """Form values for a drive made from a rollout plan's unit: its kind, audience, unit and week."""
    starts_at, ends_at = slot_drive_times(slot)
    plan = slot.plan
    return {
        "kind": plan.kind,
        "title": f"{kind_label(plan.kind)} – {slot.name}",
        "starts_at": to_wib(starts_at).replace(tzinfo=None),
        "ends_at": to_wib(ends_at).replace(tzinfo=None),
        "areas": [slot.area_id] if slot.area_id else [],
        "opds": [slot.opd_id] if slot.opd_id else [],
        "audience": plan.audience,
        "status": "planned",
        "notes": plan.name,
        "add_area_promoters": True,  # the unit's own promoters run its drive
        "rollout_slot": str(slot.id),
    }


def _form_data(drive: Drive) -> dict:
    """A drive as form values, times as WIB wall-clock."""
    return {
        "kind": drive.kind,
        "title": drive.title,
        "starts_at": to_wib(drive.starts_at).replace(tzinfo=None),
        "ends_at": to_wib(drive.ends_at).replace(tzinfo=None),
        "areas": [a.id for a in drive.areas],
        "opds": [o.id for o in drive.opds],
        "promoters": [p.id for p in drive.promoters],
        "audience": drive.audience,
        "place_name": drive.place_name,
        "place_note": drive.place_note,
        "latitude": drive.latitude,
        "longitude": drive.longitude,
        "cost": drive.cost,
        "status": drive.status,
        "attendance": drive.attendance,
        "notes": drive.notes,
    }


def _pickers(form: DriveForm) -> dict[str, PickerState]:
    """The area and promoter pickers; a search pressed without JavaScript fills their results."""
    area_q = request.form.get("areas_q", "") if request.method == "POST" else ""
    promoter_q = request.form.get("promoters_q", "") if request.method == "POST" else ""
    area_ids = [i for i in form.areas.data or [] if isinstance(i, int)]
    promoter_ids = [i for i in form.promoters.data or [] if isinstance(i, int)]
    within = load_by_ids(Area, area_ids)
    return {
        "areas": PickerState.of(area_options_by(area_ids), area_q, area_options(area_q)),
        "promoters": PickerState.of(
            promoter_options_by_ids(promoter_ids), promoter_q, promoter_options(promoter_q, within)
        ),
    }


def _render_form(form: DriveForm, drive: Drive | None, warnings=(), status: int = 200):
    return render_template(
        "drives/form.html", form=form, drive=drive, warnings=warnings, pickers=_pickers(form)
    ), status


def _save(form: DriveForm, drive: Drive | None):
    """Validate, warn about double bookings until confirmed, then save; returns a response."""
    form.load_choices(current_promoters=drive.promoters if drive else (), current_areas=drive.areas if drive else ())
    if request.method == "POST" and request.form.get("find"):
        return _render_form(form, drive)  # a picker's search without JavaScript: show results, save nothing
    if not form.validate_on_submit():
        return _render_form(form, drive, status=400 if request.method == "POST" else 200)
    data = _data_from(form)
    slot = db.session.get(RolloutSlot, data.rollout_slot_id) if data.rollout_slot_id else None  # identity map
    if drive is None and (problem := _slot_problem(slot, data)):
        form.areas.errors.append(problem)
        return _render_form(form, drive, status=400)
    deadline = spi_deadline(form.starts_at.data.date())
    if starts_after_deadline(data, deadline):
        form.starts_at.errors.append(
            _(
                "The SPI survey closes on %(date)s: people reached after that can no longer answer, so this drive"
                " cannot raise participation. Choose a day on or before the deadline.",
                date=format_date(deadline, "d MMM yyyy"),
            )
        )
        return _render_form(form, drive, status=400)
    warnings = plan_warnings(data, deadline, exclude_id=drive.id if drive else None)
    signature = warnings_signature(warnings)
    if warnings and not (form.confirm.data and form.acknowledged.data == signature):
        form.acknowledged.data = signature
        form.promoters.data = [p.id for p in data.promoters]
        form.add_area_promoters.data = False
        return _render_form(form, drive, warnings)
    if drive is None:
        drive = create_drive(data, actor=current_user._get_current_object())
        message = _("Drive “%(title)s” planned.", title=drive.title)
    else:
        update_drive(drive, data, actor=current_user._get_current_object())
        message = _("Drive “%(title)s” saved.", title=drive.title)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("drives.show", drive_id=drive.id))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def create():
    """Plan a new drive."""
    defaults = {"audience": "eksternal", "status": "planned"}
    slot = _rollout_slot(request.args.get("rollout_slot"))
    if slot is not None:
        defaults = _from_slot(slot)
    return _save(DriveForm(data=defaults), None)


@bp.route("/<int:drive_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def edit(drive_id: int):
    """Change a drive, mark it done with its attendance, or cancel it."""
    drive = db.get_or_404(Drive, drive_id)
    return _save(DriveForm(data=_form_data(drive)), drive)


def _links_form(drive: Drive) -> DriveLinksForm:
    target = default_target(drive)
    form = DriveLinksForm(data={"target": target.id if target else None, "channels": default_channels(drive)})
    form.target.choices = options(
        (t.id, t.name) for t in list_targets(active_only=True) if t.audience == drive.audience
    )
    return form


def _own_promoter_id() -> int | None:
    """The promoter whose links the current user may see on drive pages, or None for staff (all)."""
    return (current_user.promoter_id or 0) if current_user.role == PROMOTER else None


def _render_show(drive: Drive, links_form: DriveLinksForm, status: int = 200):
    links = drive_links(drive, promoter_id=_own_promoter_id())
    return render_template(
        "drives/show.html",
        drive=drive,
        links=links,
        link_stats=totals_by_link([link.id for link in links]),
        links_form=links_form,
        can_edit=current_user.role in EDITOR_ROLES,
        show_people=current_user.role in STAFF_ROLES,
        show_phones=current_user.role in EDITOR_ROLES,
        rollout_slot=db.session.get(RolloutSlot, drive.rollout_slot_id) if drive.rollout_slot_id else None,
        **base_url_notice(),
    ), status


@bp.route("/<int:drive_id>")
@roles_required(*ROLES)
def show(drive_id: int):
    """One drive; promoters see only drives they take part in, and no one else's name or links."""
    drive = _load_visible(drive_id)
    return _render_show(drive, _links_form(drive))


@bp.route("/<int:drive_id>/links", methods=["POST"])
@roles_required(*EDITOR_ROLES)
def generate_links(drive_id: int):
    """Make the drive's links: one per participating promoter and chosen channel; a re-run adds only new ones."""
    drive = db.get_or_404(Drive, drive_id)
    form = _links_form(drive)
    if not form.validate_on_submit():
        return _render_show(drive, form, 400)
    try:
        with unit_of_work():
            result = generate_drive_links(
                drive, db.get_or_404(SurveyTarget, form.target.data), form.channels.data, actor=current_user
            )
    except LinkError as exc:
        flash(str(exc), "error")
        return redirect(url_for("drives.show", drive_id=drive.id))
    flash(
        _(
            "%(created)d links created, %(skipped)d skipped (the promoter already has one).",
            created=len(result.created),
            skipped=result.skipped,
        ),
        "success",
    )
    return redirect(url_for("drives.show", drive_id=drive.id) + "#links")


@bp.route("/<int:drive_id>/flyers.pdf")
@roles_required(*EDITOR_ROLES)
def flyers(drive_id: int):
    """All active links of the drive for print (not WhatsApp) as one flyer PDF (?layout=1|4|8)."""
    drive = db.get_or_404(Drive, drive_id)
    layout = request.args.get("layout", 4, type=int)
    if layout not in (1, 4, 8):
        abort(404)
    if refusal := base_url_refusal():
        return refusal
    links = [link for link in drive_links(drive, active_only=True) if link.channel in PRINTED_CHANNELS]
    if not links:
        flash(_("This drive has no active links for print yet (WhatsApp links are not printed)."), "error")
        return redirect(url_for("drives.show", drive_id=drive.id))
    data = render_flyers(links, layout, title=f"Selebaran SPI {drive.title}")
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="flyers-drive-{drive.id}-{layout}.pdf"',
            "Cache-Control": "private, no-cache",
        },
    )


# The uplift page bootstraps its interval with many resamples; the report shows only the point figure
# (cost per additional respondent), which does not depend on the resamples.
REPORT_RESAMPLES = 200


@bp.route("/<int:drive_id>/report")
@roles_required(*ROLES)
def report(drive_id: int):
    """Scans before, during and after the drive by its own links and all links of its areas and OPDs.

    A promoter sees it only for drives they take part in, and then only their own links' numbers.
    """
    drive = _load_visible(drive_id)
    windows = report_windows(drive)
    promoter_id = _own_promoter_id()
    own = scope_figures(own_link_ids(drive, promoter_id), windows)
    area_ids = area_link_ids(drive) if promoter_id is None else None
    area = scope_figures(area_ids, windows) if area_ids is not None else None
    uplift = None
    if promoter_id is None and drive.cost and drive.status != CANCELLED:
        uplift = drive_uplift(drive, resamples=REPORT_RESAMPLES)
    return render_template(
        "drives/report.html",
        drive=drive,
        windows=windows,
        own=own,
        area=area,
        uplift=uplift,
        points=chart_points(own if area is None else area, windows),
        chart_scope="own" if area_ids is None else "area",
        today=clock.today(),
        is_staff=promoter_id is None,
        link_count=len(drive_links(drive, promoter_id=promoter_id)),
        nearby=nearby_drives(drive, windows) if promoter_id is None else [],
    )


@bp.route("/feed", methods=["GET"])
@signed_in
def feed():
    """The user's calendar address: turn it on, reset it, or turn it off."""
    token = session.pop(NEW_FEED_TOKEN, None)
    feed_url = url_for("drives.feed_ics", token=token, _external=True) if token else None
    webcal_url = "webcal://" + feed_url.split("://", 1)[1] if feed_url else None
    return render_template(
        "drives/feed.html",
        feed=feed_of(current_user),
        feed_url=feed_url,
        webcal_url=webcal_url,
        form=FeedForm(),
        revoke_form=RevokeFeedForm(),
        whole_campaign=current_user.role != PROMOTER,
    )


@bp.route("/feed", methods=["POST"])
@signed_in
def feed_create():
    """Make a new secret calendar address; the old one stops working at once."""
    if not FeedForm().validate_on_submit():
        abort(400)
    token = issue_feed_token(current_user._get_current_object())
    db.session.commit()
    # Shown once on the next page, then only its hash remains.
    session[NEW_FEED_TOKEN] = token
    flash(_("Your new calendar address is ready. Copy it now: it is shown only once."), "success")
    return redirect(url_for("drives.feed"))


@bp.route("/feed/revoke", methods=["POST"])
@signed_in
def feed_revoke():
    """Turn the calendar address off."""
    if not RevokeFeedForm().validate_on_submit():
        abort(400)
    if revoke_feed(current_user._get_current_object()):
        db.session.commit()
        flash(_("Your calendar address no longer works."), "success")
    return redirect(url_for("drives.feed"))


@bp.route("/feed/<token>.ics", methods=["GET"])
@public  # calendar apps cannot sign in: the secret token checked below is the access rule
def feed_ics(token: str):
    """The .ics feed for calendar apps; the secret token in the address stands in for a login."""
    user = user_for_token(token)
    if user is None:
        abort(404)
    now = utcnow()
    drives = feed_drives(user, now)
    name = _("SPI drives (mine)") if user.role == PROMOTER else _("SPI drives, Kota Bandar Lampung")
    body = build_calendar(
        drives,
        name=name,
        drive_url=lambda d: url_for("drives.show", drive_id=d.id, _external=True),
        uid_domain=urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "outreach",
        now=now,
    )
    db.session.commit()
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="drives.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    no_referrer()
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
