"""Reading and writing CSV files that people make in spreadsheets, safely. Reused by every import/export.

Reading an upload is two steps, so the decoded text can be kept between preview and confirm:

    text = decode_upload(file.read(), filename=file.filename)   # size, type and encoding checks
    table = parse_csv(text, required=("name", "phone"), optional=("opd_code",))

- `decode_upload` refuses empty, oversized, binary (NUL bytes, Excel/ZIP, PDF) and non-UTF-8
  content with a `CsvError` whose message says what is wrong and how to fix it; a UTF-8 BOM
  (Excel's "CSV UTF-8") is removed.
- `parse_csv` detects the delimiter (comma, or semicolon as written by spreadsheets in the
  Indonesian locale) from the header line, normalises the header names (case, spaces), checks
  the columns and returns rows keyed by column with the line number each row starts on.
- Problems found in single rows are collected as `CsvProblem(line, column, message)` in an
  `ImportPreview`, so the user sees every error at once, each naming line and column.

Writing: `csv_response(filename, header, rows)` streams a download with a BOM (so Excel reads
UTF-8) and every cell passed through `safe_cell`, which neutralises spreadsheet formula injection
(cells starting with = + - @, tab or carriage return get a leading apostrophe, and so does every part
after a `;` or a tab that starts with = + - @). `parse_csv` removes those apostrophes again, so our own
exports import unchanged. `SafeCsvWriter` quotes every cell that holds a `;`, a tab, a comma, a quote or a
line break, whatever the delimiter: spreadsheets in the Indonesian locale split on `;`, so an unquoted
`Budi;=SUM(7*6)` would otherwise become a live formula in a cell of its own.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from flask import Response
from flask_babel import lazy_gettext as _l

from outreach.xlsxio import WorkbookError, is_workbook, workbook_to_csv

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A part of a cell after a `;` or a tab: a reader that splits there sees it as a cell of its own.
_FORMULA_PART = re.compile(r"([;\t])([=+\-@])")
_ESCAPED_PART = re.compile(r"(^|[;\t])'([=+\-@])")
# Quoted whatever the delimiter, so no reader (comma, semicolon or tab) splits the cell.
_QUOTE_CHARS = frozenset('",;\t\r\n')
CSV_EXTENSIONS = (".csv", ".txt")
XLSX_EXTENSIONS = (".xlsx",)
# Signatures of files people upload by mistake instead of a CSV export.
BINARY_SIGNATURES = {
    b"PK\x03\x04": _l("an Excel workbook or ZIP archive"),
    b"\xd0\xcf\x11\xe0": _l("an old Excel/Word file"),
    b"%PDF": _l("a PDF document"),
    b"\x89PNG": _l("a PNG image"),
    b"\xff\xd8\xff": _l("a JPEG image"),
}


class CsvError(ValueError):
    """The whole file is unusable (too big, not CSV, wrong columns); the message says why."""


@dataclass(frozen=True)
class CsvProblem:
    """One thing wrong in one row: the file line, the column (None for the whole row) and what is wrong."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.column:
            return str(
                _l(
                    "Line %(line)s, column %(column)s: %(message)s",
                    line=self.line,
                    column=self.column,
                    message=self.message,
                )
            )
        return str(_l("Line %(line)s: %(message)s", line=self.line, message=self.message))


@dataclass
class CsvTable:
    """A parsed CSV: normalised header, rows as (line number, {column: stripped value}), the delimiter."""

    header: list[str]
    rows: list[tuple[int, dict[str | None, str]]]  # None: the cells past the header, joined
    delimiter: str


@dataclass
class ImportPreview:
    """What an import would do: rows to add, to update and unchanged, plus every problem found.

    Each of `added`, `updated` and `unchanged` holds whatever the importer needs to apply the row
    later (and to show it in the preview); an import with any problem must write nothing.
    `context` holds what the importer loaded while checking (lookups) for reuse when applying.
    """

    added: list[Any] = field(default_factory=list)
    updated: list[Any] = field(default_factory=list)
    unchanged: list[Any] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no row has a problem, so the import may be committed."""
        return not self.problems

    def problem(self, line: int, column: str | None, message: Any) -> None:
        """Record a problem in a row."""
        self.problems.append(CsvProblem(line, column, str(message)))

    def check_length(self, line: int, column: str, value: str, limit: int) -> bool:
        """Record a problem when `value` is longer than its database column allows; True when it fits.

        PostgreSQL refuses an over-long value only when the import is confirmed, so the preview checks.
        """
        if len(value) <= limit:
            return True
        self.problem(
            line, column, _l("Too long: %(length)d characters, at most %(limit)d.", length=len(value), limit=limit)
        )
        return False

    def counts(self) -> dict[str, int]:
        """Numbers for the preview and the audit event."""
        return {"added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged)}


def column_length(column) -> int:
    """The maximum length of a String model column (`Area.name` -> 120)."""
    return column.property.columns[0].type.length


@dataclass(frozen=True)
class Upload:
    """An upload as CSV text; `sheet` names the workbook sheet it came from (None for a CSV file)."""

    text: str
    sheet: str | None = None


def too_big(size: int, max_bytes: int | None = None) -> CsvError | None:
    """The error for a file of `size` bytes over the limit, so callers can refuse it before reading it."""
    max_bytes = max_bytes or DEFAULT_MAX_BYTES
    if size <= max_bytes:
        return None
    return CsvError(
        _l(
            "The file is %(size)s KB; the limit is %(limit)s KB. Split it into smaller files.",
            size=size // 1024,
            limit=max_bytes // 1024,
        )
    )


def read_upload(
    data: bytes,
    filename: str | None = None,
    max_bytes: int | None = None,
    sheet: str | None = None,
    max_rows: int | None = None,
) -> Upload:
    """An uploaded CSV, or an Excel workbook's sheet (`sheet`, or its only data sheet), as CSV text.

    A workbook's line numbers are its row numbers. Raises CsvError saying what is wrong and how to fix it.
    """
    name = (filename or "").lower()
    if is_workbook(data) and (name.endswith(XLSX_EXTENSIONS) or not filename) or name.endswith(XLSX_EXTENSIONS):
        if not data:
            raise CsvError(_l("The file is empty."))
        if error := too_big(len(data), max_bytes):
            raise error
        try:
            text, used = workbook_to_csv(data, sheet=sheet, max_rows=max_rows or DEFAULT_MAX_ROWS)
        except WorkbookError as exc:
            raise CsvError(exc.args[0]) from None
        return Upload(text, used)
    return Upload(decode_upload(data, filename, max_bytes))


def decode_upload(data: bytes, filename: str | None = None, max_bytes: int | None = None) -> str:
    """Check an uploaded CSV file's size, type and encoding and return its text without a BOM.

    Raises CsvError for an empty or oversized file, a name not ending in .csv/.txt, binary content
    (old Excel files, PDFs, images, NUL bytes) or text that is not UTF-8. Use `read_upload` to take
    .xlsx workbooks as well.
    """
    if filename and not filename.lower().endswith(CSV_EXTENSIONS):
        raise CsvError(
            _l(
                '%(name)s is not a CSV or Excel (.xlsx) file. Save the sheet as .xlsx or "CSV UTF-8" and upload that.',
                name=filename,
            )
        )
    if not data:
        raise CsvError(_l("The file is empty."))
    if error := too_big(len(data), max_bytes):
        raise error
    for signature, kind in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise CsvError(
                _l('This is %(kind)s, not a CSV file. Save the sheet as "CSV UTF-8" and upload that.', kind=kind)
            )
    if b"\x00" in data:
        raise CsvError(_l('The file contains binary data, not CSV text. Save the sheet as "CSV UTF-8".'))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvError(
            _l('Line %(line)s is not UTF-8 text. Save the sheet as "CSV UTF-8" and upload it again.', line=line)
        ) from None
    return text


def sniff_delimiter(text: str) -> str:
    """Semicolon when the header line has more semicolons than commas (Indonesian-locale spreadsheets), else comma."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def normalise_column(name: str) -> str:
    """Header names compared loosely: 'Kode Area ' and 'kode_area' are the same column."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def unescape_cell(value: str) -> str:
    """Undo `safe_cell`: drop the apostrophes we put before a formula-like value or part."""
    return _ESCAPED_PART.sub(r"\1\2", value) if "'" in value else value


def parse_csv(
    text: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    max_rows: int = DEFAULT_MAX_ROWS,
    aliases: dict[str, str] | None = None,
) -> CsvTable:
    """Parse CSV text into rows keyed by (normalised) column name.

    Args:
        text: the decoded file, e.g. from `decode_upload`.
        required: columns that must be present in the header.
        optional: columns that may be present; any other column is refused.
        max_rows: refuse files with more data rows than this.
        aliases: other header spellings (such as the Indonesian headers of a template) -> column name.

    Blank lines are skipped; each row carries the line number it starts on (the header is line 1).
    Raises CsvError for a missing header, missing/unknown/repeated columns or too many rows.
    Rows with more cells than the header are kept with an extra key `None` so the importer can
    report them.
    """
    if not text.strip():
        raise CsvError(_l("The file is empty."))
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        raw_header = next(reader)
    except csv.Error as exc:
        raise CsvError(_l("Line 1 cannot be read as CSV: %(error)s", error=str(exc))) from None
    spelled = {normalise_column(k): v for k, v in (aliases or {}).items()}
    header = [spelled.get(normalise_column(h), normalise_column(h)) for h in raw_header]
    known = list(required) + list(optional)
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise CsvError(_l("Column %(names)s appears more than once in the header (line 1).", names=", ".join(repeated)))
    # Name columns as the file's template spells them (the first alias), else by the importer's name.
    shown: dict[str, str] = {}
    for spelling, column in (aliases or {}).items():
        shown.setdefault(column, spelling)
    known_shown = ", ".join(shown.get(c, c) for c in known)
    missing = [shown.get(c, c) for c in required if c not in header]
    if missing:
        raise CsvError(
            _l(
                "The header (line 1) lacks the column(s) %(missing)s. Expected columns: %(expected)s.",
                missing=", ".join(missing),
                expected=known_shown,
            )
        )
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise CsvError(
            _l(
                "Unknown column(s) %(unknown)s in the header (line 1). Expected columns: %(expected)s.",
                unknown=", ".join(unknown),
                expected=known_shown,
            )
        )
    rows: list[tuple[int, dict[str | None, str]]] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= max_rows:
                raise CsvError(_l("The file has more than %(max)s rows. Split it into smaller files.", max=max_rows))
            row: dict[str | None, str] = {
                name: unescape_cell(cells[i].strip()) if i < len(cells) else "" for i, name in enumerate(header) if name
            }
            extra = [c for c in cells[len(header) :] if c.strip()]
            if extra:
                row[None] = delimiter.join(extra)
            rows.append((start, row))
    except csv.Error as exc:
        raise CsvError(_l("Line %(line)s cannot be read as CSV: %(error)s", line=line, error=str(exc))) from None
    return CsvTable(header=header, rows=rows, delimiter=delimiter)


TRUE_WORDS = {"1", "ya", "y", "yes", "true", "aktif", "active"}
FALSE_WORDS = {"0", "tidak", "t", "no", "n", "false", "nonaktif", "non-aktif", "inactive"}


def parse_flag(value: str) -> bool | None:
    """Read a yes/no cell (1/0, ya/tidak, yes/no, true/false, aktif/nonaktif); None when empty.

    Raises ValueError with a message naming the accepted words for anything else.
    """
    text = (value or "").strip().lower()
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(str(_l("%(value)s is not yes/no; write 1 or 0 (ya/tidak).", value=value)))


@dataclass
class PlannedRow:
    """One row of an import as the preview shows it: its line, a label and the changes it makes."""

    line: int
    label: str
    changes: dict[str, list[Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


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
