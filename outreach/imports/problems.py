"""The one error type of every import: where a problem is (sheet, line or row, column) and what it is.

`ImportProblem` locates one thing wrong; `ImportRefused` is raised when a file cannot be imported and
carries every problem found, so pages, the API and the CLI list them all. Whole-file problems (too
big, not a CSV, a missing column) have no line; a workbook's problems name its sheet.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong in a file: the line (a workbook's row), the column, what is wrong and the sheet."""

    line: int | None
    column: str | None
    message: object
    sheet: str | None = None

    def __str__(self) -> str:
        message = str(self.message)
        if self.sheet:
            if self.line is None:
                return str(_l("Sheet “%(sheet)s”: %(message)s", sheet=self.sheet, message=message))
            if self.column:
                return str(
                    _l(
                        "Sheet “%(sheet)s”, row %(line)s, column “%(column)s”: %(message)s",
                        sheet=self.sheet,
                        line=self.line,
                        column=self.column,
                        message=message,
                    )
                )
            return str(
                _l("Sheet “%(sheet)s”, row %(line)s: %(message)s", sheet=self.sheet, line=self.line, message=message)
            )
        if self.line is None:
            return message
        if self.column:
            return str(
                _l("Line %(line)s, column %(column)s: %(message)s", line=self.line, column=self.column, message=message)
            )
        return str(_l("Line %(line)s: %(message)s", line=self.line, message=message))


@dataclass
class ImportRefused(ValueError):
    """The file cannot be imported, and nothing of it was written; `problems` lists every reason found."""

    problems: list[ImportProblem] = field(default_factory=list)

    @classmethod
    def whole_file(cls, message: object) -> "ImportRefused":
        """A refusal of the file as a whole (too big, not CSV, a missing column): no line, no column."""
        return cls([ImportProblem(None, None, message)])

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.problems)

    def located(self, sheet: str | None, headers: dict[str, str] | None = None) -> "ImportRefused":
        """The same refusal with each problem placed in `sheet` and its column named as the file spells it."""
        headers = headers or {}
        return ImportRefused(
            [
                replace(p, sheet=p.sheet or sheet, column=headers.get(p.column, p.column) if p.column else p.column)
                for p in self.problems
            ]
        )


@contextmanager
def in_sheet(sheet: str | None, headers: dict[str, str] | None = None) -> Iterator[None]:
    """Place every problem refused inside the block in `sheet` (a workbook's), naming columns as the file does."""
    try:
        yield
    except ImportRefused as exc:
        raise exc.located(sheet, headers) from None
