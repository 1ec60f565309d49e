"""Sign-in, password and account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp


class LoginForm(FlaskForm):
    """An email address (staff) or a phone number (promoters), and the password."""

    email = StringField(
        _l("Email or phone number"),
        validators=[
            DataRequired(),
            Length(max=254),
            # An email address, or a phone number as people write it: 0813-…, +62 813 …, (0721) …
            Regexp(
                r"^\s*([^@\s]+@[^@\s]+\.[^@\s]+|\+?[\d\s().-]{6,20})\s*$",
                message=_l("Type your email address, or your phone number such as 0812 3456 7890."),
            ),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class SignInLinkForm(FlaskForm):
    """The button that spends a one-time sign-in link (a GET never does: link previews would spend it)."""

    submit = SubmitField(_l("Sign in"))


class PasswordChangeForm(FlaskForm):
    """A new password; the current one too, except right after signing in with a one-time link."""

    current = PasswordField(_l("Current password"), render_kw={"autocomplete": "current-password"})
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "new-password", "minlength": 10},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (sign out everywhere, end sessions, revoke links)."""

    submit = SubmitField(_l("Confirm"))
