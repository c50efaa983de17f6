"""What checking an upload found: its problems, row by row, and the :class:`Prepared` result.

Each problem is an *error* (the row cannot be imported: it is left out) or a *warning*
(the row is imported, with what the warning says: a value cleared, coordinates swapped
back, the latest of two rows with one id kept); it counts and lists only rows that are imported.
A row an error leaves out is reported under its error, and under the warnings that say why it
could not be placed (community or street names not found), as notes on rows left out. A
*blocking* problem (unreadable file, no header, a missing required column) means nothing can be imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import polars as pl

from dashboard.core.loading import ROW
from dashboard.core.problems import Problem, rows_problem

Severity = Literal["error", "warning"]
# Warnings that say why a row could not be placed: for the rows an error leaves out they are kept as notes
# on those rows (the names the boundary file does not know are what the user has to correct).
EXPLAINS_REFUSAL: Final = ("unknown_community_cleared", "unknown_street_cleared")


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
    # The further fields a header fills (one header to several fields): header -> fields.
    copies: dict[str, list[str]] = field(default_factory=dict)
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
    # Warnings on rows an error leaves out that say why (``EXPLAINS_REFUSAL``); other warnings name kept rows.
    left_out: list[Problem] = field(default_factory=list)

    @property
    def good_count(self) -> int:
        return 0 if self.good is None else len(self.good)

    @property
    def refused(self) -> bool:
        return bool(self.blocking) or self.good_count == 0


@dataclass(frozen=True)
class _Note:
    """A warning with every row it concerns (a :class:`Problem` keeps only the first rows).

    Its detail is ``detail``, or the distinct ``values`` of the rows shown (an unknown category), or
    how many of the rows shown are in each of ``parts`` ("closed 2, reported 1").
    """

    code: str
    column: str | None
    rows: frozenset[int]
    detail: str = ""
    values: tuple[tuple[int, str], ...] = ()
    parts: tuple[tuple[str, frozenset[int]], ...] = ()
    # A note on the whole file (the report time taken from the acceptance time): rows counted, not listed.
    listed: bool = True

    def problem(self, file: str, rows: set[int]) -> Problem | None:
        detail = self.detail
        if self.values:
            shown = sorted({v for r, v in self.values if r in rows})
            detail = ", ".join(shown[:5])
        elif self.parts:
            detail = ", ".join(f"{name} {len(part & rows)}" for name, part in self.parts)
        if not rows:
            return None
        if not self.listed:
            return Problem(file, self.code, self.column, count=len(rows), detail=detail)
        return rows_problem(file, self.code, self.column, sorted(rows), detail)


@dataclass
class Findings:
    """Errors and warnings for one file, and the rows the errors leave out.

    Warnings are kept with all their rows until :meth:`settle`: a warning then counts and lists only
    the rows that are imported, and one whose rows are all left out is not reported as imported.
    """

    file: str
    errors: list[Problem] = field(default_factory=list)
    notes: list[_Note] = field(default_factory=list)
    error_rows: set[int] = field(default_factory=set)
    # Every row of each error code (a problem lists only its first rows).
    rows_by_code: dict[str, set[int]] = field(default_factory=dict)

    def add(
        self,
        severity: Severity,
        code: str,
        column: str | None,
        rows: Sequence[int],
        detail: str = "",
    ) -> None:
        if not rows:
            return
        if severity == "error":
            problem = rows_problem(self.file, code, column, sorted(rows), detail)
            if problem is not None:
                self.errors.append(problem)
            self.error_rows.update(rows)
            self.rows_by_code.setdefault(code, set()).update(rows)
            return
        self.notes.append(_Note(code, column, frozenset(rows), detail))

    def note_file(
        self, code: str, column: str | None, rows: Sequence[int], parts: dict[str, set[int]]
    ) -> None:
        """A warning on every row of the file, counted (not listed), with how many rows are in each part."""
        shares = tuple((name, frozenset(part)) for name, part in parts.items())
        self.notes.append(_Note(code, column, frozenset(rows), parts=shares, listed=False))

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
        """The rows of ``frame`` where ``mask`` holds; the detail lists their ``detail_column`` values."""
        hit = frame.filter(mask)
        rows = hit.get_column(ROW).to_list()
        if not detail_column or hit.is_empty():
            self.add(severity, code, column, rows)
            return
        given = hit.get_column(detail_column).cast(pl.String)
        if severity == "error":
            self.add(severity, code, column, rows, ", ".join(given.drop_nulls().unique().sort().head(5)))
            return
        values = tuple((r, v) for r, v in zip(rows, given.to_list(), strict=True) if v is not None)
        self.notes.append(_Note(code, column, frozenset(rows), values=values))

    def settle(self, prepared: Prepared, good: Any) -> Prepared:
        """Record the findings and the good rows in ``prepared``: the warnings with their rows that are
        imported, and (``EXPLAINS_REFUSAL``) with their rows that an error leaves out."""
        prepared.errors = self.errors
        for note in self.notes:
            kept = note.problem(self.file, set(note.rows - self.error_rows))
            prepared.warnings += [kept] if kept else []
            left = note.problem(self.file, set(note.rows & self.error_rows))
            prepared.left_out += [left] if left and note.code in EXPLAINS_REFUSAL else []
        prepared.bad_rows = len(self.error_rows)
        prepared.good = good
        return prepared
