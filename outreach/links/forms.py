"""Forms for survey targets, links, bulk creation, filters and flyer batches."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from outreach.campaign import AUDIENCE_LABELS, AUDIENCES, CHANNEL_LABELS, CHANNELS
from outreach.inputs import bounded_int
from outreach.links.models import RULE_KINDS
from outreach.links.services import survey_url_problem

RULE_KIND_LABELS = {
    "opening": _l("Information page: the survey is not open yet"),
    "closed": _l("Thank-you page: the survey is over"),
    "target": _l("Another survey target (for example next year's survey)"),
    "url": _l("Another survey address"),
}
LAYOUT_LABELS = {"1": _l("1 per A4 page"), "4": _l("4 per A4 page (cut)"), "8": _l("8 per A4 page (cut)")}


def options(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, optionally in one optgroup."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


def grouped_options(groups: dict) -> list[SelectChoice]:
    """Select options from {group label: [(value, label), ...]}."""
    return [choice for group, pairs in groups.items() for choice in options(pairs, group)]


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SurveyTargetForm(FlaskForm):
    """Name, audience and https URL of a survey target."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    audience = SelectField(_l("Audience"), choices=options((a, AUDIENCE_LABELS[a]) for a in AUDIENCES))
    url = URLField(_l("Survey address (https)"), validators=[DataRequired(), Length(max=500)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def validate_url(self, field) -> None:
        problem = survey_url_problem(field.data or "", current_app.config["SURVEY_HOST_ALLOWLIST"])
        if problem:
            raise ValidationError(_l("The address %(problem)s.", problem=problem))


class DestinationRuleForm(FlaskForm):
    """A destination rule of a survey target: from which WIB day to which, where its links lead."""

    kind = SelectField(_l("Leads to"), choices=options((k, RULE_KIND_LABELS[k]) for k in RULE_KINDS))
    starts_on = DateField(_l("From (WIB day; empty: from the start)"), validators=[Optional()])
    ends_on = DateField(_l("Until (WIB day, included; empty: no end)"), validators=[Optional()])
    next_target = SelectField(_l("Survey target (for another survey target)"), coerce=int, validators=[Optional()])
    url = URLField(_l("Address (for another survey address, https)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Add rule"))


class LinkForm(FlaskForm):
    """One link: target, channel and attribution."""

    target = SelectField(_l("Survey"), coerce=bounded_int)
    channel = SelectField(_l("Channel"), choices=options((c, CHANNEL_LABELS[c]) for c in CHANNELS))
    # Long lists: with JavaScript, static/js/picker.js makes them type-to-search; without, they stay plain selects.
    promoter = SelectField(_l("Promoter"), coerce=bounded_int, render_kw={"data-local-picker": ""})
    area = SelectField(_l("Area"), coerce=bounded_int, render_kw={"data-local-picker": ""})
    opd = SelectField(_l("OPD"), coerce=bounded_int, render_kw={"data-local-picker": ""})
    label = StringField(_l("Label (optional)"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Create link"))

    def validate_area(self, field) -> None:
        if not field.data and not self.promoter.data:
            raise ValidationError(_l("Choose an area, or a promoter whose area the link takes."))


class BulkLinkForm(FlaskForm):
    """One link per active promoter of a kelurahan, kecamatan or OPD, per chosen channel."""

    target = SelectField(_l("Survey"), coerce=bounded_int)
    scope = SelectField(_l("Promoters of"), validators=[DataRequired()])
    channels = MultiCheckboxField(_l("Channels"), choices=options((c, CHANNEL_LABELS[c]) for c in CHANNELS))
    label = StringField(_l("Label (optional)"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Create links"))

    def validate_channels(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one channel."))


class LinkFilterForm(FlaskForm):
    """Filters of the links list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Code, label or promoter"), validators=[Optional(), Length(max=60)])
    scope = SelectField(_l("Area or OPD"), validators=[Optional()], render_kw={"data-local-picker": ""})
    target = SelectField(_l("Survey"), coerce=bounded_int, validators=[Optional()])
    channel = SelectField(_l("Channel"), validators=[Optional()])
    drive = SelectField(_l("Drive"), coerce=bounded_int, validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=options([("active", _l("Active")), ("inactive", _l("Inactive")), ("all", _l("All"))]),
        default="active",
        validators=[Optional()],
    )


class FlyerBatchForm(FlaskForm):
    """All links of a kelurahan, kecamatan or OPD in one PDF (GET, no CSRF)."""

    class Meta:
        csrf = False

    scope = SelectField(_l("Links of"), validators=[DataRequired()], render_kw={"data-local-picker": ""})
    layout = SelectField(_l("Layout"), choices=options(LAYOUT_LABELS.items()), default="4")
    bundle = SelectField(
        _l("As"),
        choices=options(
            [
                ("book", _l("One PDF, by kelurahan and RT, with a cover sheet per kelurahan")),
                ("zip", _l("A ZIP with one PDF per kelurahan and a CSV index")),
            ]
        ),
        default="book",
    )
    # Set by static/js/download-progress.js so the page can tell when the download has arrived.
    ticket = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9]{8,40}$")])


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token (deactivate, activate)."""
