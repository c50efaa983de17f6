"""A headline number as a card shows it: value, change from the previous period, grade and sparkline."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.i18n import Lang
from dashboard.metrics.registry import METRICS, Grade


@dataclass(frozen=True)
class Kpi:
    """One headline number as shown on a card (the overview, meeting mode and the report).

    ``missing``: the value is empty because the data lacks its inputs (no acceptance times,
    no ratings...): the card shows "—" with :meth:`reason`, grey, never graded.
    """

    key: str
    value: float | None
    previous: float | None
    numerator: int | None
    denominator: int | None
    grade: Grade
    trend: tuple[float | None, ...]
    missing: bool = False

    def text(self, lang: Lang) -> str:
        return METRICS[self.key].format(self.value, lang)

    @property
    def flat(self) -> bool:
        """No change from the previous period, as shown (``+0.0``): neither good nor bad."""
        return METRICS[self.key].change(self.value, self.previous) == 0

    def delta(self, lang: Lang) -> str | None:
        return METRICS[self.key].delta(self.value, self.previous, lang)

    def reason(self, lang: Lang) -> str | None:
        """Why the value is empty ("no acceptance times in the data"), or None when it is not missing.

        >>> Kpi("response_rate", None, None, None, None, "none", (), missing=True).reason("en")
        'no acceptance times in the data'
        """
        return METRICS[self.key].missing_reason(lang) if self.missing else None
