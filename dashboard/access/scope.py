"""A user's scope: the streets and communities they may see, resolved to grid codes, and the loaded
dataset cut to it.

A scope is ``all`` or a list of street and community codes of the boundary file. Resolved against the
root's grids (:func:`resolve_scope`) it is the grids, communities and whole streets it covers. The cut
(:func:`cut_to_scope`) keeps, of every table, only what is placed inside it:

- grids: the grids in scope (so the communities' and streets' outlines are theirs);
- issues and volunteers: those whose community is in scope, and those placed only at street level when
  the whole street is; those outside every grid (a point in no grid) only when the scope covers the
  whole root;
- service records: by their own place when they name one, else by their volunteer (as the volunteer
  figures count them);
- service points: those inside a grid in scope.

A scope that covers every street of the root is the whole root: the dataset is returned as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from dashboard.core.boundaries import grid_at, read_grids
from dashboard.core.loading import Dataset

ALL_TEXT: Final = "all"
SCOPE_KEY: Final = "access_scope"
"""Key in :attr:`Dataset.meta` of a cut dataset: its :meth:`Scope.key`, so caches tell scopes apart."""


@dataclass(frozen=True)
class Scope:
    """``all``, or street and community codes (sorted, each once)."""

    codes: tuple[str, ...] = ()
    everything: bool = False

    @classmethod
    def parse(cls, text: str | Iterable[str]) -> Scope:
        """``"all"``, or codes separated by commas (or a list of them); ``ValueError`` when empty."""
        parts = text.split(",") if isinstance(text, str) else list(text)
        codes = sorted({p.strip() for p in parts if p.strip()})
        if ALL_TEXT in codes:
            if len(codes) > 1:
                raise ValueError("a scope is 'all' or a list of codes, not both")
            return ALL
        if not codes:
            raise ValueError("a scope needs at least one street or community code, or 'all'")
        return cls(tuple(codes))

    def key(self) -> str:
        """``all`` or the codes joined by commas (stable: for cache keys and the users file)."""
        return ALL_TEXT if self.everything else ",".join(self.codes)

    def to_json(self) -> str | list[str]:
        return ALL_TEXT if self.everything else list(self.codes)


ALL: Final = Scope(everything=True)


@dataclass(frozen=True)
class ScopeUnits:
    """A scope resolved against a root's grids."""

    grids: frozenset[str]
    communities: frozenset[str]
    # Streets covered as a whole (issues placed only at street level are theirs).
    streets: frozenset[str]
    # Every street of the root is covered: nothing is cut (the outside-every-grid rows included).
    whole_root: bool
    # Codes of the scope that are no street or community of the root (they give nothing).
    unknown: tuple[str, ...] = ()


def resolve_scope(scope: Scope, units: pl.DataFrame) -> ScopeUnits:
    """The grids, communities and whole streets of ``scope`` in ``units`` (one row per grid with
    ``grid_code``, ``community_code`` and ``street_code``, as :attr:`Dataset.units`)."""
    table = units.select("grid_code", "community_code", "street_code")
    all_streets = set(table.get_column("street_code").to_list())
    if scope.everything:
        chosen = table
        streets = all_streets
    else:
        codes = list(scope.codes)
        chosen = table.filter(pl.col("street_code").is_in(codes) | pl.col("community_code").is_in(codes))
        streets = all_streets & set(codes)
    known = all_streets | set(table.get_column("community_code").to_list())
    return ScopeUnits(
        grids=frozenset(chosen.get_column("grid_code").to_list()),
        communities=frozenset(chosen.get_column("community_code").to_list()),
        streets=frozenset(streets),
        whole_root=bool(all_streets) and streets == all_streets,
        unknown=tuple(c for c in scope.codes if c not in known),
    )


def root_units(root: Path) -> pl.DataFrame | None:
    """The root's grids with their community and street codes and names (``None`` when the boundary file
    is missing or invalid): what a scope's codes are checked against when an account is added."""
    grids, problems = read_grids(root)
    if grids is None or problems:
        return None
    frame: pl.DataFrame = pl.from_pandas(grids.drop(columns="geometry")).select(
        "grid_code", "community_code", "community_name", "street_code", "street_name"
    )
    return frame


def _codes(frame: pl.DataFrame, column: str) -> pl.Expr:
    return pl.col(column) if column in frame.columns else pl.lit(None, dtype=pl.String)


def placed_in(frame: pl.DataFrame, units: ScopeUnits) -> pl.Expr:
    """Rows of a placed table (issues, volunteers, service records) whose place is in scope: their
    community, or their street when they are placed only at street level and it is whole."""
    community = _codes(frame, "community_code")
    street = _codes(frame, "street_code")
    return community.is_in(sorted(units.communities)) | (
        community.is_null() & street.is_in(sorted(units.streets))
    )


def _records(records: pl.DataFrame, units: ScopeUnits, volunteer_ids: list[str]) -> pl.DataFrame:
    own = pl.any_horizontal(
        _codes(records, c).is_not_null() for c in ("grid_code", "community_code", "street_code")
    )
    volunteer = _codes(records, "volunteer_id")
    return records.filter(
        pl.when(own).then(placed_in(records, units)).otherwise(volunteer.is_in(volunteer_ids))
    )


def _points(dataset: Dataset, units: ScopeUnits) -> pl.DataFrame | None:
    points = dataset.service_points
    if points is None or points.is_empty():
        return points
    lon = points.get_column("lon").fill_null(float("nan")).to_numpy()
    lat = points.get_column("lat").fill_null(float("nan")).to_numpy()
    inside = [code in units.grids for code in grid_at(dataset.grids, lon, lat)]
    return points.filter(pl.Series(inside, dtype=pl.Boolean))


def cut_to_scope(dataset: Dataset, scope: Scope) -> Dataset:
    """The dataset with only what lies in ``scope`` (see the module's docstring); frames are not mutated.

    The cut keeps the root's as-of time (the data's latest time is the root's, whoever looks: a
    community whose last case is older is still measured at it) and records the scope in its
    ``meta`` (:data:`SCOPE_KEY`). A scope naming nothing of the root gives an empty dataset.
    """
    units = resolve_scope(scope, dataset.units)
    if units.whole_root:
        return dataset
    grids = dataset.grids[dataset.grids["grid_code"].isin(sorted(units.grids))].reset_index(drop=True)
    issues = dataset.issues.filter(placed_in(dataset.issues, units))
    volunteers = dataset.volunteers
    if volunteers is not None:
        volunteers = volunteers.filter(placed_in(volunteers, units))
    records = dataset.service_records
    if records is not None:
        ids = [] if volunteers is None else volunteers.get_column("volunteer_id").to_list()
        records = _records(records, units, ids)
    cut = dataclasses.replace(
        dataset,
        grids=grids,
        issues=issues,
        volunteers=volunteers,
        service_records=records,
        service_points=_points(dataset, units),
        meta={**dataset.meta, SCOPE_KEY: scope.key()},
    )
    vars(cut)["as_of"] = dataset.as_of  # a cached property: the root's, not the cut's
    return cut
