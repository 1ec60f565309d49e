"""Upload and confirm forms shared by every CSV import."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired


class UploadForm(FlaskForm):
    """Choose a CSV file to check (nothing is written yet)."""

    file = FileField(
        _l("CSV or Excel (.xlsx) file"),
        validators=[FileRequired(_l("Choose a CSV or Excel (.xlsx) file."))],
        render_kw={
            "accept": ".csv,.xlsx,text/csv,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
    )
    submit = SubmitField(_l("Check file"))


class ConfirmForm(FlaskForm):
    """Confirm the import of a checked upload, identified by its token."""

    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import now"))
