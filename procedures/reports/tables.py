"""A chart's numbers: a table with a caption, and its CSV (cells escaped against spreadsheet formulas)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ..exports.selectors import spreadsheet_safe


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    # Figures about the whole table (a median, a definition's count), shown under it and appended to its CSV.
    summary: list[tuple[str, object]] = field(default_factory=list)

    def column(self, name: str) -> list:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([spreadsheet_safe(c) for c in self.columns])
        for row in self.rows:
            writer.writerow([spreadsheet_safe(c) for c in row])
        if self.summary:
            writer.writerow([])
            for label, value in self.summary:
                writer.writerow([spreadsheet_safe(label), spreadsheet_safe(value)])
        return out.getvalue()


def rate(part: int, whole: int) -> float | None:
    """A percentage to one decimal, None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)
