"""Writing CSV that spreadsheets open safely: every export and every import template goes through here.

`csv_response(filename, header, rows)` streams a download with a BOM (so Excel reads UTF-8) and every
cell passed through `safe_cell`, which neutralises spreadsheet formula injection (cells starting with
= + - @, tab or carriage return get a leading apostrophe, and so does every part after a `;` or a tab
that starts with = + - @). The importers' reader removes those apostrophes again
(`reading.unescape_cell`), so our own exports import unchanged. `SafeCsvWriter` quotes every cell that
holds a `;`, a tab, a comma, a quote or a line break, whatever the delimiter: spreadsheets in the
Indonesian locale split on `;`, so an unquoted `Budi;=SUM(7*6)` would otherwise become a live formula
in a cell of its own.
"""

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from flask import Response

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A part of a cell after a `;` or a tab: a reader that splits there sees it as a cell of its own.
_FORMULA_PART = re.compile(r"([;\t])([=+\-@])")
# Quoted whatever the delimiter, so no reader (comma, semicolon or tab) splits the cell.
_QUOTE_CHARS = frozenset('",;\t\r\n')


def safe_cell(value: Any) -> str:
    """A cell value that spreadsheets show as text, never run as a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = _FORMULA_PART.sub(r"\1'\2", str(value))
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeCsvWriter:
    """Writes CSV rows formula-safe (`safe_cell`), quoting any cell another reader's delimiter would split."""

    def __init__(self, out: TextIO, delimiter: str = ",", lineterminator: str = "\r\n", cell=None) -> None:
        self.out = out
        self.delimiter = delimiter
        self.lineterminator = lineterminator
        self.cell = cell or safe_cell

    def _quoted(self, value: Any) -> str:
        text = value if isinstance(value, str) else str(value)
        if self.delimiter in text or not _QUOTE_CHARS.isdisjoint(text):
            return '"' + text.replace('"', '""') + '"'
        return text

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row."""
        self.out.write(self.delimiter.join(self._quoted(self.cell(v)) for v in row) + self.lineterminator)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> str:
    """CSV text with a header, every cell passed through `safe_cell`."""
    out = io.StringIO()
    writer = SafeCsvWriter(out, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download (UTF-8 with BOM so Excel shows Indonesian names right), formula-safe."""
    body = "\ufeff" + write_csv(header, rows)
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def number_safe_cell(value: object) -> object:
    """Like `safe_cell`, but numbers (even negative) stay numbers: for tables of figures."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return safe_cell(value)
    return value


def write_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text of figures (UTF-8 with BOM for spreadsheet apps), every text cell formula-safe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = SafeCsvWriter(out, cell=number_safe_cell)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
