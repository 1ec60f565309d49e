"""Login, logout and the admin's list of logins (with unlocking)."""

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from outreach.auth.decorators import public, roles_required, signed_in
from outreach.auth.forms import LoginForm
from outreach.auth.models import ADMIN, User
from outreach.auth.services import authenticate, list_users, unlock_user
from outreach.extensions import db, limiter
from outreach.models import utcnow
from outreach.security import is_safe_next

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Show the login form; on success go to `next` (local paths only) or home."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is None:
            # One message for every refusal: it must not tell whether the email exists or is locked.
            flash(
                _(
                    "Wrong email or password. After %(count)d failed attempts in a row an account is locked "
                    "for %(minutes)d minutes; an administrator can unlock it sooner.",
                    count=current_app.config["LOGIN_MAX_FAILURES"],
                    minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"],
                ),
                "error",
            )
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        log.info("user %s signed in", user.id)
        target = request.args.get("next")
        return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    """Sign out (POST only, with CSRF, so a link elsewhere cannot sign anyone out)."""
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/users")
@roles_required(ADMIN)
def users():
    """Admins see every login, its role and whether it is locked."""
    return render_template("auth/users.html", users=list_users(), now=utcnow())


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@roles_required(ADMIN)
def unlock(user_id: int):
    """An admin lifts a lockout before it expires."""
    user = db.get_or_404(User, user_id)
    if unlock_user(user, actor=current_user):
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    else:
        flash(_("%(email)s was not locked.", email=user.email), "info")
    db.session.commit()
    return redirect(url_for("auth.users"))
