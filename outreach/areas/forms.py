"""Forms for RW/RT units and OPDs."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from outreach.areas.models import OPD_KINDS
from outreach.inputs import bounded_int

OPD_KIND_LABELS = {
    "sekretariat": _l("Secretariat"),
    "inspektorat": _l("Inspectorate"),
    "satpol_pp": _l("Satpol PP"),
    "dinas": _l("Agency (dinas)"),
    "badan": _l("Board (badan)"),
    "rsud": _l("Hospital (RSUD)"),
    "kecamatan": _l("Kecamatan"),
    "lainnya": _l("Other"),
}


class SubunitForm(FlaskForm):
    """Add an RW below a kelurahan or an RT below an RW."""

    number = IntegerField(_l("Number"), validators=[DataRequired(), NumberRange(min=1, max=999)])
    label = StringField(_l("Local name (optional)"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Add"))


class SubunitEditForm(FlaskForm):
    """Change the local name of an RW/RT (its number and code stay)."""

    label = StringField(_l("Local name (optional)"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Save"))


class OpdForm(FlaskForm):
    """Add or edit an OPD."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, OPD_KIND_LABELS[k]) for k in OPD_KINDS])
    area_id = SelectField(_l("Kecamatan (for a kecamatan OPD)"), coerce=bounded_int, default=0)
    submit = SubmitField(_l("Save"))
