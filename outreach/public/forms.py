"""The typed-code form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length


class CodeForm(FlaskForm):
    """The short code from a paper flyer, as typed (checked by `read_typed_code`, not here)."""

    code = StringField(
        _l("Code on the flyer"),
        validators=[Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"},
    )
    submit = SubmitField(_l("Go to the survey"))


class CheckForm(FlaskForm):
    """A pasted link or a typed code to check (sent by GET, so without a CSRF token: it changes nothing)."""

    tautan = StringField(
        _l("Link or code"),
        validators=[Length(max=500)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Check"))
