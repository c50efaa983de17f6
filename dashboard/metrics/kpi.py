"""A headline number as a card shows it: value, change from the previous period, grade and sparkline."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.i18n import Lang
from dashboard.metrics.registry import METRICS, Grade


@dataclass(frozen=True)
class Kpi:
    """One headline number as shown on a card (the overview, meeting mode and the report)."""

    key: str
    value: float | None
    previous: float | None
    numerator: int | None
    denominator: int | None
    grade: Grade
    trend: tuple[float | None, ...]

    def text(self, lang: Lang) -> str:
        return METRICS[self.key].format(self.value, lang)

    def delta(self, lang: Lang) -> str | None:
        return METRICS[self.key].delta(self.value, self.previous, lang)
