"""Forms for rollout plans: the design (units, weeks, room per week, unavailable weeks) and moving a unit."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from outreach.areas.models import Area, Opd
from outreach.campaign import AUDIENCE_LABELS, AUDIENCES
from outreach.drives.labels import KIND_LABELS
from outreach.extensions import db
from outreach.links.forms import MultiCheckboxField, options

MAX_WEEKS = 26
MAX_PER_WEEK = 50


class PlanForm(FlaskForm):
    """A new rollout plan: which units, from which week, for how many weeks, how many drives a week."""

    name = StringField(_l("Name of the plan"), validators=[DataRequired(), Length(max=160)])
    kind = SelectField(_l("Kind of drive each unit gets"), choices=options(KIND_LABELS.items()), default="door_to_door")
    audience = SelectField(
        _l("Audience"), choices=options((a, AUDIENCE_LABELS[a]) for a in AUDIENCES), default="eksternal"
    )
    first_week = DateField(_l("First week (any day of it)"), validators=[InputRequired(_l("Enter the first week."))])
    weeks = IntegerField(
        _l("Weeks available"),
        validators=[InputRequired(_l("Enter how many weeks.")), NumberRange(2, MAX_WEEKS)],
        default=6,
    )
    per_week = IntegerField(
        _l("Drives the promoters can run in one week"),
        validators=[InputRequired(_l("Enter how many drives a week.")), NumberRange(1, MAX_PER_WEEK)],
        default=2,
    )
    units = MultiCheckboxField(_l("Units to reach"), validate_choice=False)
    blocked = TextAreaField(
        _l("Weeks a unit cannot take (optional)"),
        description=_l("One per line: the unit's code, then the Monday of the week, e.g. 18.71.04.1002, 2026-10-12"),
        validators=[Optional(), Length(max=4000)],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    def load_choices(self) -> None:
        """Every active kelurahan (grouped by kecamatan in the template) and OPD."""
        kelurahan = db.session.scalars(
            select(Area).where(Area.level == "kelurahan", Area.active.is_(True)).order_by(Area.code)
        )
        opds = db.session.scalars(select(Opd).where(Opd.active.is_(True)).order_by(Opd.name))
        self.units.choices = [(f"kelurahan:{a.code}", a.name) for a in kelurahan] + [
            (f"opd:{o.code}", o.name) for o in opds
        ]

    def validate_units(self, field: MultiCheckboxField) -> None:
        known = {value for value, _label in field.choices or []}
        chosen = field.data or []
        unknown = [v for v in chosen if v not in known]
        if unknown:
            raise ValidationError(_l("Unknown units: %(codes)s", codes=", ".join(unknown)))
        if len({v.split(":", 1)[0] for v in chosen}) > 1:
            raise ValidationError(_l("Choose kelurahan or OPDs, not both: each plan compares units of one kind."))
        if len(chosen) < 2:
            raise ValidationError(
                _l("Choose at least two units, so units whose drive comes later can serve as comparison.")
            )

    def blocked_weeks(self) -> list[tuple[str, date]]:
        """The (unit code, Monday) pairs typed in `blocked`; raise ValidationError naming the bad line."""
        pairs = []
        for number, line in enumerate((self.blocked.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            try:
                if len(parts) != 2:
                    raise ValueError
                day = date.fromisoformat(parts[1])
            except ValueError:
                raise ValidationError(
                    _l("Line %(n)s: write the unit's code, a comma, then a date as 2026-10-12.", n=number)
                ) from None
            if day.weekday() != 0:
                raise ValidationError(_l("Line %(n)s: %(day)s is not a Monday.", n=number, day=parts[1]))
            pairs.append((parts[0], day))
        return pairs


class MoveForm(FlaskForm):
    """Move one unit of a plan to another week, saying why."""

    slot = SelectField(_l("Unit"), coerce=int, validate_choice=False)
    week = SelectField(_l("New week"), validate_choice=False)
    reason = TextAreaField(
        _l("Why it moves"), validators=[DataRequired(_l("Say why the unit moves.")), Length(max=1000)]
    )


class AcceptForm(FlaskForm):
    """Accept the schedule as it stands (CSRF only)."""
