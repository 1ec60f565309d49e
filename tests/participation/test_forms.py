"""The unit selects render exactly what WTForms' own select renders, only quicker."""

import pytest
from wtforms import Form, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from outreach.participation.forms import UnitSelect

CHOICES = [
    SelectChoice("1871", "Kedaton", optgroup="Kecamatan"),
    SelectChoice("1871011", 'Kampung "Baru" & <Sukarame>', optgroup="Kelurahan"),
    SelectChoice("1871012", "", optgroup="Kelurahan"),  # no label: the value is shown
    SelectChoice("opd-7", "Dinas Kesehatan", optgroup="OPD", render_kw={"data-hint": "kesehatan"}),
]


def _pair(multiple: bool, data):
    field_type = SelectMultipleField if multiple else SelectField

    class Both(Form):
        ours = field_type(choices=CHOICES, widget=UnitSelect(multiple=multiple))
        theirs = field_type(choices=CHOICES, widget=Select(multiple=multiple))

    return Both(data={"ours": data, "theirs": data})


def _named_x(html: str, name: str) -> str:
    """The select's HTML with its own id and name taken out, to compare two fields' options."""
    return html.replace(f'id="{name}" ', "").replace(f'name="{name}"', 'name="x"')


@pytest.mark.parametrize(
    ("multiple", "data"),
    [(False, None), (False, "1871011"), (True, []), (True, ["1871", "1871012", "opd-7"])],
)
def test_a_unit_select_is_wtforms_select_to_the_character(multiple, data):
    form = _pair(multiple, data)
    assert _named_x(str(form.ours()), "ours") == _named_x(str(form.theirs()), "theirs")
    assert str(form.ours(class_="wide")).count("<option") == len(CHOICES)
