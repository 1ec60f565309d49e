"""Forms: one count, uploads, the survey round, the dashboard filter and the uplift question."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import Select

from outreach import clock
from outreach.campaign import AUDIENCE_LABELS, AUDIENCES
from outreach.imports.forms import ConfirmForm, UploadForm
from outreach.participation.models import COUNT_KINDS


class UnitSelect(Select):
    """WTForms' select, its plain options written directly: the same HTML, three times quicker. A list
    of every kecamatan and kelurahan is 200 options, and `html_params` took 11 ms to render them."""

    @classmethod
    def render_option(cls, choice: SelectChoice, **kwargs: object) -> Markup:
        """An option as `Select.render_option` writes it (attributes in name order)."""
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = " selected" if choice.selected else ""
        return Markup(
            f'<option{selected} value="{escape(choice.value)}">{escape(choice.label or choice.value)}</option>'
        )


KIND_LABELS = {"daily": _l("Daily count"), "cumulative": _l("Running total (cumulative)")}


class CountForm(FlaskForm):
    """Record one respondent count for a WIB day."""

    day = DateField(_l("Date (WIB)"), validators=[DataRequired()])
    unit = SelectField(_l("Area or OPD"), validators=[DataRequired()], widget=UnitSelect())
    audience = SelectField(_l("Audience"), choices=[SelectChoice(a, AUDIENCE_LABELS[a]) for a in AUDIENCES])
    kind = SelectField(_l("Kind of figure"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in COUNT_KINDS])
    count = IntegerField(_l("Respondents"), validators=[InputRequired(_l("Enter a number.")), NumberRange(min=0)])
    source = StringField(_l("Source"), default="laporan", validators=[DataRequired(), Length(max=60)])
    submit = SubmitField(_l("Save count"))

    def validate_day(self, field) -> None:
        """A count is for a day that has happened."""
        if field.data and field.data > clock.today():
            raise ValidationError(_l("The date is in the future."))


class CountImportForm(UploadForm):
    """Upload a CSV or workbook of respondent counts to check (the shared upload form, plus their source)."""

    source = StringField(
        _l("Source for rows without one"), default="laporan", validators=[DataRequired(), Length(max=60)]
    )


class CountConfirmForm(ConfirmForm):
    """Confirm a checked counts upload; the source it was checked with comes back and is checked again."""

    source = HiddenField(validators=[DataRequired(), Length(max=60)])


class PlanUploadForm(UploadForm):
    """Upload a CSV or workbook of targets or baselines to check (the shared upload form)."""


class RoundForm(FlaskForm):
    """Create or change a survey round."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2020, max=2100)])
    starts_on = DateField(_l("Survey starts (WIB)"), validators=[DataRequired()])
    deadline = DateField(_l("Deadline (WIB)"), validators=[DataRequired()])
    submit = SubmitField(_l("Save round"))

    def validate_deadline(self, field) -> None:
        """The deadline comes on or after the start."""
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The deadline must be on or after the start."))


class FilterForm(FlaskForm):
    """Date range of the dashboard (GET, no CSRF)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    audience = SelectField(
        _l("Audience of the area tables"),
        choices=[SelectChoice(a, AUDIENCE_LABELS[a]) for a in AUDIENCES],
        default="eksternal",
    )
    source = SelectField(_l("Data"), validators=[Optional()], validate_choice=False)

    def validate_end(self, field) -> None:
        """The range must not run backwards."""
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date must be on or after the start date."))


class UpliftForm(FlaskForm):
    """The uplift question: which units, which window, compared with whom (GET, no CSRF)."""

    class Meta:
        csrf = False

    start = DateField(_l("Window from"), validators=[DataRequired(_l("Choose the first day of the window."))])
    end = DateField(_l("Window to"), validators=[DataRequired(_l("Choose the last day of the window."))])
    units = SelectMultipleField(
        _l("Units that had the drive"),
        validators=[DataRequired(_l("Choose at least one unit."))],
        widget=UnitSelect(multiple=True),
    )
    comparison = SelectField(
        _l("Compare with"),
        choices=[
            SelectChoice("kecamatan", _l("Other kelurahan of the same kecamatan / other OPDs")),
            SelectChoice("city", _l("All other kelurahan of the city / other OPDs")),
            SelectChoice("custom", _l("The units chosen below")),
        ],
        default="kecamatan",
    )
    compare = SelectMultipleField(
        _l("Chosen comparison units"), validators=[Optional()], widget=UnitSelect(multiple=True)
    )
    audience = SelectField(
        _l("Audience"),
        choices=[SelectChoice("", _l("Both"))] + [SelectChoice(a, AUDIENCE_LABELS[a]) for a in AUDIENCES],
        default="",
    )
    source = SelectField(_l("Data"), default="respondents")

    def validate_end(self, field) -> None:
        """The window must not run backwards."""
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date must be on or after the start date."))


GROUP_LABELS = {"kota": _l("City"), "kecamatan": _l("Kecamatan"), "kelurahan": _l("Kelurahan"), "opd": _l("OPD")}


def unit_choices(units: list[tuple[str, str, str]]) -> list[SelectChoice]:
    """Options for a unit select from (code, label, group) rows, grouped by level."""
    return [SelectChoice(code, label, optgroup=str(GROUP_LABELS.get(group, group))) for code, label, group in units]
