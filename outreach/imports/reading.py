"""Reading the CSV files and Excel workbooks people make in spreadsheets, safely: the one reader of every import.

Reading an upload is two steps, so the text can be kept between preview and confirm:

    upload = read_file(storage, sheet="Promotor")          # size first, then type, encoding or workbook
    table = parse_csv(upload.text, required=("name", "phone"), optional=("opd_code",))

- `read_file` (a form's upload) and `read_upload` (bytes) refuse an empty or oversized file before
  reading it into memory, binary content (NUL bytes, old Excel files, PDF) and non-UTF-8 text; a UTF-8
  BOM (Excel's "CSV UTF-8") is removed. An .xlsx workbook's expected sheet is read as CSV text
  (`workbooks.workbook_to_csv`), so a workbook's line numbers are its row numbers.
- `parse_csv` detects the delimiter (comma, or semicolon as written by spreadsheets in the
  Indonesian locale) from the header line, normalises the header names (case, spaces), maps the
  template's Indonesian headers to the importer's columns, checks the columns and returns rows keyed
  by column with the line number each row starts on. `parse_table` is the same for importers that
  check whole rows themselves, with the columns as the file spells them.

Everything wrong is an `ImportRefused` carrying `ImportProblem`s (sheet, line, column, message).
"""

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from outreach.imports.problems import ImportProblem, ImportRefused, in_sheet
from outreach.imports.workbooks import is_workbook, workbook_to_csv

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
_ESCAPED_PART = re.compile(r"(^|[;\t])'([=+\-@])")
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


@dataclass
class CsvTable:
    """A parsed CSV: normalised header, rows as (line number, {column: stripped value}), the delimiter.

    `spelled` maps each column to the header as the file writes it, so problems name what people see.
    """

    header: list[str]
    rows: list[tuple[int, dict[str | None, str]]]  # None: the cells past the header, joined
    delimiter: str
    spelled: dict[str, str] | None = None


@dataclass(frozen=True)
class Upload:
    """An upload as CSV text; `sheet` names the workbook sheet it came from (None for a CSV file)."""

    text: str
    sheet: str | None = None
    filename: str | None = None


def too_big(size: int, max_bytes: int | None = None) -> ImportRefused | None:
    """The refusal of a file of `size` bytes over the limit, so callers can refuse it before reading it."""
    max_bytes = max_bytes or DEFAULT_MAX_BYTES
    if size <= max_bytes:
        return None
    return ImportRefused.whole_file(
        _l(
            "The file is %(size)s KB; the limit is %(limit)s KB. Split it into smaller files.",
            size=size // 1024,
            limit=max_bytes // 1024,
        )
    )


def check_size(storage, max_bytes: int | None = None) -> None:
    """Refuse a form's uploaded file (a werkzeug `FileStorage`) over the size limit, before reading it.

    The size is known from the spooled upload, so nothing is read into memory to find it.
    """
    stream = storage.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if error := too_big(size, max_bytes):
        raise error


def read_checked(storage, max_bytes: int | None = None) -> bytes:
    """A form's uploaded file's bytes, refused (`check_size`) before reading when it is over the limit."""
    check_size(storage, max_bytes)
    return storage.read()


def read_file(storage, sheet: str | None = None, max_bytes: int | None = None) -> Upload:
    """A form's uploaded file (a werkzeug `FileStorage`) read as `read_upload` does, its size checked first.

    An oversized file is refused before it is read into memory (`check_size`).
    """
    check_size(storage, max_bytes)
    return read_upload(storage.read(), filename=storage.filename, max_bytes=max_bytes, sheet=sheet)


def read_upload(
    data: bytes,
    filename: str | None = None,
    max_bytes: int | None = None,
    sheet: str | None = None,
    max_rows: int | None = None,
) -> Upload:
    """An uploaded CSV, or an Excel workbook's sheet (`sheet`, or its only data sheet), as CSV text.

    A workbook's line numbers are its row numbers. Raises ImportRefused saying what is wrong and how to fix it.
    """
    name = (filename or "").lower()
    if is_workbook(data) and (name.endswith(XLSX_EXTENSIONS) or not filename) or name.endswith(XLSX_EXTENSIONS):
        if not data:
            raise ImportRefused.whole_file(_l("The file is empty."))
        if error := too_big(len(data), max_bytes):
            raise error
        text, used = workbook_to_csv(data, sheet=sheet, max_rows=max_rows or DEFAULT_MAX_ROWS)
        return Upload(text, used, filename)
    return Upload(decode_upload(data, filename, max_bytes), None, filename)


def decode_upload(data: bytes, filename: str | None = None, max_bytes: int | None = None) -> str:
    """Check an uploaded CSV file's size, type and encoding and return its text without a BOM.

    Raises ImportRefused for an empty or oversized file, a name not ending in .csv/.txt, binary content
    (old Excel files, PDFs, images, NUL bytes) or text that is not UTF-8. Use `read_upload` to take
    .xlsx workbooks as well.
    """
    if filename and not filename.lower().endswith(CSV_EXTENSIONS):
        raise ImportRefused.whole_file(
            _l(
                '%(name)s is not a CSV or Excel (.xlsx) file. Save the sheet as .xlsx or "CSV UTF-8" and upload that.',
                name=filename,
            )
        )
    if not data:
        raise ImportRefused.whole_file(_l("The file is empty."))
    if error := too_big(len(data), max_bytes):
        raise error
    for signature, kind in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise ImportRefused.whole_file(
                _l('This is %(kind)s, not a CSV file. Save the sheet as "CSV UTF-8" and upload that.', kind=kind)
            )
    if b"\x00" in data:
        raise ImportRefused.whole_file(
            _l('The file contains binary data, not CSV text. Save the sheet as "CSV UTF-8".')
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused.whole_file(
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
    """Undo `writing.safe_cell`: drop the apostrophes we put before a formula-like value or part."""
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
        text: the decoded file, e.g. `read_upload(...).text`.
        required: columns that must be present in the header.
        optional: columns that may be present; any other column is refused.
        max_rows: refuse files with more data rows than this.
        aliases: other header spellings (such as the Indonesian headers of a template) -> column name.

    Blank lines are skipped; each row carries the line number it starts on (the header is line 1).
    Raises ImportRefused for a missing header, missing/unknown/repeated columns or too many rows.
    Rows with more cells than the header are kept with an extra key `None` so the importer can
    report them.
    """
    if not text.strip():
        raise ImportRefused.whole_file(_l("The file is empty."))
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        raw_header = next(reader)
    except csv.Error as exc:
        raise ImportRefused.whole_file(_l("Line 1 cannot be read as CSV: %(error)s", error=str(exc))) from None
    spelled = {normalise_column(k): v for k, v in (aliases or {}).items()}
    header = [spelled.get(normalise_column(h), normalise_column(h)) for h in raw_header]
    as_written = {column: raw.strip() for column, raw in zip(header, raw_header, strict=True) if column}
    known = list(required) + list(optional)
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise ImportRefused.whole_file(
            _l("Column %(names)s appears more than once in the header (line 1).", names=", ".join(repeated))
        )
    # Name columns as the file's template spells them (the first alias), else by the importer's name.
    shown: dict[str, str] = {}
    for spelling, column in (aliases or {}).items():
        shown.setdefault(column, spelling)
    known_shown = ", ".join(shown.get(c, c) for c in known)
    missing = [shown.get(c, c) for c in required if c not in header]
    if missing:
        raise ImportRefused.whole_file(
            _l(
                "The header (line 1) lacks the column(s) %(missing)s. Expected columns: %(expected)s.",
                missing=", ".join(missing),
                expected=known_shown,
            )
        )
    unknown = [as_written.get(h, h) for h in header if h and h not in known]
    if unknown:
        raise ImportRefused.whole_file(
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
                raise ImportRefused.whole_file(
                    _l("The file has more than %(max)s rows. Split it into smaller files.", max=max_rows)
                )
            row: dict[str | None, str] = {
                name: unescape_cell(cells[i].strip()) if i < len(cells) else "" for i, name in enumerate(header) if name
            }
            extra = [c for c in cells[len(header) :] if c.strip()]
            if extra:
                row[None] = delimiter.join(extra)
            rows.append((start, row))
    except csv.Error as exc:
        raise ImportRefused.whole_file(
            _l("Line %(line)s cannot be read as CSV: %(error)s", line=line, error=str(exc))
        ) from None
    return CsvTable(header=header, rows=rows, delimiter=delimiter, spelled=as_written)


@dataclass(frozen=True)
class Row:
    """A data row: the line it starts on and its values by canonical column name."""

    line: int
    values: dict[str, str]


@dataclass
class Table:
    """The rows of an import that checks whole rows itself, and each column as the file spells it.

    `located()` wraps the checks so every problem they refuse names the column as the file writes it.
    """

    rows: list[Row]
    spelled: dict[str, str]

    def located(self):
        """A context in which every refusal names its column as the file does (the caller adds the sheet)."""
        return in_sheet(None, self.spelled)


def parse_table(text: str, columns: Mapping[str, Sequence[str]], required: Iterable[str]) -> Table:
    """Parse an upload's CSV text (`read_file(...).text`, a workbook's sheet included) into rows.

    Args:
        text: the decoded file; comma or semicolon separated.
        columns: canonical column name -> accepted header spellings (compared loosely).
        required: canonical names that must be present.

    Raises ImportRefused naming the line and column of every problem in the file's shape; the caller
    places it in the workbook's sheet (`in_sheet`).
    """
    aliases = {normalise_column(a): name for name, spellings in columns.items() for a in (name, *spellings)}
    table = parse_csv(text, required=(), optional=list(aliases))
    names = [aliases.get(h) for h in table.header]
    spelled = {aliases[h]: (table.spelled or {}).get(h, h) for h in table.header if h in aliases}
    problems = [
        ImportProblem(1, name, _l("column appears twice"))
        for name in sorted({n for n in names if n and names.count(n) > 1})
    ]
    problems += [ImportProblem(1, name, _l("required column is missing")) for name in required if name not in names]
    if problems:
        raise ImportRefused(problems)
    rows: list[Row] = []
    for line, cells in table.rows:
        if None in cells:
            problems.append(
                ImportProblem(line, None, _l("more fields than the header has columns (%(n)s)", n=len(table.header)))
            )
            continue
        rows.append(Row(line, {aliases[key]: value for key, value in cells.items() if key in aliases}))
    if problems:
        raise ImportRefused(problems).located(None, spelled)
    if not rows:
        raise ImportRefused([ImportProblem(1, None, _l("the file has a header but no data rows"))])
    return Table(rows, spelled)


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
