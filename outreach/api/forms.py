"""Forms of the API token page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional


class TokenForm(FlaskForm):
    """Name a new API token (what script or system will use it)."""

    name = StringField(_l("Token name"), validators=[Optional(), Length(max=80)])
    submit = SubmitField(_l("Create token"))


class RevokeTokenForm(FlaskForm):
    """Revoke one token."""

    submit = SubmitField(_l("Revoke"))
