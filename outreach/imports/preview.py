"""What an import would do, shown before anything is written: the one preview every importer fills in."""

from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import lazy_gettext as _l

from outreach.imports.problems import ImportProblem


@dataclass
class ImportPreview:
    """What an import would do: rows to add, to update and unchanged, plus every problem found.

    Each of `added`, `updated` and `unchanged` holds whatever the importer needs to apply the row
    later (and to show it in the preview); an import with any problem must write nothing.
    `context` holds what the importer loaded while checking (lookups) for reuse when applying.
    `sheet` is the workbook sheet the rows came from (None for a CSV file); every problem names it.
    `notes` say what the import changes beyond its own rows (stored running totals recalculated).
    """

    added: list[Any] = field(default_factory=list)
    updated: list[Any] = field(default_factory=list)
    unchanged: list[Any] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no row has a problem, so the import may be committed."""
        return not self.problems

    def problem(self, line: int, column: str | None, message: Any) -> None:
        """Record a problem in a row."""
        self.problems.append(ImportProblem(line, column, str(message), self.sheet))

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

    def locate(self, sheet: str | None) -> None:
        """Place the preview and every problem found in a workbook's `sheet`."""
        self.sheet = sheet
        self.problems = [p if p.sheet else replace(p, sheet=sheet) for p in self.problems]

    def spell_columns(self, spelled: dict[str, str]) -> None:
        """Name each problem's column as the file writes it ('jumlah' for the importer's 'count')."""
        self.problems = [replace(p, column=spelled.get(p.column, p.column)) if p.column else p for p in self.problems]

    def counts(self) -> dict[str, int]:
        """Numbers for the preview and the audit event."""
        return {"added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged)}


@dataclass
class PlannedRow:
    """One row of an import as the preview shows it: its line, a label and the changes it makes."""

    line: int
    label: str
    changes: dict[str, list[Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


def column_length(column) -> int:
    """The maximum length of a String model column (`Area.name` -> 120)."""
    return column.property.columns[0].type.length
