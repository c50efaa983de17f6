"""Published numbers are kept: every report written records what it said, so a later view can show it.

Writing the monthly report (the ``report`` command or the overview's download buttons) appends one
JSON line to ``<root>/.history/published.jsonl``::

    {"period": "2026-10", "communities": [], "basis": "cutoff", "measured_at": "2026-11-05T00:00:00",
     "data_version": "3f2a…", "written_at": "2026-11-06T09:12:03",
     "headline": {"issue_count": 812, "resolution_rate": 0.931, …},
     "league_by": "community", "league": {"330199001001": {"resolution_rate": 0.95, "rank": 1}, …}}

Codes and numbers only, never personal data. ``data_version`` is a digest of the contents of the files
the numbers came from (so it names the same data wherever the root is copied). The line is written in
one ``write`` to a file opened for appending (lines of concurrent writers never mix); a folder that
cannot be written leaves the report as it is, with a warning. Demo data, and a demo-mode session's
view, publish nothing.

:func:`latest` finds the last record of a period, scope and basis; :func:`differences` compares its
headline values with the current ones (:func:`league_differences`: its league) as a reader sees them,
formatted: a difference below the shown precision is none.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from dashboard.core.basis import Basis, as_basis
from dashboard.core.loading import Dataset
from dashboard.i18n import Lang, t
from dashboard.metrics import METRICS, Kpi

HISTORY: Final = ".history"
"""The data root's history folder (the same as :data:`dashboard.ingest.store.HISTORY`)."""
FILE: Final = "published.jsonl"
SETTINGS_FILE: Final = "dashboard.toml"
RATE: Final = "resolution_rate"


@dataclass(frozen=True)
class Published:
    """The numbers a report publishes, without words: the headline values and the league (unit code →
    resolution rate and rank), with the period, the communities (empty: all) and the basis."""

    period: str
    communities: tuple[str, ...]
    basis: Basis
    measured_at: datetime
    headline: dict[str, float | None]
    league_by: str
    league: dict[str, tuple[float | None, int | None]]


@dataclass(frozen=True)
class Record:
    """One line of ``published.jsonl``: what was published, when, from which data."""

    published: Published
    data_version: str
    written_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What :func:`record` did: written, skipped (demo data) or failed (``error`` says why)."""

    path: Path
    written: bool = False
    error: str = ""


@dataclass(frozen=True)
class Difference:
    """A published value that the data now gives differently (``unit`` set for a league row)."""

    key: str
    published: float | None
    current: float | None
    written_at: datetime
    unit: str | None = None
    rank: tuple[int | None, int | None] | None = None  # published and current rank of a league row


def path(root: Path) -> Path:
    return root / HISTORY / FILE


def data_version(dataset: Dataset) -> str:
    """A digest of the contents of the files the dataset was loaded from, and of its settings file."""
    names = sorted({*dataset.files.values(), SETTINGS_FILE})
    digest = hashlib.sha256()
    for name in names:
        file = dataset.root / name
        if file.is_file():
            digest.update(f"{name}\0{hashlib.sha256(file.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()[:16]


def publishes(dataset: Dataset) -> bool:
    """Whether a report of this dataset is a publication: not demo data, not a demo-mode session's view."""
    from dashboard.outputs.demo_mode import VIEW_KEY

    return not dataset.is_demo and VIEW_KEY not in dataset.meta


def _number(value: object) -> float | int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number  # NaN: nothing to show


def to_json(record: Record) -> dict[str, Any]:
    values = record.published
    return {
        "period": values.period,
        "communities": list(values.communities),
        "basis": values.basis,
        "measured_at": values.measured_at.isoformat(timespec="seconds"),
        "data_version": record.data_version,
        "written_at": record.written_at.isoformat(timespec="seconds"),
        "headline": {key: _number(value) for key, value in values.headline.items()},
        "league_by": values.league_by,
        "league": {code: {RATE: _number(rate), "rank": rank} for code, (rate, rank) in values.league.items()},
    }


def from_json(raw: Mapping[str, Any]) -> Record:
    """A record from its JSON line (raises ``KeyError``, ``TypeError`` or ``ValueError`` if malformed)."""
    published = Published(
        period=str(raw["period"]),
        communities=tuple(str(c) for c in raw.get("communities") or ()),
        basis=as_basis(raw.get("basis")),
        measured_at=datetime.fromisoformat(str(raw["measured_at"])),
        headline={str(k): _number(v) for k, v in (raw.get("headline") or {}).items()},
        league_by=str(raw.get("league_by") or ""),
        league={
            str(code): (_number(row.get(RATE)), None if row.get("rank") is None else int(row["rank"]))
            for code, row in (raw.get("league") or {}).items()
        },
    )
    return Record(
        published, str(raw.get("data_version") or ""), datetime.fromisoformat(str(raw["written_at"]))
    )


def record(dataset: Dataset, published: Published, now: Callable[[], datetime] = datetime.now) -> Outcome:
    """Append what a report published to the data root's history; never raises for a folder it cannot write."""
    target = path(dataset.root)
    if not publishes(dataset):
        return Outcome(target)
    try:
        entry = Record(published, data_version(dataset), now().replace(microsecond=0))
        line = (json.dumps(to_json(entry), ensure_ascii=False) + "\n").encode("utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        return Outcome(target, error=str(exc) or type(exc).__name__)
    return Outcome(target, written=True)


def read(root: Path) -> list[Record]:
    """Every record of the root, oldest first; unreadable lines are skipped."""
    try:
        text = path(root).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    records = []
    for line in text.splitlines():
        try:
            records.append(from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return records


def latest(root: Path, period: str, communities: Collection[str], basis: Basis) -> Record | None:
    """The last record of a period for the same communities (in any order) and basis, if any."""
    scope = sorted(communities)
    found = [
        r
        for r in read(root)
        if r.published.period == period
        and sorted(r.published.communities) == scope
        and r.published.basis == basis
    ]
    return max(found, key=lambda r: r.written_at) if found else None


def _shown(key: str, value: float | None) -> str:
    return METRICS[key].format(value, "en")


def differences(record: Record, kpis: Sequence[Kpi]) -> list[Difference]:
    """The headline values the data now gives differently from the published ones, as shown (formatted)."""
    published = record.published.headline
    return [
        Difference(kpi.key, published[kpi.key], kpi.value, record.written_at)
        for kpi in kpis
        if kpi.key in published and _shown(kpi.key, published[kpi.key]) != _shown(kpi.key, kpi.value)
    ]


def league_differences(
    record: Record, current: Mapping[str, tuple[float | None, int | None]]
) -> list[Difference]:
    """League rows (unit code → resolution rate and rank) that differ from the published league,
    a unit missing on either side included."""
    published = record.published.league
    found = []
    for code in sorted({*published, *current}):
        before, now = published.get(code, (None, None)), current.get(code, (None, None))
        if _shown(RATE, before[0]) != _shown(RATE, now[0]) or before[1] != now[1]:
            found.append(Difference(RATE, before[0], now[0], record.written_at, code, (before[1], now[1])))
    return found


def note(difference: Difference, lang: Lang) -> str:
    """The published value and its date (``report.published_note``): ``published 93.1% (6 Nov)``."""
    day = difference.written_at
    date = t(
        "report.published_date", lang, year=day.year, month=day.month, day=day.day, month_name=f"{day:%b}"
    )
    value = METRICS[difference.key].format(difference.published, lang)
    return t("report.published_note", lang, value=value, date=date)
