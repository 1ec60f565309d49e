"""Sign-in (password or one-time link), sign-out, the account page and the admin's list of logins."""

import logging
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from outreach.auth.decorators import public, roles_required, signed_in
from outreach.auth.forms import ConfirmForm, LoginForm, PasswordChangeForm, SignInLinkForm
from outreach.auth.models import User
from outreach.auth.services import (
    UserError,
    authenticate,
    change_password,
    create_sign_in_link,
    end_sessions,
    list_users,
    sign_in_link_state,
    sign_in_url,
    sign_out,
    unlock_user,
    use_sign_in_link,
)
from outreach.campaign import ADMIN, PROMOTER, STAFF_ROLES
from outreach.extensions import db, limiter
from outreach.links.public_base import base_url_refusal
from outreach.models import utcnow
from outreach.security import is_safe_next, no_referrer
from outreach.uow import unit_of_work

bp = Blueprint("auth", __name__)
RESET_WINDOW_SECONDS = 30 * 60
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
        start_session(user, remember=form.remember.data)
        log.info("user %s signed in", user.id)
        target = request.args.get("next")
        return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    """Sign out (POST only, with CSRF, so a link elsewhere cannot sign anyone out).

    The session token changes, so a copy of this session's cookie (or of a remember-me cookie) stops
    working too: signing out on a shared phone really ends the session.
    """
    sign_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


def start_session(user: User, remember: bool) -> None:
    """Sign `user` in on this browser: promoters stay signed in for weeks on their own phone."""
    lang = session.get("lang")
    session.clear()  # nothing from before sign-in carries over into the signed-in session ...
    if lang:
        session["lang"] = lang  # ... but the language the visitor chose
    days = current_app.config["PROMOTER_REMEMBER_DAYS"] if user.role == PROMOTER else None
    login_user(user, remember=remember, duration=timedelta(days=days) if days else None)


def _sign_in_link_refused(state: str):
    reasons = {
        "used": _("This sign-in link has already been used. Each link signs in once."),
        "expired": _("This sign-in link has expired: links work for %(hours)d hours.", hours=_link_hours()),
        "revoked": _("This sign-in link was withdrawn, or a newer one was sent."),
    }
    message = reasons.get(state, _("This sign-in link is not valid. Check that the whole link was opened."))
    return render_template("auth/link_refused.html", message=message), 410 if state in reasons else 404


def _link_hours() -> int:
    return current_app.config["SIGN_IN_LINK_HOURS"]


@bp.route("/masuk/<token>", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN_LINK"])
def sign_in_link(token: str):
    """A one-time sign-in link: GET shows whose it is and a button; only the POST spends it.

    WhatsApp and other apps open links to preview them; if a GET signed in, the preview would spend
    the link before the promoter tapped it.
    """
    no_referrer()
    form = SignInLinkForm()
    if len(token) > 100:
        return _sign_in_link_refused("unknown")
    if form.validate_on_submit():
        with unit_of_work():  # a refused link wrote nothing, so there is nothing to keep or undo
            user, state = use_sign_in_link(token)
        if user is None:
            return _sign_in_link_refused(state)
        start_session(user, remember=True)
        # The link proved who they are: a new password needs no old one (a promoter made by a link never
        # had one they know, and may choose one now to sign in with their phone number too).
        session["may_set_password"] = utcnow().timestamp()
        if user.role != PROMOTER:
            flash(_("You are signed in. Choose a new password now."), "info")
            return redirect(url_for("auth.account"))
        flash(_("Welcome! Your links are ready to share."), "success")
        return redirect(url_for("main.index"))
    link, state = sign_in_link_state(token)
    if link is None or state != "usable":
        return _sign_in_link_refused(state)
    return render_template("auth/link.html", form=form, user=link.user, expires_at=link.expires_at)


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    """Every user's own account: change the password, sign out on every device, API tokens (staff)."""
    form = PasswordChangeForm()
    # Within half an hour of a one-time-link sign-in (a reset) no old password is asked.
    since = session.get("may_set_password")
    may_skip_current = isinstance(since, float) and utcnow().timestamp() - since < RESET_WINDOW_SECONDS
    if form.validate_on_submit():
        try:
            with unit_of_work():
                change_password(
                    current_user._get_current_object(),
                    form.new.data,
                    None if may_skip_current else (form.current.data or ""),
                )
        except UserError as exc:
            getattr(form, exc.field or "new").errors.append(str(exc))
        else:
            session.pop("may_set_password", None)
            user = current_user._get_current_object()
            start_session(user, remember=user.role == PROMOTER)  # a promoter's own phone stays signed in
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        form=form,
        may_skip_current=may_skip_current,
        everywhere_form=ConfirmForm(),
        uses_api=current_user.role in STAFF_ROLES,
    )


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@signed_in
def sign_out_everywhere():
    """End every session of the current user, on every device, this one included."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    end_sessions(user, actor=user)
    db.session.commit()
    logout_user()
    flash(_("You have been signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/users")
@roles_required(ADMIN)
def users():
    """Admins see every login, its role and whether it is locked."""
    return render_template("auth/users.html", users=list_users(), now=utcnow(), confirm_form=ConfirmForm())


@bp.route("/users/<int:user_id>/sign-in-link", methods=["POST"])
@roles_required(ADMIN)
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN_LINK"])
def reset_link(user_id: int):
    """An admin's password reset: a one-time link that signs the user in and asks for a new password.

    The link is shown on this response only, to hand over in person or by a trusted channel.
    """
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if refusal := base_url_refusal():  # a link to this server's address would lead nowhere
        return refusal
    try:
        with unit_of_work():
            token = create_sign_in_link(user, actor=current_user)
    except UserError as exc:
        flash(str(exc), "error")
        return redirect(url_for("auth.users"))
    no_referrer()
    url = sign_in_url(token)
    html = render_template("auth/reset_link.html", user=user, url=url, hours=_link_hours())
    return html, 200, {"Cache-Control": "no-store"}


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
@roles_required(ADMIN)
def end_user_sessions(user_id: int):
    """An admin signs a user out on every device."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    end_sessions(user, actor=current_user)
    db.session.commit()
    flash(_("%(user)s is signed out on every device.", user=user.display_name), "success")
    return redirect(url_for("auth.users"))


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
