"""Reading uploaded CSV files and writing formula-safe CSV exports.

Kept behind two small functions (`read_table`, `write_table`) so it can be swapped for a shared
project-wide CSV module without touching the importers or the views.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

DELIMITERS = (",", ";")
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file, located by line and column."""

    line: int
    column: str | None
    message: object

    def __str__(self) -> str:
        if self.column:
            return str(
                _l(
                    "line %(line)s, column %(column)s: %(message)s",
                    line=self.line,
                    column=self.column,
                    message=self.message,
                )
            )
        return str(_l("line %(line)s: %(message)s", line=self.line, message=self.message))


@dataclass
class CsvError(Exception):
    """The file cannot be imported; `problems` lists every reason found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class Row:
    """A data row: its line number in the file and its values by canonical column name."""

    line: int
    values: dict[str, str]


def read_table(data: bytes, columns: dict[str, Sequence[str]], required: Iterable[str]) -> list[Row]:
    """Parse a UTF-8 CSV (with or without BOM, comma or semicolon) into rows.

    Args:
        data: the uploaded bytes.
        columns: canonical column name -> accepted header spellings (case-insensitive).
        required: canonical names that must be present.

    Raises CsvError naming the line and column of every problem in the header or row shape.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvError([Problem(line, None, _l("the file is not UTF-8 text; save it as CSV UTF-8"))]) from None
    lines = text.splitlines()
    first = next((i for i, raw in enumerate(lines) if raw.strip()), None)
    if first is None:
        raise CsvError([Problem(1, None, _l("the file is empty"))])
    header_line = lines[first]
    delimiter = max(DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    problems: list[Problem] = []
    rows: list[Row] = []
    lookup = {alias.strip().lower(): name for name, aliases in columns.items() for alias in (name, *aliases)}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = []
                for cell in record:
                    name = lookup.get(cell.strip().lower())
                    if name is None:
                        problems.append(Problem(line, cell.strip() or "(empty)", _l("unknown column")))
                    elif name in header:
                        problems.append(Problem(line, cell.strip(), _l("column appears twice")))
                    header.append(name or "")
                for name in required:
                    if name not in header:
                        problems.append(Problem(line, name, _l("required column is missing")))
                if problems:
                    raise CsvError(problems)
                continue
            if len(record) != len(header):
                problems.append(
                    Problem(
                        line, None, _l("expected %(want)s fields, found %(got)s", want=len(header), got=len(record))
                    )
                )
                continue
            rows.append(Row(line, {name: cell.strip() for name, cell in zip(header, record, strict=True)}))
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, None, _l("unreadable CSV (%(error)s)", error=str(exc))))
    if problems:
        raise CsvError(problems)
    if not rows:
        raise CsvError([Problem(reader.line_num or 1, None, _l("the file has a header but no data rows"))])
    return rows


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


def write_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (UTF-8 with BOM for spreadsheet apps) with every text cell formula-safe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
