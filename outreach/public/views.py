"""Public pages, no login: the typed-code entry `/kode`, the link check `/cek` and the participation board `/papan`.

`/kode` sends a typed code down the same scan path as a QR scan (`scan_code`), counted as source
'typed'. The board is rendered at most once per BOARD_CACHE_SECONDS per worker and language, and
may be cached as long by browsers and proxies; it reads respondent counts only, never the scans.
"""

from dataclasses import replace
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from outreach.areas.models import Area
from outreach.auth.decorators import public
from outreach.extensions import db, limiter
from outreach.links import check as link_check
from outreach.links import destinations
from outreach.links.check import LinkCheck
from outreach.links.codes import EXCLUDED, MAX_LENGTH, MIN_LENGTH, read_typed_code
from outreach.links.fastpath import NO_CACHE, declined_headers, redirect_headers, request_meta
from outreach.links.scanning import scan_code
from outreach.metrics.board import board
from outreach.public.forms import CheckForm, CodeForm
from outreach.public.page_cache import PageCache
from outreach.security import survey_form_action

bp = Blueprint("public", __name__)
# Both check routes share one budget per client; opening the empty form costs nothing.
check_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_CHECK"],
    scope="check",
    exempt_when=lambda: request.endpoint == "public.check" and "tautan" not in request.args,
)
# What a check answers with: a scan of the same code says 404 (unknown) or 410 (inactive) too.
CHECK_STATUS = {"inactive": 410, "unknown": 404, "unreadable": 422}


def typed_code_problem(problem: str, chars: str) -> str:
    """What is wrong with a typed code, in words a visitor understands."""
    if problem == "empty":
        return _("Type the code printed on the flyer.")
    if problem == "excluded":
        return _(
            "Codes never contain the digits 0 and 1 or the letters O, I and L, but you typed %(chars)s. "
            "Please check the flyer again: it may be another letter or digit.",
            chars=", ".join(chars),
        )
    if problem == "invalid":
        return _("A code has only letters and digits; %(chars)s cannot be part of it.", chars=" ".join(chars))
    return _(
        "A code has %(min)d to %(max)d letters and digits; you typed %(count)d.",
        min=MIN_LENGTH,
        max=MAX_LENGTH,
        count=len(chars),
    )


def _code_page(form: CodeForm, message: str | None = None, status: int = 200) -> Response:
    survey_form_action()
    html = render_template("public/code.html", form=form, message=message, excluded=EXCLUDED)
    return Response(html, status=status, mimetype="text/html", headers=NO_CACHE if status != 200 else None)


@bp.route("/kode", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_CODE"], methods=["POST"])
def code():
    """Type the code of a paper flyer; a valid code goes to the survey like a QR scan (counted as typed)."""
    form = CodeForm()
    if request.method != "POST":
        return _code_page(form)
    if not form.validate():  # longer than any code could be, even with spaces
        return _code_page(form, typed_code_problem("length", form.code.data or ""), 422)
    typed = read_typed_code(form.code.data)
    if typed.code is None:
        return _code_page(form, typed_code_problem(typed.problem, typed.chars), 422)
    result = scan_code(typed.code, replace(request_meta(request.environ), source="typed"))
    if result.outcome == "redirect":
        return Response(status=303, headers=redirect_headers(result.url))
    if result.outcome == "declined":
        return Response(status=503, headers=declined_headers())
    form.code.data = typed.code
    if result.outcome == "inactive":
        return _code_page(
            form,
            _("The code %(code)s is no longer in use. Ask for a new flyer, or try another code.", code=typed.code),
            410,
        )
    return _code_page(
        form,
        _(
            "We could not find the code %(code)s. Please check the letters and numbers on the flyer and try again.",
            code=typed.code,
        ),
        404,
    )


def _check_page(form: CheckForm, result: LinkCheck | None) -> Response:
    config = current_app.config
    base = urlsplit(config["PUBLIC_BASE_URL"])
    message = None
    if result is not None and result.outcome == "unreadable":
        message = (
            typed_code_problem(result.problem or "", result.chars)
            if result.problem != "invalid" or result.chars
            else _("This is neither a web address nor a code. Paste the whole link, or type the code on the flyer.")
        )
    html = render_template(
        "public/check.html",
        form=form,
        result=result,
        message=message,
        link_prefix=f"{base.netloc}/s/",
        survey_hosts=config["SURVEY_HOST_ALLOWLIST"],
    )
    if result is None:  # the empty form: a page people should find when they search for it
        return Response(html, mimetype="text/html")
    # An answer is about one code: never cached, never indexed.
    return Response(html, status=CHECK_STATUS.get(result.outcome, 200), mimetype="text/html", headers=NO_CACHE)


@bp.route("/cek")
@public
@check_limit
def check():
    """Check a pasted link or a typed code: is it an official tautan of this campaign, where does it lead."""
    form = CheckForm(request.args, meta={"csrf": False})
    if "tautan" not in request.args:
        return _check_page(form, None)
    if not form.validate():  # longer than any link of ours could be
        return _check_page(form, LinkCheck("unreadable", problem="invalid"))
    config = current_app.config
    return _check_page(
        form, link_check.check_pasted(form.tautan.data, config["PUBLIC_BASE_URL"], config["SURVEY_HOST_ALLOWLIST"])
    )


@bp.route("/cek/<code>")
@public
@check_limit
def check_code(code: str):
    """The check of one code, as printed at the foot of a flyer (`<host>/cek/<CODE>`)."""
    form = CheckForm(meta={"csrf": False})
    form.tautan.data = code[:40]
    return _check_page(form, link_check.check_code(code[:40]))


@bp.route("/jadwal/<int:rule_id>/<code>")
@public
def schedule(rule_id: int, code: str):
    """Our page a tautan survei leads to before the survey opens (when it opens) or after its deadline (thanks)."""
    found = destinations.schedule_page_rule(rule_id, code[:16])
    if found is None:
        abort(404)
    rule, link = found
    html = render_template(
        "public/schedule.html",
        rule=rule,
        opens_on=destinations.opening_day(rule),
        closed_on=destinations.closing_day(rule),
        code=link.code,
    )
    return Response(html, mimetype="text/html", headers=NO_CACHE)


def _cached_board(key: str, render) -> Response:
    """The rendered board for `key` from the page cache, rendered when missing or stale."""
    config = current_app.config
    ttl = config["BOARD_CACHE_SECONDS"]
    cache_key = (key, str(get_locale()))
    page_cache = current_app.extensions.setdefault("public_board_cache", PageCache())
    html = page_cache.get(cache_key) if ttl else None
    if html is None:
        html = render()
        if ttl:
            page_cache.put(cache_key, html, ttl)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={ttl}" if ttl else "no-cache"
    return response


def _render_board(parent: Area | None) -> str:
    config = current_app.config
    figures = board(config["BOARD_MIN_COUNT"], parent)
    return render_template(
        "public/board.html",
        board=figures,
        parent=parent,
        refresh=config["BOARD_REFRESH_SECONDS"],
        min_count=config["BOARD_MIN_COUNT"],
    )


@bp.route("/papan")
@public
def board_city():
    """The participation board of the city: every kecamatan, ranked by improvement."""
    return _cached_board("kota", lambda: _render_board(None))


@bp.route("/papan/<area_code>")
@public
def board_kecamatan(area_code: str):
    """The participation board of one kecamatan: its kelurahan, ranked by improvement."""

    def render() -> str:
        parent = db.session.scalar(select(Area).where(Area.code == area_code, Area.level == "kecamatan"))
        if parent is None:
            abort(404)
        return _render_board(parent)

    return _cached_board(area_code[:20], render)
