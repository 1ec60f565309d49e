"""Starter files for each import: Indonesian headers, one example row, and a notes sheet in the .xlsx.

The headers are what people see in the file; `aliases` maps them to the columns the importer reads,
so a filled-in template imports as it is, in CSV or in Excel.
"""

from dataclasses import dataclass

from outreach.imports.workbooks import build_workbook
from outreach.imports.writing import write_csv


@dataclass(frozen=True)
class TemplateColumn:
    """One column: the importer's name for it, its Indonesian header, an example value and a note."""

    key: str
    header: str
    example: str
    note: str


@dataclass(frozen=True)
class ImportTemplate:
    """The starter file of one import."""

    kind: str
    filename: str
    sheet: str
    columns: tuple[TemplateColumn, ...]

    def aliases(self) -> dict[str, str]:
        """Indonesian header -> the importer's column name."""
        return {c.header: c.key for c in self.columns}

    def header(self) -> list[str]:
        """The Indonesian headers, in order."""
        return [c.header for c in self.columns]

    def example(self) -> list[str]:
        """The example row."""
        return [c.example for c in self.columns]


def template_csv(template: ImportTemplate) -> str:
    """The template as CSV text with a BOM, so Excel opens Indonesian names right."""
    return "\ufeff" + write_csv(template.header(), [template.example()])


def template_xlsx(template: ImportTemplate) -> bytes:
    """The template as an .xlsx: the data sheet with one example row and a 'Catatan' sheet."""
    return build_workbook(
        template.sheet, template.header(), [template.example()], [(c.header, c.note) for c in template.columns]
    )
