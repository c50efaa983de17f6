"""Demo timeline: the period covered, public holidays and working hours, in epoch seconds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

import numpy as np
from numpy.typing import NDArray

# Issues are reported from START up to (not including) END; no timestamp lies at or after END.
# Times are naive local time (Asia/Shanghai) counted as seconds since 1970-01-01 00:00.
START: Final = datetime(2024, 11, 1)
END: Final = datetime(2026, 11, 21)
DAY: Final = 86_400
HOUR: Final = 3_600

SPRING_FESTIVALS: Final = (date(2025, 1, 29), date(2026, 2, 17))
# (first day, last day, factor on the day's issue volume)
HOLIDAYS: Final = (
    (date(2025, 1, 1), date(2025, 1, 1), 0.85),
    (date(2025, 5, 1), date(2025, 5, 5), 0.82),
    (date(2025, 10, 1), date(2025, 10, 8), 0.72),
    (date(2026, 1, 1), date(2026, 1, 3), 0.85),
    (date(2026, 5, 1), date(2026, 5, 5), 0.82),
    (date(2026, 10, 1), date(2026, 10, 7), 0.72),
)
WEEKDAY_FACTOR: Final = (1.12, 1.06, 1.04, 1.02, 1.0, 0.78, 0.72)  # Monday first


def seconds(moment: datetime) -> int:
    """Epoch seconds of a naive local datetime."""
    return int((moment - datetime(1970, 1, 1)).total_seconds())


def day_starts() -> NDArray[np.int64]:
    """Epoch seconds of the first second of each day from START to the day before END."""
    n = (END - START).days
    return seconds(START) + DAY * np.arange(n, dtype=np.int64)


def calendar_days() -> list[date]:
    """Every day from START to the day before END."""
    return [START.date() + timedelta(days=i) for i in range((END - START).days)]


def holiday_factor(day: date) -> float:
    """How much of a normal day's volume a public holiday sees (1.0 on ordinary days)."""
    for festival in SPRING_FESTIVALS:
        offset = (day - festival).days
        if -1 <= offset <= 3:
            return 0.35
        if 4 <= offset <= 7:
            return 0.55
        if -3 <= offset <= -2 or 8 <= offset <= 12:
            return 0.8
    for first, last, factor in HOLIDAYS:
        if first <= day <= last:
            return factor
    return 1.0


def is_rest_day(day: date) -> bool:
    """Weekends and the public holidays: patrols and offices are thin."""
    return day.weekday() >= 5 or holiday_factor(day) < 0.9


def month_index(moment: NDArray[np.int64]) -> NDArray[np.int64]:
    """Months since START (0 for 2024-11) of epoch-second timestamps."""
    months = moment.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    start = np.datetime64(START, "M").astype(np.int64)
    return (months - start).astype(np.int64)


def hour_of_day(moment: NDArray[np.int64]) -> NDArray[np.int64]:
    """Hour 0–23 of epoch-second timestamps."""
    return (moment % DAY) // HOUR


def to_working_hours(moment: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.int64]:
    """Move times between 22:00 and 07:00 to the next morning, 07:30–09:00 (offices at night are shut)."""
    hour = hour_of_day(moment)
    morning = rng.integers(int(7.5 * HOUR), 9 * HOUR, len(moment))
    day = moment - moment % DAY
    late = hour >= 22
    early = hour < 7
    out = moment.copy()
    out[late] = day[late] + DAY + morning[late]
    out[early] = day[early] + morning[early]
    return out
