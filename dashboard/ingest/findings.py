"""What checking an upload found: its problems, row by row, and the :class:`Prepared` result.

Each problem is an *error* (the row cannot be imported: it is left out) or a *warning*
(the row is imported, with what the warning says: a value cleared, coordinates swapped
back, the latest of two rows with one id kept). A *blocking* problem (unreadable file,
no header, a missing required column) means nothing can be imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from dashboard.core.loading import ROW
from dashboard.core.problems import Problem, rows_problem

Severity = Literal["error", "warning"]


@dataclass
class Prepared:
    """An upload read, mapped and checked: the good rows and the report, nothing written yet."""

    kind: str
    file: str
    total_rows: int = 0
    good: Any = None  # pl.DataFrame for tables, gpd.GeoDataFrame for grids
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    blocking: list[Problem] = field(default_factory=list)
    bad_rows: int = 0
    format: str = ""
    encoding: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int | None = None
    headers: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    unmatched: dict[str, list[str]] = field(default_factory=dict)
    superseded: int = 0
    # The first rows of the file as the report shows them (only when no header was recognised).
    sample: list[list[str]] = field(default_factory=list)
    # The mapping's constants that were applied: column -> value.
    constants: dict[str, str] = field(default_factory=dict)
    # How the rows to import are placed: rows per level (grid, community, street, outside) and "address"
    # for those placed in a grid by the gazetteer.
    placed: dict[str, int] = field(default_factory=dict)

    @property
    def good_count(self) -> int:
        return 0 if self.good is None else len(self.good)

    @property
    def refused(self) -> bool:
        return bool(self.blocking) or self.good_count == 0


@dataclass
class Findings:
    """Errors and warnings for one file, and the rows the errors leave out."""

    file: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    error_rows: set[int] = field(default_factory=set)
    # Every row of each error code (a problem lists only its first rows).
    rows_by_code: dict[str, set[int]] = field(default_factory=dict)

    def add(
        self, severity: Severity, code: str, column: str | None, rows: Sequence[int], detail: str = ""
    ) -> None:
        problem = rows_problem(self.file, code, column, sorted(rows), detail)
        if problem is None:
            return
        if severity == "error":
            self.errors.append(problem)
            self.error_rows.update(rows)
            self.rows_by_code.setdefault(code, set()).update(rows)
        else:
            self.warnings.append(problem)

    def refused(self, *codes: str) -> set[int]:
        """The rows left out for any of these error codes."""
        return set().union(*(self.rows_by_code.get(code, set()) for code in codes))

    def mask(
        self,
        frame: pl.DataFrame,
        severity: Severity,
        code: str,
        column: str | None,
        mask: pl.Expr,
        detail_column: str | None = None,
    ) -> None:
        hit = frame.filter(mask)
        detail = ""
        if detail_column and not hit.is_empty():
            values = hit.get_column(detail_column).cast(pl.String).drop_nulls().unique().sort().head(5)
            detail = ", ".join(values.to_list())
        self.add(severity, code, column, hit.get_column(ROW).to_list(), detail)

    def settle(self, prepared: Prepared, good: Any) -> Prepared:
        """Record the findings and the good rows in ``prepared``."""
        prepared.errors, prepared.warnings = self.errors, self.warnings
        prepared.bad_rows = len(self.error_rows)
        prepared.good = good
        return prepared
