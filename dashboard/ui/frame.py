"""The shared frame around every page: language, demo mode, data, filters kept in the URL, demo badge, as-of time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from dashboard.access.sessions import Viewer, open_viewer
from dashboard.core.basis import BASES, Basis, as_basis, basis_note
from dashboard.core.formatting import format_percent
from dashboard.core.loading import Dataset, read_meta, resolve_root
from dashboard.core.periods import Period, date_range, default_month, parse_period, period_label
from dashboard.core.problems import DataError
from dashboard.core.selection import Selection, available_months, selection_from_query
from dashboard.core.text import md_text
from dashboard.i18n import LANGS, Lang, as_lang, t
from dashboard.outputs import demo_mode
from dashboard.ui import cache

_CONTEXT = "_frame_context"
PENDING_COMMUNITIES = "_pending_communities"
_DEEP_LINK = "_deep_link"
_FRAME_RAN = "_frame_ran"
IMPORT_PAGE = "pages/data.py"
ENTRYPOINT = "app.py"
DEMO_KEY = "demo"
ALIAS_PREFIX = "alias_"
# Pages (by url_path) left out of the navigation in demo mode, e.g. the data import page.
HIDDEN_IN_DEMO: frozenset[str] = frozenset({"data"})


@dataclass(frozen=True)
class Context:
    """What every page needs: the dataset (cut to the viewer's scope), the user's selection, the viewer."""

    dataset: Dataset
    selection: Selection
    demo: bool = False
    """Demo mode: personal data masked (already in ``dataset``), every screen marked as demo data."""
    viewer: Viewer = field(default_factory=lambda: open_viewer(False))
    """Who is looking (:mod:`dashboard.access.sessions`): what they may export, whether ranks are scoped."""

    @property
    def full_data_allowed(self) -> bool:
        """Whether the case lists may offer residents' personal data: a role that may export it, on real
        data, outside demo mode."""
        return self.viewer.role.can_export_personal and not self.dataset.is_demo and not self.demo

    @property
    def marked_demo(self) -> bool:
        """Whether screens carry the demo-data mark: demo mode, or data that is itself a demo."""
        return self.demo or self.dataset.is_demo

    @property
    def lang(self) -> Lang:
        return self.selection.lang


def set_query(key: str, value: str | None) -> None:
    """Keep ``?key=value`` in the URL; write only on a change.

    Writing a query parameter on every run (even with the same value) makes streamlit
    1.67 drop the change of a widget drawn before ``st.navigation``: a click on "English"
    would be undone. ``None`` removes the parameter.
    """
    if value is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def _init_from_url(key: str, value: object) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def language() -> Lang:
    """The language switch (zh by default), seeded from ``?lang=``."""
    _init_from_url("lang", as_lang(st.query_params.get("lang")))
    lang = as_lang(
        st.sidebar.radio(
            " / ".join(t("app.language", code) for code in LANGS),
            LANGS,
            key="lang",
            format_func=lambda code: t("app.language_name", code),
            horizontal=True,
        )
    )
    set_query("lang", lang)
    return lang


def _demo_default() -> bool:
    # Read meta.json itself, not the cached dataset: a cache miss before the switch is drawn
    # (the server's first run) moves the switch, and streamlit 1.67 then drops its first click.
    try:
        return bool(read_meta(resolve_root()).get("demo"))
    except OSError:
        return False


def demo_switch(lang: Lang, forced: bool = False) -> bool:
    """The demo-mode switch (call before ``st.navigation``, like :func:`language`).

    On by default for demo data, seeded from ``?demo=1`` / ``?demo=0``; forced on and
    locked when ``DASHBOARD_DEMO_MODE=1`` is set or the viewer's role is demo-only (``forced``: a
    presenter, the open bundled demo), so nobody can switch it off at a session.
    The URL carries ``demo`` only when it differs from the default.
    """
    default = _demo_default()
    is_locked = demo_mode.locked() or forced
    wanted = st.query_params.get(DEMO_KEY)
    if is_locked:
        st.session_state[DEMO_KEY] = True
    else:
        _init_from_url(DEMO_KEY, {"1": True, "0": False}.get(str(wanted), default))
    on = bool(
        st.sidebar.toggle(
            t("demo_mode.switch", lang),
            key=DEMO_KEY,
            disabled=is_locked,
            help=t(
                "demo_mode.locked_viewer"
                if forced
                else "demo_mode.locked"
                if is_locked
                else "demo_mode.help",
                lang,
            ),
        )
    )
    set_query(DEMO_KEY, None if on == default or is_locked else ("1" if on else "0"))
    return on or is_locked


def visible_pages(pages: Sequence[Any], demo: bool, can_import: bool = True) -> list[Any]:
    """The pages to put in ``st.navigation``: those in :data:`HIDDEN_IN_DEMO` left out in demo mode and
    for a viewer who may not import."""
    hidden = demo or not can_import
    return [p for p in pages if not (hidden and getattr(p, "url_path", "") in HIDDEN_IN_DEMO)]


def _aliases(dataset: Dataset, lang: Lang) -> demo_mode.Aliases:
    """The presenter's names for the street(s) and communities (session only, never saved)."""
    box = st.sidebar.expander(t("demo_mode.rename", lang))
    box.caption(t("demo_mode.rename_help", lang))
    chosen: dict[str, dict[str, str]] = {"street": {}, "community": {}}
    for unit in ("street", "community"):
        pairs = dataset.units.select(f"{unit}_code", f"{unit}_name").unique().sort(f"{unit}_code").iter_rows()
        for code, name in pairs:
            value = box.text_input(md_text(name), key=f"{ALIAS_PREFIX}{unit}_{code}", placeholder=str(name))
            if value and value.strip():
                chosen[unit][str(code)] = value
    return demo_mode.Aliases(chosen["street"], chosen["community"])


def _filters(dataset: Dataset, lang: Lang, sidebar: Any) -> Selection:
    """The period and communities chosen in the sidebar (first from the URL), kept in the URL."""
    query = selection_from_query(st.query_params.to_dict(), dataset)
    sidebar.subheader(t("filters.header", lang))
    period = _period_filter(dataset, query, lang, sidebar)
    codes = _community_filter(dataset, query, lang, sidebar)
    basis = _basis_filter(dataset, query, lang, sidebar)
    selection = Selection(period=period, community_codes=tuple(codes), lang=lang, basis=basis)
    wanted = selection.to_query()
    for key in ("period", "community", "basis"):
        set_query(key, wanted.get(key))
    return selection


def _basis_filter(dataset: Dataset, query: Selection, lang: Lang, sidebar: Any) -> Basis:
    """Each period at its assessment cut-off (the default), or every number as of now."""
    _init_from_url("basis", query.basis)
    chosen = sidebar.radio(
        t("basis.label", lang),
        BASES,
        key="basis",
        format_func=lambda b: t(f"basis.{b}", lang),
        horizontal=True,
        help=t("basis.help", lang, days=dataset.settings.assessment_grace_days),
    )
    return as_basis(chosen)


def _period_filter(dataset: Dataset, query: Selection, lang: Lang, sidebar: Any) -> Period:
    """A month, or a range of days, as the user chose."""
    _init_from_url("period_mode", "month" if query.period.is_month else "range")
    mode = sidebar.radio(
        t("filters.mode", lang),
        ("month", "range"),
        key="period_mode",
        format_func=lambda m: t(f"filters.mode_{m}", lang),
        horizontal=True,
    )
    if mode == "month":
        return _month_filter(dataset, query, lang, sidebar)
    return _range_filter(dataset, query, lang, sidebar)


def _month_filter(dataset: Dataset, query: Selection, lang: Lang, sidebar: Any) -> Period:
    """One of the months with data; the URL's month, else the default month."""
    month_keys = [m.key() for m in available_months(dataset)]
    default = query.period.key() if query.period.is_month and query.period.key() in month_keys else None
    _init_from_url("month", default or default_month(dataset.as_of).key())
    if st.session_state["month"] not in month_keys and month_keys:
        st.session_state["month"] = month_keys[0]
    chosen = sidebar.selectbox(
        t("filters.month", lang),
        month_keys,
        key="month",
        format_func=lambda k: period_label(parse_period(k), lang),
    )
    return parse_period(chosen)


def _range_filter(dataset: Dataset, query: Selection, lang: Lang, sidebar: Any) -> Period:
    """A range of days between the first month with data and the data's time; the URL's, else the default month."""
    months = available_months(dataset)
    first_day = months[-1].first_day if months else date(2000, 1, 1)
    last_day = dataset.as_of.date()
    start = query.period.first_day if not query.period.is_month else default_month(dataset.as_of).first_day
    end = query.period.last_day if not query.period.is_month else default_month(dataset.as_of).last_day
    _init_from_url("range", (max(first_day, start), min(last_day, end)))
    picked = sidebar.date_input(
        t("filters.range", lang),
        key="range",
        min_value=first_day,
        max_value=last_day,
        format="YYYY-MM-DD",
    )
    days = [d for d in (picked if isinstance(picked, tuple | list) else [picked]) if isinstance(d, date)]
    return date_range(days[0], days[-1]) if days else default_month(dataset.as_of)


def _community_filter(dataset: Dataset, query: Selection, lang: Lang, sidebar: Any) -> list[str]:
    """The chosen communities (none: all); another page may have set them (e.g. a click in the league table)."""
    names = dict(
        dataset.units.select("community_code", "community_name").unique().sort("community_code").iter_rows()
    )
    pending = st.session_state.pop(PENDING_COMMUNITIES, None)
    if pending is not None:
        st.session_state["communities"] = [c for c in pending if c in names]
    _init_from_url("communities", list(query.community_codes))
    codes: list[str] = sidebar.multiselect(
        t("filters.community", lang),
        list(names),
        key="communities",
        format_func=lambda c: names.get(c, c),
        placeholder=t("filters.all_communities", lang),
    )
    return codes


def _show_problems(error: DataError, lang: Lang) -> None:
    st.error(f"**{t('problem.title', lang)}**\n\n{t('problem.hint', lang)}")
    st.markdown(error.markdown(lang))


def start(lang: Lang, demo: bool = False, viewer: Viewer | None = None) -> Context | None:
    """Draw the frame; return the context, or ``None`` after showing why the data cannot load.

    The viewer's access is applied here, once, to the dataset every page gets: cut to their scope
    (:func:`dashboard.access.cut_to_scope`), personal data masked for a role that may not see it;
    in demo mode it is also the session's view: masked and the presenter's names applied
    (:func:`dashboard.demo_mode.session_view`).
    """
    viewer = viewer or open_viewer(False)
    root = resolve_root()
    st.session_state[_FRAME_RAN] = True
    try:
        loaded = cache.dataset(root)
    except DataError as error:
        _show_problems(error, lang)
        return None
    sidebar = st.sidebar
    filters = sidebar.container()  # drawn first, filled once the names are known
    loaded = cache.viewed(loaded, viewer.scope, masked=not viewer.role.sees_personal_data and not demo)
    aliases = demo_mode.Aliases()
    if demo:
        aliases = _aliases(loaded, lang)
    dataset = cache.session_view(loaded, demo, aliases)
    selection = _filters(dataset, lang, filters)
    sidebar.divider()
    if demo or dataset.is_demo:
        sidebar.badge(t("app.demo_badge", lang), color="orange")
    sidebar.caption(t("app.as_of", lang, as_of=f"{dataset.as_of:%Y-%m-%d %H:%M}"))
    if not viewer.scope.everything:
        sidebar.caption(
            t(
                "login.scope",
                lang,
                scope=md_text(t("common.list_sep", lang).join(_scope_names(dataset, viewer))),
            )
        )
    if viewer.kind == "open":
        sidebar.info(t("login.open_banner", lang, root=md_text(root)), icon=":material/lock:")
    context = Context(dataset=dataset, selection=selection, demo=demo, viewer=viewer)
    st.session_state[_CONTEXT] = context
    return context


def _scope_names(dataset: Dataset, viewer: Viewer) -> list[str]:
    """The streets and communities of the viewer's scope by name, as the boundary file has them."""
    codes = set(viewer.scope.codes)
    names: list[str] = []
    for level in ("street", "community"):
        rows = dataset.units.filter(pl.col(f"{level}_code").is_in(codes))
        names += rows.get_column(f"{level}_name").unique(maintain_order=True).cast(pl.String).to_list()
    return names or list(viewer.scope.codes)


def context(page: str) -> Context:
    """The context the frame set for this run (pages call this first, with their own path).

    On a server's first visit through a deep link (``/grid_map``), streamlit 1.67 runs the
    page file by itself, before the entrypoint has declared ``st.navigation`` (the
    ``pages/`` folder is discovered the old way). The page then has no frame: send the
    visitor through the entrypoint, which comes back to this page with the same URL query.
    """
    found = st.session_state.get(_CONTEXT)
    if not isinstance(found, Context):
        _redirect(page)
    return found  # type: ignore[return-value]


def _redirect(page: str) -> None:
    query = st.query_params.to_dict()
    st.session_state[_DEEP_LINK] = (page, query)
    st.switch_page(ENTRYPOINT, query_params=query)


def root_context(page: str) -> tuple[Lang, Path]:
    """For a page that works without loadable data (the import page): the language and the data root."""
    if not st.session_state.get(_FRAME_RAN):
        _redirect(page)
    return as_lang(st.session_state.get("lang")), resolve_root()


def offer_import(lang: Lang) -> None:
    """Under the list of data problems: the way to the import page, where they can be fixed."""
    st.page_link(IMPORT_PAGE, label=t("imports.fix_here", lang), icon=":material/upload_file:")


def follow_deep_link() -> None:
    """In the entrypoint, after ``st.navigation``: finish a redirect started by :func:`context`."""
    pending = st.session_state.pop(_DEEP_LINK, None)
    if pending is not None:
        page, query = pending
        st.switch_page(page, query_params=query)


def header(ctx: Context, title_key: str) -> None:
    """Page title with the period, the target and, for demo data, the demo badge."""
    lang, selection = ctx.lang, ctx.selection
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.title(t(title_key, lang))
    parts = [
        t("filters.period_label", lang, period=period_label(ctx.selection.period, lang)),
        t("common.target", lang, target=format_percent(ctx.dataset.settings.target, 0)),
        basis_note(selection.period, ctx.dataset.as_of, ctx.dataset.settings, selection.basis, lang),
    ]
    if ctx.marked_demo:
        parts.insert(0, f":orange-badge[{t('app.demo_badge', lang)}]")
    if not ctx.viewer.scope.everything:
        parts.append(t("login.scope_rank_note", lang))
    right.markdown(" · ".join(parts))
