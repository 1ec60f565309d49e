"""Request input checked once for every UI page: characters, numbers, dates and path ids.

- `refuse_bad_text` (before every UI request) answers 400, naming the field, when the path, a query
  parameter or a form field holds NUL or another control character, or a Unicode bidi override (which
  makes text read differently from what it is); tab and line breaks only in multi-line fields. It also
  refuses dates outside MIN_DATE..MAX_DATE, which would overflow the date arithmetic of the dashboards.
- `BoundedArgs` makes `request.args.get(name, type=int)` (and `request.form`) treat a number outside the
  32-bit range of our id and count columns like any other invalid number: the default is used.
- `BoundedIntConverter` replaces the `<int:...>` URL converter, so an id past 32 bits is a 404.

The JSON API (/api/) validates its own input (422 problem documents) and is left to it, and so is the scan
redirect (/s/), which answers any code it does not know with its own 404 page.
"""

import re
from datetime import date

from flask import Flask, Request, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2199, 12, 31)
# The JSON API checks its own input (422); the scan redirect answers any unknown code with its 404 page.
UNCHECKED_PREFIXES = ("/api/", "/s/")
# Form fields that hold several lines of text (TextAreaField); every other field is a single line.
MULTILINE_FIELDS = frozenset({"notes", "blocked", "reason"})

_BIDI = "\u202a-\u202e\u2066-\u2069"
_SINGLE_LINE_BAD = re.compile(f"[\x00-\x1f\x7f{_BIDI}]")
_MULTILINE_BAD = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{_BIDI}]")
# A whole value that is a date or a date and time (as date and datetime-local inputs send them).
_DATE = re.compile(r"\s*(\d{4,})-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*")


class BadInput(BadRequest):
    """A request whose text cannot be accepted; the description says which field and why."""


def bounded_int(value: str) -> int:
    """An integer in the 32-bit range of our columns; ValueError otherwise (so `type=` falls back)."""
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError(f"{value!r} is outside the 32-bit range")
    return number


class BoundedArgs(ImmutableMultiDict):
    """Query and form values whose `get(..., type=int)` refuses numbers past 32 bits like non-numbers."""

    def get(self, key, default=None, type=None):
        """As MultiDict.get; `type=int` is bounded to the 32-bit range."""
        return super().get(key, default, bounded_int if type is int else type)


class BoundedRequest(Request):
    """Flask's request with bounded query and form values."""

    parameter_storage_class = BoundedArgs


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to the 32-bit range by default, so a larger id is a 404 and not a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=INT_MAX if max is None else max, signed=signed)


def text_problem(name: str, value: str, multiline: bool = False):
    """Why this field's text is refused (a lazy translated message), or None when it is acceptable."""
    found = (_MULTILINE_BAD if multiline else _SINGLE_LINE_BAD).search(value)
    if found:
        char = found.group(0)
        if char in "\r\n":
            return _l("The field “%(field)s” must be a single line.", field=name)
        return _l(
            "The field “%(field)s” contains a character that is not allowed (U+%(code)04X). Remove it and try again.",
            field=name,
            code=ord(char),
        )
    day = _DATE.fullmatch(value)
    if day and not MIN_DATE.year <= int(day.group(1)) <= MAX_DATE.year:
        return _l(
            "The field “%(field)s” holds a date outside %(first)s – %(last)s.",
            field=name,
            first=MIN_DATE.isoformat(),
            last=MAX_DATE.isoformat(),
        )
    return None


def refuse_bad_text() -> None:
    """Before a UI request: 400 when the path, a query parameter or a form field holds text we refuse."""
    if request.path.startswith(UNCHECKED_PREFIXES):
        return
    problem = text_problem("URL", request.path)
    fields = [(key, values, False) for key, values in request.args.lists()]
    if request.method not in ("GET", "HEAD"):
        fields += [(key, values, key in MULTILINE_FIELDS) for key, values in request.form.lists()]
    for key, values, multiline in fields:
        if problem:
            break
        problem = text_problem(key, key) or next((p for v in values if (p := text_problem(key, v, multiline))), None)
    if problem:
        raise BadInput(description=str(problem))


def init_inputs(app: Flask) -> None:
    """Bounded request values and path ids, and the text check before every UI request."""
    app.request_class = BoundedRequest
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_bad_text)
