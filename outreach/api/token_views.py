"""The signed-in user's API tokens: create (the secret is shown once, on this response only) and revoke."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from outreach.api.forms import RevokeTokenForm, TokenForm
from outreach.api.models import ApiToken
from outreach.api.tokens import create_token, revoke_token, tokens_of
from outreach.auth.decorators import signed_in
from outreach.extensions import db
from outreach.security import no_referrer

bp = Blueprint("tokens", __name__)


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    no_referrer()
    response = render_template(
        "api/tokens.html", tokens=tokens_of(current_user), form=form, revoke_form=RevokeTokenForm(), secret=secret
    )
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/")
@signed_in
def index():
    """The user's tokens and the form for a new one."""
    return _page(TokenForm())


@bp.route("/", methods=["POST"])
@signed_in
def create():
    """Create a token and show its secret once (rendered, never put in the session or a redirect)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    _token, secret = create_token(current_user._get_current_object(), form.name.data or "")
    db.session.commit()
    return _page(TokenForm(formdata=None), secret=secret)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@signed_in
def revoke(token_id: int):
    """Revoke one of the user's own tokens; it stops working at once."""
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(403)
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    if revoke_token(token, current_user._get_current_object()):
        db.session.commit()
        flash(_("The token no longer works."), "success")
    return redirect(url_for("tokens.index"))
