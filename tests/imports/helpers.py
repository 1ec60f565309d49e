"""Helpers of the import tests: building a workbook as people send one, and reading the problems
table every import page shows (templates/imports/_problems.html)."""

import io
import re
from html import unescape

from openpyxl import Workbook


def workbook(rows, sheet: str, merge: str | None = None, more_sheets=()) -> bytes:
    """An .xlsx whose first sheet, named `sheet`, holds `rows` (cells `merge`d when given), followed by
    empty sheets named in `more_sheets`."""
    book = Workbook()
    data = book.active
    data.title = sheet
    for row in rows:
        data.append(row)
    if merge:
        data.merge_cells(merge)
    for name in more_sheets:
        book.create_sheet(name)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problem_at(html: str, line: int, column: str, says: str = "", sheet: str | None = None) -> bool:
    """True when the page lists a problem at `line` (a workbook's row) and `column`, in `sheet`, saying `says`."""
    place = f"<td>{re.escape(sheet)}</td>" if sheet else ""
    pattern = place + rf'<td class="num">{line}</td><td>{re.escape(column)}</td><td>([^<]*)</td>'
    return any(says in unescape(m.group(1)) for m in re.finditer(pattern, html))
