"""The two bases of a number: live (as things stand at the as-of time) and the assessment cut-off.

A period whose exclusive end is E is assessed at E + ``assessment_grace_days`` (the cut-off); a
comparison between periods takes each at its own cut-off, so a published month never changes. A
period whose cut-off is still ahead of the as-of time is provisional.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final, Literal

from dashboard.core.periods import Period
from dashboard.core.settings import Settings
from dashboard.i18n import Lang, t

Basis = Literal["live", "cutoff"]
BASES: Final[tuple[Basis, ...]] = ("cutoff", "live")
DEFAULT_BASIS: Final[Basis] = "cutoff"


def as_basis(value: object) -> Basis:
    """A basis from a URL parameter; anything else is the default (the assessment cut-off).

    >>> as_basis("live"), as_basis("nonsense")
    ('live', 'cutoff')
    """
    return "live" if value == "live" else DEFAULT_BASIS


def cutoff(period: Period, settings: Settings) -> datetime:
    """When ``period`` is assessed: its (exclusive) end plus the grace days.

    >>> from dashboard.core.periods import parse_period
    >>> from dashboard.core.settings import default_settings
    >>> cutoff(parse_period("2026-09"), default_settings())
    datetime.datetime(2026, 10, 6, 0, 0)
    """
    return period.end + timedelta(days=settings.assessment_grace_days)


def measured_at(period: Period, as_of: datetime, settings: Settings, basis: Basis) -> datetime:
    """The point in time a period's numbers are taken at: ``as_of`` (live), or the period's cut-off
    but never later than ``as_of`` (cutoff: a period whose cut-off has not come yet is provisional)."""
    if basis == "live":
        return as_of
    return min(cutoff(period, settings), as_of)


def is_provisional(period: Period, as_of: datetime, settings: Settings) -> bool:
    """A period whose cut-off is still ahead of ``as_of``: its numbers may still change."""
    return cutoff(period, settings) > as_of


def basis_note(period: Period, as_of: datetime, settings: Settings, basis: Basis, lang: Lang) -> str:
    """What a number on screen is measured at, in words (the basis and the cut-off date).

    >>> from dashboard.core.periods import parse_period
    >>> from dashboard.core.settings import default_settings
    >>> october, now = parse_period("2026-10"), datetime(2026, 11, 3, 9, 30)
    >>> basis_note(october, now, default_settings(), "cutoff", "en")
    'assessment cut-off, provisional (frozen on 2026-11-06)'
    >>> basis_note(october, now, default_settings(), "live", "en")
    'as of now, 2026-11-03 09:30'
    """
    if basis == "live":
        return t("basis.live_note", lang, as_of=f"{as_of:%Y-%m-%d %H:%M}")
    day = f"{cutoff(period, settings):%Y-%m-%d}"
    key = "basis.provisional" if is_provisional(period, as_of, settings) else "basis.frozen"
    return t(key, lang, date=day)
