"""Marshmallow schemas of the API's requests and responses (they are also the OpenAPI components)."""

import marshmallow as ma
from flask_login import current_user
from flask_smorest.fields import Upload
from webargs.fields import DelimitedList

from outreach.api.core import MAX_ID, Input, PageArgs, page_schema
from outreach.areas.models import LEVELS, OPD_KINDS
from outreach.campaign import AUDIENCES, CHANNELS, EDITOR_ROLES, PROMOTER, PROMOTER_ROLES
from outreach.links.models import RULE_KINDS
from outreach.metrics.figures import COMPARISON_MODES
from outreach.metrics.scans import DIMENSIONS
from outreach.participation.models import COUNT_KINDS

fields = ma.fields
validate = ma.validate


class Ref(ma.Schema):
    """A related row by id and name."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)


class AreaSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    label = fields.String(required=True)
    level = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    active = fields.Boolean(required=True)


class AreaQuery(PageArgs):
    q = fields.String(validate=validate.Length(max=80), metadata={"description": "Part of the name or code"})
    level = fields.String(validate=validate.OneOf(LEVELS))
    parent_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class OpdSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    area_id = fields.Integer(allow_none=True, required=True)
    active = fields.Boolean(required=True)


class OpdQuery(PageArgs):
    q = fields.String(validate=validate.Length(max=80))
    kind = fields.String(validate=validate.OneOf(OPD_KINDS))
    active = fields.Boolean()


class AssignmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    promoter_id = fields.Integer(required=True)
    area = fields.Nested(AreaSchema, required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, required=True)


class PromoterSchema(ma.Schema):
    """A promoter; the phone only for editors and for the promoter themselves, as in the UI."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    phone = fields.Method("visible_phone", allow_none=True, metadata={"description": "Editors and the promoter only"})
    active = fields.Boolean(required=True)
    opd_id = fields.Integer(allow_none=True, required=True)

    def visible_phone(self, promoter):
        """The E.164 phone when the caller may see it, else null."""
        own = current_user.role == PROMOTER and current_user.promoter_id == promoter.id
        return promoter.phone if own or current_user.role in EDITOR_ROLES else None


class PromoterQuery(PageArgs):
    q = fields.String(validate=validate.Length(max=80))
    role = fields.String(validate=validate.OneOf(PROMOTER_ROLES))
    opd_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    active = fields.String(load_default="1", validate=validate.OneOf(("1", "0", "all")))


class AssignIn(Input):
    area_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    start_date = fields.Date(load_default=None)


class EndAssignmentIn(Input):
    end_date = fields.Date(load_default=None)


class SurveyTargetSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    audience = fields.String(required=True)
    url = fields.String(required=True)
    active = fields.Boolean(required=True)


class SurveyTargetIn(Input):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    url = fields.String(required=True, validate=validate.Length(min=1, max=500))


class DestinationRuleSchema(ma.Schema):
    """A survey target's destination rule and where it leads (our own page, or an https address)."""

    id = fields.Integer(required=True)
    target_id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": ", ".join(RULE_KINDS)})
    starts_on = fields.Date(allow_none=True, required=True, metadata={"description": "First WIB day (null: always)"})
    ends_on = fields.Date(allow_none=True, required=True, metadata={"description": "Last WIB day (null: no end)"})
    next_target_id = fields.Integer(allow_none=True, required=True)
    url = fields.String(required=True, metadata={"description": "The address of a 'url' rule, else empty"})


class DestinationRuleIn(Input):
    kind = fields.String(required=True, validate=validate.OneOf(RULE_KINDS))
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    next_target_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_ID))
    url = fields.String(load_default="", validate=validate.Length(max=500))


class LinkSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    short_url = fields.String(required=True)
    target_id = fields.Integer(required=True)
    area_id = fields.Integer(required=True)
    opd_id = fields.Integer(allow_none=True, required=True)
    promoter_id = fields.Integer(allow_none=True, required=True)
    channel = fields.String(required=True)
    label = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class LinkQuery(PageArgs):
    target_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    area_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    opd_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    promoter_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    active = fields.Boolean()


class LinkIn(Input):
    target_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    area_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    promoter_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    opd_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    label = fields.String(load_default="", validate=validate.Length(max=120))


class BulkLinksIn(Input):
    """One link per active promoter of a kecamatan/kelurahan (area_id) or an OPD (opd_id) per channel."""

    target_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    area_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    opd_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    channels = fields.List(
        fields.String(validate=validate.OneOf(CHANNELS)),
        required=True,
        validate=validate.Length(min=1, max=len(CHANNELS)),
    )
    label = fields.String(load_default="", validate=validate.Length(max=120))

    @ma.validates_schema
    def one_scope(self, data, **_kwargs):
        """Exactly one of area_id and opd_id."""
        if (data.get("area_id") is None) == (data.get("opd_id") is None):
            raise ma.ValidationError("give exactly one of area_id and opd_id", "area_id")


class BulkLinksOut(ma.Schema):
    created = fields.List(fields.Nested(LinkSchema), required=True)
    skipped = fields.Integer(required=True)


class TotalsSchema(ma.Schema):
    scans = fields.Integer(required=True)
    unique_visitors = fields.Integer(required=True)
    bot_scans = fields.Integer(required=True)
    qr_scans = fields.Integer(required=True)
    typed_scans = fields.Integer(required=True)
    direct_scans = fields.Integer(required=True)
    human_scans = fields.Integer(required=True)


class DayTotalsSchema(TotalsSchema):
    day = fields.Date(required=True)


class LinkStatsSchema(ma.Schema):
    link_id = fields.Integer(required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    days = fields.List(fields.Nested(DayTotalsSchema), required=True)


class StatsQuery(Input):
    days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=90))


class SummaryQuery(Input):
    by = fields.String(required=True, validate=validate.OneOf(DIMENSIONS))
    since = fields.Date()
    until = fields.Date()


class SummaryRowSchema(TotalsSchema):
    key = fields.Raw(
        allow_none=True,
        required=True,
        metadata={"description": "Id of the link/area/OPD/promoter, or the WIB day", "type": "string"},
    )


class SummarySchema(ma.Schema):
    by = fields.String(required=True)
    rows = fields.List(fields.Nested(SummaryRowSchema), required=True)


class DriveSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    place_name = fields.String(required=True)
    latitude = fields.Float(allow_none=True, required=True)
    longitude = fields.Float(allow_none=True, required=True)
    audience = fields.String(required=True)
    status = fields.String(required=True)
    attendance = fields.Integer(allow_none=True, required=True)
    area_ids = fields.Method("get_area_ids", required=True)
    opd_ids = fields.Method("get_opd_ids", required=True)
    promoter_ids = fields.Method("get_promoter_ids", required=True)

    def get_area_ids(self, drive) -> list[int]:
        return [area.id for area in drive.areas]

    def get_opd_ids(self, drive) -> list[int]:
        return [opd.id for opd in drive.opds]

    def get_promoter_ids(self, drive) -> list[int]:
        return [promoter.id for promoter in drive.promoters]


class DriveQuery(PageArgs):
    kind = fields.String(validate=validate.Length(max=24))
    status = fields.String(validate=validate.Length(max=12))


class EstimateSchema(ma.Schema):
    """An effect per unit per day on respondents, with its 95% interval when the data supports one."""

    effect = fields.Float(allow_none=True, required=True, metadata={"description": "respondents per unit per day"})
    low = fields.Float(allow_none=True, required=True)
    high = fields.Float(allow_none=True, required=True)
    randomised = fields.Boolean(required=True, metadata={"description": "interval from the plan's own random draw"})
    said = fields.String(required=True, metadata={"description": "more, fewer, unclear or unknown"})
    indicative = fields.Boolean(required=True)
    n_treated = fields.Integer(required=True)
    n_comparison = fields.Integer(required=True)
    draws = fields.Integer(required=True)
    data_as_of = fields.Date(allow_none=True, required=True)


class RolloutSlotSchema(ma.Schema):
    unit = fields.String(required=True, metadata={"description": "kelurahan code or OPD code"})
    name = fields.String(required=True)
    drawn_week = fields.Date(required=True)
    planned_week = fields.Date(required=True)
    realised_week = fields.Date(allow_none=True, required=True)
    state = fields.String(required=True, metadata={"description": "followed, shifted, waiting or missed"})
    drive_id = fields.Integer(allow_none=True, required=True)


class RolloutChangeSchema(ma.Schema):
    unit = fields.String(required=True)
    from_week = fields.Date(required=True)
    to_week = fields.Date(required=True)
    reason = fields.String(required=True)
    at = fields.DateTime(required=True)


class RolloutPlanSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    kind = fields.String(required=True)
    audience = fields.String(required=True)
    first_week = fields.Date(required=True)
    weeks = fields.Integer(required=True)
    per_week = fields.Integer(required=True)
    seed = fields.Integer(required=True, metadata={"description": "draws the schedule again with rollouts.schedule"})
    status = fields.String(required=True)
    followed = fields.Integer(required=True)
    departures = fields.Integer(required=True)


class RolloutPlanDetail(RolloutPlanSchema):
    slots = fields.List(fields.Nested(RolloutSlotSchema), required=True)
    changes = fields.List(fields.Nested(RolloutChangeSchema), required=True)
    estimate = fields.Nested(EstimateSchema, required=True)


class EffectSchema(EstimateSchema):
    panel = fields.String(required=True, metadata={"description": "kelurahan (eksternal) or opd (internal)"})
    group = fields.String(required=True, metadata={"description": "kind, kecamatan, opd or drive"})
    key = fields.String(required=True)
    label = fields.String(required=True)


class EffectQuery(ma.Schema):
    panel = fields.String(load_default="kelurahan", validate=validate.OneOf(("kelurahan", "opd")))


class CountSchema(ma.Schema):
    id = fields.Integer(required=True)
    day = fields.Date(required=True)
    unit = fields.String(attribute="unit_code", required=True)
    audience = fields.String(required=True)
    kind = fields.String(required=True)
    reported = fields.Integer(required=True)
    daily = fields.Integer(required=True)
    source = fields.String(required=True)


class CountQuery(PageArgs):
    since = fields.Date()
    until = fields.Date()


class CountIn(Input):
    day = fields.Date(required=True)
    unit = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Area code (kota/kecamatan/kelurahan) or OPD code"},
    )
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    kind = fields.String(load_default="cumulative", validate=validate.OneOf(COUNT_KINDS))
    count = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000_000))
    source = fields.String(load_default="api", validate=validate.Length(min=1, max=60))


class ImportResultSchema(ma.Schema):
    rows = fields.Integer(required=True)
    added = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)


class CountImportIn(Input):
    file = Upload(required=True)


class CountImportForm(Input):
    source = fields.String(load_default="laporan", validate=validate.Length(min=1, max=60))


class TargetSchema(ma.Schema):
    id = fields.Integer(required=True)
    round_id = fields.Integer(required=True)
    unit = fields.String(attribute="unit_code", required=True)
    audience = fields.String(required=True)
    target = fields.Integer(required=True)


class TargetQuery(PageArgs):
    round_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


AreaPage = page_schema(AreaSchema, "AreaPage")
OpdPage = page_schema(OpdSchema, "OpdPage")
PromoterPage = page_schema(PromoterSchema, "PromoterPage")
LinkPage = page_schema(LinkSchema, "LinkPage")
DrivePage = page_schema(DriveSchema, "DrivePage")
CountPage = page_schema(CountSchema, "CountPage")
TargetPage = page_schema(TargetSchema, "TargetPage")


MAX_UPLIFT_DAYS = 366


class UpliftQuery(Input):
    """The post window, the treated units (codes) and how to pick the comparison, as on the uplift page."""

    start = fields.Date(required=True)
    end = fields.Date(required=True)
    units = DelimitedList(
        fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "Kecamatan/kelurahan/OPD codes, comma-separated"},
    )
    audience = fields.String(validate=validate.OneOf(AUDIENCES))
    comparison = fields.String(load_default="kecamatan", validate=validate.OneOf(COMPARISON_MODES))
    compare = DelimitedList(
        fields.String(validate=validate.Length(min=1, max=40)),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Comparison unit codes for comparison=custom"},
    )

    @ma.validates_schema
    def window(self, data, **_kwargs):
        """The window runs forwards, lies in this century and is at most MAX_UPLIFT_DAYS long."""
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return
        if end < start:
            raise ma.ValidationError("must be on or after start", "end")
        if start.year < 2000 or end.year > 2100:
            raise ma.ValidationError("must lie between 2000 and 2100", "start")
        if (end - start).days + 1 > MAX_UPLIFT_DAYS:
            raise ma.ValidationError(f"the window may be at most {MAX_UPLIFT_DAYS} days", "end")


class WindowsSchema(ma.Schema):
    pre_start = fields.Date(required=True)
    pre_end = fields.Date(required=True)
    post_start = fields.Date(required=True)
    post_end = fields.Date(required=True)


class UnitUpliftSchema(ma.Schema):
    unit = fields.Function(lambda row: row.unit.code, required=True)
    pre_mean = fields.Float(required=True)
    post_mean = fields.Float(required=True)
    change = fields.Float(required=True)
    comparison_change = fields.Float(allow_none=True, required=True)
    uplift = fields.Float(allow_none=True, required=True)
    low = fields.Float(allow_none=True, required=True)
    high = fields.Float(allow_none=True, required=True)
    n_comparison = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.Function(lambda row: str(row.message), required=True)


class UpliftResultSchema(ma.Schema):
    windows = fields.Nested(WindowsSchema, required=True)
    status = fields.String(required=True)
    message = fields.Function(lambda result: str(result.message), required=True)
    units = fields.List(fields.Nested(UnitUpliftSchema), required=True)
    treated_change = fields.Float(allow_none=True, required=True)
    comparison_change = fields.Float(allow_none=True, required=True)
    uplift = fields.Float(allow_none=True, required=True)
    low = fields.Float(allow_none=True, required=True)
    high = fields.Float(allow_none=True, required=True)
    n_treated = fields.Integer(required=True)
    n_comparison = fields.Integer(required=True)
    extra_per_day = fields.Float(allow_none=True, required=True)
    extra_total = fields.Float(allow_none=True, required=True)


class UpliftSchema(ma.Schema):
    """Difference-in-differences of the treated areas and of the treated OPDs (null when none of that kind)."""

    start = fields.Date(required=True)
    end = fields.Date(required=True)
    audience = fields.String(allow_none=True, required=True)
    areas = fields.Nested(UpliftResultSchema, allow_none=True, required=True)
    opds = fields.Nested(UpliftResultSchema, allow_none=True, required=True)
    extra_total = fields.Float(allow_none=True, required=True)
