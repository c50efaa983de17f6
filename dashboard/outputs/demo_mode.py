"""Demo mode (for experience-exchange sessions): personal data masked, street and communities renamed.

:func:`session_view` turns the loaded dataset into the one a session shows. Every page,
map, export and report is built from that dataset, so masking and renaming happen here
once and nothing downstream has to remember them:

- resident and volunteer names become a surname and ``*`` (``Zhang Wei`` -> ``Z********``), grid workers' too;
- phones keep their first 3 and last 4 digits (``138****5678``);
- descriptions keep their words, with phones, ID cards, plates and names inside them masked;
- an address is cut to its community, with a short place code (``East Lake #3fa9c1``) so that
  issues at one address still group together (repeat locations) without saying where;
- the presenter's aliases replace the street's and the communities' names wherever they
  appear (names, grid names, addresses, descriptions, teams, service points).

Nothing is written to disk: the aliases live in the session.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import polars as pl

from dashboard.core.loading import Dataset
from dashboard.core.privacy import mask_free_text_expr, mask_name, mask_people
from dashboard.heat import normalise_address

ENV_LOCK: Final = "DASHBOARD_DEMO_MODE"
"""Set to ``1`` to force demo mode on for every session (it cannot be switched off)."""

VIEW_KEY: Final = "session_view"
"""Key in :attr:`Dataset.meta` naming the view, so caches tell a masked dataset from the loaded one."""

# Text columns that may mention the street's or a community's name (renamed with them).
_RENAMED_ISSUE_COLUMNS: Final = ("grid_name", "community_name", "street_name", "address", "description")
_RENAMED_GRID_COLUMNS: Final = ("grid_name", "community_name", "street_name")
# A per-process salt: place codes cannot be looked up in a table of known addresses.
_SALT: Final = secrets.randbits(32)


def locked() -> bool:
    """Whether the environment forces demo mode on (``DASHBOARD_DEMO_MODE=1``)."""
    return os.environ.get(ENV_LOCK, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Aliases:
    """Names a presenter gives the street(s) and communities for one session: code -> alias."""

    streets: Mapping[str, str] = field(default_factory=dict)
    communities: Mapping[str, str] = field(default_factory=dict)

    def cleaned(self) -> Aliases:
        """Without blank aliases, surrounding spaces trimmed."""
        return Aliases(
            {c: n.strip() for c, n in self.streets.items() if n.strip()},
            {c: n.strip() for c, n in self.communities.items() if n.strip()},
        )

    def key(self) -> tuple[tuple[str, str], ...]:
        """A hashable, order-independent form (for caches)."""
        clean = self.cleaned()
        return tuple(
            sorted(
                {
                    **{f"s:{k}": v for k, v in clean.streets.items()},
                    **{f"c:{k}": v for k, v in clean.communities.items()},
                }.items()
            )
        )

    def __bool__(self) -> bool:
        clean = self.cleaned()
        return bool(clean.streets or clean.communities)


def name_changes(dataset: Dataset, aliases: Aliases) -> dict[str, str]:
    """Old name -> new name for every renamed street and community, longest old names first.

    Longest first, so that a community called like its street plus a suffix is replaced whole.
    """
    clean = aliases.cleaned()
    units = dataset.units
    changes: dict[str, str] = {}
    for code_column, name_column, chosen in (
        ("street_code", "street_name", clean.streets),
        ("community_code", "community_name", clean.communities),
    ):
        for code, name in units.select(code_column, name_column).unique().iter_rows():
            if code in chosen and name and chosen[code] != name:
                changes[str(name)] = chosen[code]
    return dict(sorted(changes.items(), key=lambda item: -len(item[0])))


def _replace_text(text: object, changes: Mapping[str, str]) -> object:
    if not isinstance(text, str):
        return text
    # One pass, longest names first, without replacing inside an alias already put in.
    out, i = [], 0
    while i < len(text):
        for old, new in changes.items():
            if text.startswith(old, i):
                out.append(new)
                i += len(old)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _rename_frame(
    frame: pl.DataFrame | None, columns: tuple[str, ...], changes: Mapping[str, str]
) -> pl.DataFrame | None:
    if frame is None or not changes:
        return frame
    present = [c for c in columns if c in frame.columns]
    return frame.with_columns(
        pl.col(c)
        .cast(pl.String)
        .str.replace_many(list(changes), list(changes.values()), leftmost=True)
        .alias(c)
        for c in present
    )


def _rename_grids(grids: gpd.GeoDataFrame, changes: Mapping[str, str]) -> gpd.GeoDataFrame:
    renamed = grids.copy()
    for column in _RENAMED_GRID_COLUMNS:
        if column in renamed.columns:
            renamed[column] = [_replace_text(v, changes) for v in renamed[column]]
    return renamed


def renamed(dataset: Dataset, aliases: Aliases) -> Dataset:
    """A new dataset whose street and communities carry the presenter's aliases everywhere.

    Codes are unchanged, so filters, links and the URL keep working; the loaded dataset is
    not modified.
    """
    changes = name_changes(dataset, aliases)
    if not changes:
        return dataset
    return dataclasses.replace(
        dataset,
        grids=_rename_grids(dataset.grids, changes),
        issues=_rename_frame(dataset.issues, _RENAMED_ISSUE_COLUMNS, changes),  # type: ignore[arg-type]
        volunteers=_rename_frame(dataset.volunteers, ("team",), changes),
        service_points=_rename_frame(dataset.service_points, ("name",), changes),
        meta={**dataset.meta, VIEW_KEY: _view_name(dataset, "renamed", aliases)},
    )


def _place_code(column: str) -> pl.Expr:
    key = normalise_address(column)
    return key.hash(seed=_SALT).cast(pl.String).str.slice(-6)


def masked(dataset: Dataset) -> Dataset:
    """A new dataset with names and phones masked and addresses cut to the community.

    Resident (``reporter_name``/``reporter_phone``), volunteer (``name``/``phone``) and grid
    worker names; see :mod:`dashboard.core.privacy` for the masks.
    """
    issues = mask_people(dataset.issues)
    changes: list[pl.Expr] = []
    if "description" in issues.columns:
        changes.append(mask_free_text_expr("description").alias("description"))
    if "address" in issues.columns:
        address = pl.col("address").cast(pl.String)
        community = pl.col("community_name").cast(pl.String).fill_null("")
        changes.append(
            pl.when(address.is_null() | (address.str.strip_chars() == ""))
            .then(address)
            .otherwise(pl.concat_str(community, pl.lit(" #"), _place_code("address")))
            .alias("address")
        )
    volunteers = None if dataset.volunteers is None else mask_people(dataset.volunteers)
    grids = dataset.grids
    if "grid_worker" in grids.columns:
        grids = grids.copy()
        grids["grid_worker"] = [mask_name(v) if isinstance(v, str) else v for v in grids["grid_worker"]]
    return dataclasses.replace(
        dataset,
        grids=grids,
        issues=issues.with_columns(changes) if changes else issues,
        volunteers=volunteers,
        meta={**dataset.meta, VIEW_KEY: f"{dataset.meta.get(VIEW_KEY, '')}|masked"},
    )


def _view_name(dataset: Dataset, kind: str, aliases: Aliases) -> str:
    return f"{dataset.meta.get(VIEW_KEY, '')}|{kind}:{aliases.key()!r}"


def session_view(dataset: Dataset, *, demo: bool, aliases: Aliases | None = None) -> Dataset:
    """The dataset a session shows: unchanged outside demo mode; renamed and masked in it."""
    if not demo:
        return dataset
    return masked(renamed(dataset, aliases or Aliases()))
