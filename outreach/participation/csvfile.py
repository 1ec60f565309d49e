"""CSV for participation: uploads read through the shared `outreach.csvio`, exports written formula-safe.

This adapter adds what the participation imports need on top of the shared reader: Indonesian
header aliases (tanggal, kode, jumlah…), required columns checked after aliasing, and every
problem (whole-file or per row) as a located `Problem` so the page can list them all.
"""

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from outreach import csvio


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file, located by line and column when known."""

    line: int | None
    column: str | None
    message: object

    def __str__(self) -> str:
        if self.line is None:
            return str(self.message)
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
    """A data row: the line it starts on and its values by canonical column name."""

    line: int
    values: dict[str, str]


def read_table(
    data: bytes, columns: Mapping[str, Sequence[str]], required: Iterable[str], filename: str | None = None
) -> list[Row]:
    """Parse an uploaded CSV (UTF-8 with or without BOM, comma or semicolon) or .xlsx workbook into rows.

    Args:
        data: the uploaded bytes; filename: its name, when known (.csv, .txt or .xlsx).
        columns: canonical column name -> accepted header spellings (compared loosely).
        required: canonical names that must be present.

    Raises CsvError naming the line and column of every problem in the file's shape.
    """
    aliases = {csvio.normalise_column(a): name for name, spellings in columns.items() for a in (name, *spellings)}
    try:
        table = csvio.parse_csv(csvio.read_upload(data, filename).text, required=(), optional=list(aliases))
    except csvio.CsvError as exc:
        raise CsvError([Problem(None, None, exc.args[0] if exc.args else str(exc))]) from None
    names = [aliases.get(h) for h in table.header]
    problems = [
        Problem(1, name, _l("column appears twice")) for name in sorted({n for n in names if n and names.count(n) > 1})
    ]
    problems += [Problem(1, name, _l("required column is missing")) for name in required if name not in names]
    if problems:
        raise CsvError(problems)
    rows: list[Row] = []
    for line, cells in table.rows:
        if None in cells:
            problems.append(
                Problem(line, None, _l("more fields than the header has columns (%(n)s)", n=len(table.header)))
            )
            continue
        rows.append(Row(line, {aliases[key]: value for key, value in cells.items() if key in aliases}))
    if problems:
        raise CsvError(problems)
    if not rows:
        raise CsvError([Problem(1, None, _l("the file has a header but no data rows"))])
    return rows


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula; numbers (even negative) stay numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return csvio.safe_cell(value)
    return value


def write_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (UTF-8 with BOM for spreadsheet apps) with every text cell formula-safe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csvio.SafeCsvWriter(out, cell=safe_cell)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
