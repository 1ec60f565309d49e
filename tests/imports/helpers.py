"""Reading the problems table every import page shows (templates/imports/_problems.html)."""

import re
from html import unescape


def problem_at(html: str, line: int, column: str, says: str = "", sheet: str | None = None) -> bool:
    """True when the page lists a problem at `line` (a workbook's row) and `column`, in `sheet`, saying `says`."""
    place = f"<td>{re.escape(sheet)}</td>" if sheet else ""
    pattern = place + rf'<td class="num">{line}</td><td>{re.escape(column)}</td><td>([^<]*)</td>'
    return any(says in unescape(m.group(1)) for m in re.finditer(pattern, html))
