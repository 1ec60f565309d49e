"""Login and logout."""

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from outreach.auth.decorators import roles_required
from outreach.auth.forms import LoginForm
from outreach.auth.models import ADMIN
from outreach.auth.services import authenticate, list_users
from outreach.extensions import db
from outreach.security import is_safe_next

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on success go to `next` (local paths only) or home."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            flash(_("Wrong email or password."), "error")
            return render_template("auth/login.html", form=form), 401
        db.session.commit()
        login_user(user, remember=form.remember.data)
        log.info("user %s signed in", user.id)
        target = request.args.get("next")
        return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (POST only, with CSRF, so a link elsewhere cannot sign anyone out)."""
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/users")
@roles_required(ADMIN)
def users():
    """Admins see every login and its role."""
    return render_template("auth/users.html", users=list_users())
