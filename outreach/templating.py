"""Jinja filters and globals shared by every template."""

from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol, get_plus_sign_symbol
from flask import Flask
from flask_babel import format_datetime, format_number, get_locale

from outreach import campaign
from outreach.metrics.cache import per_request
from outreach.promoters.services import format_phone


def date_id(value: date | None) -> str:
    """A date in the current locale, e.g. 26 Nov 2026."""
    return day_label(value) if value else ""


def day_label(value: date, pattern: str = "medium") -> str:
    """A calendar day in the current locale, straight from Babel: charts label up to a few hundred
    days per page, and Flask-Babel's `format_date` (which looks up the locale, its configured formats
    and the time zone on every call) costs about 0.1 ms each. Babel's own call still costs 40 us, so each
    label is kept per worker: a 90-day chart asks for two hundred, the same ones on every view."""
    return _day_label(value, pattern, get_locale())


@lru_cache(maxsize=8192)  # a year of days in a few patterns and both languages
def _day_label(value: date, pattern: str, locale: Locale | None) -> str:
    return babel_format_date(value, pattern, locale=locale)


def datetime_wib(value: datetime | None) -> str:
    """A UTC timestamp shown in WIB (the app's default timezone)."""
    return format_datetime(value, "medium") if value else ""


@lru_cache(maxsize=16)
def _symbols_of(locale: str) -> tuple[dict[int, str], str, str]:
    separators = {ord(","): get_group_symbol(locale), ord("."): get_decimal_symbol(locale)}
    return separators, get_minus_sign_symbol(locale), get_plus_sign_symbol(locale)


def _symbols() -> tuple[dict[int, str], str, str]:
    """The current locale's separators (for str.translate of Python's "," and "."), minus and plus signs."""
    return per_request("templating.number_symbols", lambda: _symbols_of(str(get_locale())))


def number(value) -> str:
    """A number in the current locale (1.234 in Indonesian). Whole numbers take a fast path: the
    dashboards format a few hundred per page and Babel's pattern formatting costs ~20 µs each."""
    if isinstance(value, int) and not isinstance(value, bool):
        separators, minus, _plus = _symbols()
        text = f"{abs(value):,}".translate(separators)
        return minus + text if value < 0 else text
    return format_number(value)


def decimal(value: float, digits: int = 1, signed: bool = False) -> str:
    """A number with `digits` decimals in the current locale (821,7 in Indonesian), with a plus sign
    when `signed` and positive. Formatted by Python and given the locale's symbols, like `number`."""
    separators, minus, plus = _symbols()
    text = f"{value:+,.{digits}f}"
    body = text[1:].translate(separators)
    if text[0] == "-":
        return minus + body
    return plus + body if signed else body


def register(app: Flask) -> None:
    """Install the filters and globals."""
    app.jinja_env.filters.update(
        phone=format_phone, date_id=date_id, datetime_wib=datetime_wib, numberformat=number, decimal=decimal
    )
    app.jinja_env.globals.update(
        audience_label=campaign.audience_label,
        channel_label=campaign.channel_label,
        source_label=campaign.source_label,
        promoter_role_label=campaign.promoter_role_label,
        user_role_label=campaign.user_role_label,
        day_label=day_label,
    )
