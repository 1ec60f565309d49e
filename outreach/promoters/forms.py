"""Forms for promoters: details, assignments, OPD, login and bulk assignment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from outreach.areas.services import find_area_by_code
from outreach.auth.passwords import MIN_PASSWORD_LENGTH, password_problem
from outreach.auth.services import find_user_by_email
from outreach.campaign import PROMOTER_ROLE_LABELS, PROMOTER_ROLES
from outreach.inputs import bounded_int
from outreach.pickers.services import UNIT_LEVELS, area_options, row_id
from outreach.promoters.models import Promoter
from outreach.promoters.services import PhoneError, find_promoter_by_phone, normalise_phone

ROLE_CHOICES = [SelectChoice(role, PROMOTER_ROLE_LABELS[role]) for role in PROMOTER_ROLES]


class PromoterForm(FlaskForm):
    """Name, role, phone and OPD of a promoter; a duplicate phone keeps the other promoter in `duplicate`."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    phone = StringField(
        _l("Phone (e.g. 0812-3456-7890)"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    opd_id = SelectField(_l("OPD"), coerce=bounded_int, default=0)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, promoter_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.promoter_id = promoter_id
        self.duplicate: Promoter | None = None

    def validate_phone(self, field) -> None:
        """Normalise to E.164; refuse invalid numbers and numbers of another promoter."""
        try:
            field.data = normalise_phone(field.data)
        except PhoneError:
            raise ValidationError(_l("This is not a valid Indonesian phone number.")) from None
        existing = find_promoter_by_phone(field.data)
        if existing is not None and existing.id != self.promoter_id:
            self.duplicate = existing
            raise ValidationError(_l("This phone number already belongs to %(name)s.", name=existing.name))


class AreaCodeMixin:
    """An area field that takes a code, or part of a name when JavaScript is off, and must name an active area."""

    def validate_area_code(self, field) -> None:
        """Look the area up by code, else by name with its parents; keep it in `self.area`."""
        field.data = (field.data or "").strip()
        self.area = find_area_by_code(field.data)
        if self.area is None:
            self.area = self._area_by_name(field)
        if self.area is None:
            raise ValidationError(_l("Unknown area code %(code)s.", code=field.data))
        if not self.area.active:
            raise ValidationError(_l("Area %(code)s is not active.", code=field.data))

    @staticmethod
    def _area_by_name(field):
        """The one area whose name (with parents) matches; several matches are listed so people can choose."""
        matches = area_options(field.data, UNIT_LEVELS, value="code", limit=50)
        typed = field.data.lower()
        exact = [o for o in matches if typed in (o.text.lower(), o.text.rsplit(" › ", 1)[-1].lower())]
        if len(exact) == 1 or len(matches) == 1:
            field.data = (exact or matches)[0].value
            return find_area_by_code(field.data)
        if matches:
            names = "; ".join(f"{o.text} ({o.value})" for o in matches[:5])
            raise ValidationError(
                _l(
                    "Several areas match “%(text)s”: %(names)s. Type more of the name, or the code.",
                    text=field.data,
                    names=names,
                )
            )
        return None


class AssignForm(AreaCodeMixin, FlaskForm):
    """Assign a promoter to an area from a day."""

    area_code = StringField(
        _l("Area (name or code)"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"placeholder": _l("e.g. Sidodadi RT 002"), "autocomplete": "off"},
    )
    start_date = DateField(_l("From"), validators=[Optional()])
    submit = SubmitField(_l("Assign"))


class BulkAssignForm(AreaCodeMixin, FlaskForm):
    """Assign the promoters ticked in the list to one area."""

    area_code = StringField(
        _l("Area (name or code)"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"placeholder": _l("e.g. Sidodadi RT 002"), "autocomplete": "off"},
    )
    start_date = DateField(_l("From"), validators=[Optional()])
    submit = SubmitField(_l("Assign selected"))


class MoveAssignmentsForm(FlaskForm):
    """Hand every current area of a promoter to another promoter (a new RT head, a transfer)."""

    target = SelectField(_l("Promoter who takes over"), coerce=row_id, validate_choice=False)
    submit = SubmitField(_l("Check the move"))
    confirm = SubmitField(_l("Move the areas"))


class EndAssignmentForm(FlaskForm):
    """End an assignment on a day (today by default)."""

    end_date = DateField(_l("Until"), validators=[Optional()])
    submit = SubmitField(_l("End"))


class OpdAssignForm(FlaskForm):
    """Attach a promoter to an OPD (or none)."""

    opd_id = SelectField(_l("OPD"), coerce=bounded_int, default=0)
    submit = SubmitField(_l("Save OPD"))


class PromoterLoginForm(FlaskForm):
    """Give a promoter their own login."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    submit = SubmitField(_l("Create login"))

    def validate_email(self, field) -> None:
        """Emails are unique across logins."""
        if find_user_by_email(field.data):
            raise ValidationError(_l("A login with this email already exists."))

    def validate_password(self, field) -> None:
        """Common passwords and ones built on the email or the app's name are refused."""
        problem = password_problem(field.data, self.email.data)
        if problem:
            raise ValidationError(problem)
