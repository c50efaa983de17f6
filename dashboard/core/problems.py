"""Validation problems found in a data root, with messages in Chinese and English."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dashboard.core.text import md_text
from dashboard.i18n import LANGS, Lang, t

# At most this many rows are listed for one kind of problem in one column;
# the rest are counted, so a broken file of a million rows gives a readable report.
MAX_ROWS_LISTED = 10


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file: where (row and column, when known) and what.

    ``code`` names a message in the catalogs (``problem.<code>``); ``rows`` are
    the table's rows as the file (or a spreadsheet) shows them, header and title rows counted (the loader
    and the import alike: under a header on row 1 the first data row is 2), or feature numbers in GeoJSON.
    """

    file: str
    code: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    count: int = 0
    detail: str = ""
    # Further named figures of the message (``{rows}``, ``{limit}``), as text.
    params: tuple[tuple[str, str], ...] = ()

    def text(self, lang: Lang) -> str:
        """What is wrong, without where."""
        return t(
            f"problem.{self.code}", lang, detail=self.detail, column=self.column or "", **dict(self.params)
        )

    def message(self, lang: Lang) -> str:
        where = [t("problem.file", lang, file=self.file)]
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:MAX_ROWS_LISTED])
            more = self.count - min(len(self.rows), MAX_ROWS_LISTED)
            suffix = t("problem.more_rows", lang, count=more) if more > 0 else ""
            where.append(t("problem.rows", lang, rows=shown) + suffix)
        if self.column:
            where.append(t("problem.column", lang, column=self.column))
        return f"{t('problem.sep', lang).join(where)}: {self.text(lang)}"

    def bilingual(self) -> str:
        return "\n".join(self.message(lang) for lang in LANGS)


@dataclass
class DataError(Exception):
    """Raised when a data root cannot be loaded; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.message("en") for p in self.problems)

    def report(self, lang: Lang) -> str:
        """Every problem on a line of its own, as plain text (for a terminal)."""
        return "\n".join(f"- {p.message(lang)}" for p in self.problems)

    def markdown(self, lang: Lang) -> str:
        """The problems as a Markdown list; what came from the file (names, columns, values) stays text."""
        return "\n".join(f"- {md_text(p.message(lang))}" for p in self.problems)


def rows_problem(
    file: str, code: str, column: str | None, rows: Iterable[int], detail: str = ""
) -> Problem | None:
    """A problem listing the first rows of a (possibly long) sequence, or None if empty."""
    listed = list(rows)
    if not listed:
        return None
    return Problem(
        file=file,
        code=code,
        column=column,
        rows=tuple(listed[:MAX_ROWS_LISTED]),
        count=len(listed),
        detail=detail,
    )
