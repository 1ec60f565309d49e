"""Forms for planning drives and filtering the list and calendar; times are entered in WIB."""

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from outreach.areas.models import Area, Opd
from outreach.campaign import AUDIENCE_LABELS, CHANNEL_LABELS, CHANNELS
from outreach.drives.labels import KIND_LABELS, STATUS_LABELS
from outreach.drives.models import DONE, TARGET_LEVELS
from outreach.extensions import db
from outreach.inputs import bounded_int
from outreach.links.forms import MultiCheckboxField, options
from outreach.pickers.services import row_id
from outreach.promoters.models import Promoter

# The first format is what browsers' datetime-local inputs expect back.
WIB_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
MAX_COST = 10_000_000_000  # Rp 10 miliar: anything above is a typing slip


class RupiahField(Field):
    """A whole Rupiah amount typed the Indonesian way: '1.500.000', 'Rp 1.500.000' or '1500000'."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:,}".replace(",", ".") if self.data is not None else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        cleaned = re.sub(r"^rp\.?\s*", "", text, flags=re.IGNORECASE).replace(".", "").replace(" ", "")
        cleaned = re.sub(r",0+$", "", cleaned)
        if not cleaned.isdigit():
            raise ValueError(_l("Enter the cost in whole Rupiah, for example 1.500.000."))
        self.data = int(cleaned)


def _choices(labels: Mapping[str, Any], blank: str | None = None) -> list[SelectChoice]:
    """Select options from a {value: label} dict, with an optional 'all' option first."""
    options = [SelectChoice(value, label) for value, label in labels.items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + options


class DriveForm(FlaskForm):
    """Create or edit a drive."""

    kind = SelectField(_l("Kind"), choices=_choices(KIND_LABELS), validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    starts_at = DateTimeLocalField(
        _l("Starts (WIB)"), format=WIB_INPUT_FORMATS, validators=[InputRequired(_l("Enter the start date and time."))]
    )
    ends_at = DateTimeLocalField(
        _l("Ends (WIB)"), format=WIB_INPUT_FORMATS, validators=[InputRequired(_l("Enter the end date and time."))]
    )
    areas = SelectMultipleField(_l("Target kelurahan or whole kecamatan"), coerce=row_id, validate_choice=False)
    opds = SelectMultipleField(_l("Target OPDs"), coerce=bounded_int, render_kw={"data-local-picker": ""})
    audience = SelectField(_l("Audience"), choices=_choices(AUDIENCE_LABELS), validators=[InputRequired()])
    place_name = StringField(_l("Place"), validators=[Optional(), Length(max=160)])
    place_note = StringField(_l("How to find it (optional)"), validators=[Optional(), Length(max=300)])
    latitude = FloatField(_l("Latitude (optional)"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude (optional)"), validators=[Optional(), NumberRange(-180, 180)])
    promoters = SelectMultipleField(_l("Promoters taking part"), coerce=row_id, validate_choice=False)
    add_area_promoters = BooleanField(_l("Also add every active promoter assigned in the target areas"))
    cost = RupiahField(_l("Cost (Rupiah, optional)"), validators=[Optional(), NumberRange(0, MAX_COST)])
    status = SelectField(_l("Status"), choices=_choices(STATUS_LABELS), validators=[InputRequired()])
    attendance = IntegerField(_l("Attendance (after the drive)"), validators=[Optional(), NumberRange(0, 1_000_000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    acknowledged = HiddenField()
    rollout_slot = HiddenField()  # the rollout plan's unit this new drive realises, when made from a plan
    submit = SubmitField(_l("Save drive"))
    confirm = SubmitField(_l("Save anyway"))

    def load_choices(self, current_promoters=(), current_areas=()) -> None:
        """Offer the active OPDs; areas and promoters are searched, so only what was there before may be inactive."""
        self.opds.choices = [
            SelectChoice(opd.id, opd.name)
            for opd in db.session.scalars(select(Opd).where(Opd.active.is_(True)).order_by(Opd.name))
        ]
        self.current_promoter_ids = {p.id for p in current_promoters}
        self.current_area_ids = {a.id for a in current_areas}

    def validate_promoters(self, field) -> None:
        known = {
            p.id: p
            for p in db.session.scalars(select(Promoter).where(Promoter.id.in_(field.data or [])))
            if p.active or p.id in getattr(self, "current_promoter_ids", set())
        }
        if set(field.data or []) - set(known):
            raise ValidationError(_l("Choose promoters from the search results."))

    def _check_areas(self, field) -> None:
        known = {
            a.id
            for a in db.session.scalars(select(Area).where(Area.id.in_(field.data or [])))
            if a.level in TARGET_LEVELS and (a.active or a.id in getattr(self, "current_area_ids", set()))
        }
        if set(field.data or []) - known:
            raise ValidationError(_l("Choose kelurahan or kecamatan from the search results."))

    def validate_ends_at(self, field) -> None:
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_areas(self, field) -> None:
        if not field.data and not self.opds.data:
            raise ValidationError(_l("Choose at least one target area or OPD."))
        self._check_areas(field)

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the pair check that per-field validators cannot see when one is empty."""
        valid = super().validate(extra_validators)
        if not self.latitude.errors and not self.longitude.errors:
            if (self.latitude.data is None) != (self.longitude.data is None):
                self.longitude.errors.append(_l("Give both latitude and longitude, or neither."))
                valid = False
        return valid

    def validate_attendance(self, field) -> None:
        if field.data is not None and self.status.data != DONE:
            raise ValidationError(_l("Attendance is entered once the drive is done; set the status to Done."))


class DriveFilterForm(FlaskForm):
    """Filters of the list and calendar, read from the query string."""

    class Meta:
        csrf = False

    kecamatan = SelectField(_l("Kecamatan"), coerce=bounded_int, validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=_choices(KIND_LABELS, _l("All kinds")), validators=[Optional()])
    status = SelectField(_l("Status"), choices=_choices(STATUS_LABELS, _l("All statuses")), validators=[Optional()])

    def load_choices(self, kecamatan) -> None:
        """Offer every kecamatan."""
        self.kecamatan.choices = [SelectChoice(0, str(_l("All kecamatan")))] + [
            SelectChoice(k.id, k.name) for k in kecamatan
        ]


class FeedForm(FlaskForm):
    """Turn the calendar feed on or give it a new address."""

    submit = SubmitField(_l("Create a new calendar address"))


class RevokeFeedForm(FlaskForm):
    """Turn the calendar feed off."""

    submit = SubmitField(_l("Turn the calendar address off"))


class DriveLinksForm(FlaskForm):
    """Survey and channels for generating a drive's links (one per participating promoter and channel)."""

    target = SelectField(_l("Survey"), coerce=bounded_int)
    channels = MultiCheckboxField(_l("Channels"), choices=options((c, CHANNEL_LABELS[c]) for c in CHANNELS))
    submit = SubmitField(_l("Generate links"))

    def validate_channels(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one channel."))
