"""Excel workbooks (.xlsx) read into the same CSV text an upload in CSV gives, so every importer reads both.

The lists coordinators receive from kelurahan offices are spreadsheets. Rather than a reader of its
own, `workbook_to_csv` turns one sheet into CSV text, one line per sheet row, so the line
numbers the importers report are the sheet's row numbers. A workbook is refused whole, before its
cells are loaded, when it is too large unpacked or has too many rows; and after loading when the
sheet is not the expected one, when cells are merged or when a cell holds a formula: each of those
would import something other than what people see.
"""

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from outreach.imports.problems import ImportRefused

# Unpacked XML of a 4 MB workbook stays well under this; a "zip bomb" does not.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
NOTES_SHEETS = ("catatan", "notes", "petunjuk")


def is_workbook(data: bytes) -> bool:
    """True for a ZIP container (an .xlsx workbook is one)."""
    return data.startswith(b"PK\x03\x04")


def _check_container(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportRefused.whole_file(
            _l("This file is damaged or not an Excel workbook. Save it again as .xlsx.")
        ) from None
    if "xl/workbook.xml" not in names:
        raise ImportRefused.whole_file(_l("This ZIP file is not an Excel workbook (.xlsx)."))
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportRefused.whole_file(
            _l("The workbook unpacks to more than %(mb)s MB. Split it into smaller files.", mb=MAX_UNPACKED_BYTES >> 20)
        )


def _choose_sheet(names: Sequence[str], sheet: str | None) -> str:
    """The expected sheet, or the only sheet that is not a notes sheet."""
    if sheet is not None:
        for name in names:
            if name.strip().casefold() == sheet.casefold():
                return name
    data_sheets = [n for n in names if n.strip().casefold() not in NOTES_SHEETS]
    if len(data_sheets) == 1 and (sheet is None or len(names) == 1):
        return data_sheets[0]
    raise ImportRefused.whole_file(
        _l(
            "The workbook has no sheet “%(sheet)s” (it has: %(names)s). Put the rows in a sheet named "
            "“%(sheet)s”, as in the template.",
            sheet=sheet or "",
            names=", ".join(names),
        )
    )


def _text(value) -> str:
    """A cell as people read it: whole numbers without '.0', dates as YYYY-MM-DD, yes/no as 1/0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # A line break inside a cell would shift every later line number away from the sheet's row numbers.
    return " ".join(str(value).splitlines())


def workbook_to_csv(data: bytes, sheet: str | None = None, max_rows: int = 50_000) -> tuple[str, str]:
    """The chosen sheet as CSV text (comma-separated, one line per sheet row) and the sheet's name.

    Raises ImportRefused for a damaged or oversized workbook, a missing sheet, too many rows, merged
    cells or formulas.
    """
    _check_container(data)
    try:
        # Read-only first: sheet names and the sheet's declared size, without loading its cells.
        peek = load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ImportRefused.whole_file(
            _l("This file is damaged or not an Excel workbook. Save it again as .xlsx.")
        ) from None
    name = _choose_sheet(peek.sheetnames, sheet)
    declared_rows = peek[name].max_row or 0
    peek.close()
    if declared_rows - 1 > max_rows:
        raise ImportRefused.whole_file(
            _l(
                "Sheet “%(sheet)s” has %(rows)s rows; the limit is %(max)s. Split it into smaller files.",
                sheet=name,
                rows=declared_rows,
                max=max_rows,
            )
        )
    book = load_workbook(io.BytesIO(data), data_only=False)
    worksheet = book[name]
    if worksheet.merged_cells.ranges:
        merged = ", ".join(str(r) for r in list(worksheet.merged_cells.ranges)[:3])
        raise ImportRefused.whole_file(
            _l(
                "Sheet “%(sheet)s” has merged cells (%(cells)s). Unmerge them so each column has its own "
                "heading and each row its own values.",
                sheet=name,
                cells=merged,
            )
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    lines: list[list[str]] = []
    for row in worksheet.iter_rows():
        cells = []
        for cell in row:
            if cell.data_type == "f":
                raise ImportRefused.whole_file(
                    _l(
                        "Sheet “%(sheet)s”, cell %(cell)s holds a formula. Copy the sheet and paste values only "
                        "(Paste Special → Values), then upload it again.",
                        sheet=name,
                        cell=cell.coordinate,
                    )
                )
            cells.append(_text(cell.value))
        lines.append(cells)
    while lines and not any(lines[-1]):
        lines.pop()
    if len(lines) - 1 > max_rows:
        raise ImportRefused.whole_file(
            _l("The file has more than %(max)s rows. Split it into smaller files.", max=max_rows)
        )
    for cells in lines:
        writer.writerow(cells)
    return out.getvalue(), name


def build_workbook(
    sheet: str, header: Sequence[str], rows: Sequence[Sequence], notes: Sequence[tuple[str, str]] = ()
) -> bytes:
    """An .xlsx with the data sheet (bold header, one row per item) and a notes sheet explaining each column."""
    book = Workbook()
    data = book.active
    data.title = sheet
    data.append(list(header))
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in rows:
        data.append(["" if v is None else v for v in row])
    for index, title in enumerate(header, start=1):
        data.column_dimensions[get_column_letter(index)].width = max(14, len(str(title)) + 4)
        data.cell(row=1, column=index).number_format = "@"
    for row in data.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # text: phone numbers keep their leading 0, codes their dots
    if notes:
        sheet_notes = book.create_sheet("Catatan")
        sheet_notes.append(["Kolom", "Keterangan"])
        for cell in sheet_notes[1]:
            cell.font = Font(bold=True)
        for column, note in notes:
            sheet_notes.append([column, note])
        sheet_notes.column_dimensions["A"].width = 18
        sheet_notes.column_dimensions["B"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
