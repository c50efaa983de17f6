"""The import page (data management): upload, map, check, import; and the history with restore.

The work is done by :mod:`dashboard.ingest`; this module only draws it. An upload is
checked on every change of the mapping and nothing is written until the user presses
"Import"; a refused or cancelled import leaves the data root as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import pandas as pd
import polars as pl
import streamlit as st

from dashboard import ingest
from dashboard.core.coords import DATUMS
from dashboard.core.problems import DataError
from dashboard.core.text import md_text
from dashboard.i18n import Lang, t
from dashboard.ingest import KINDS, MODES, Mapping, Prepared
from dashboard.ingest.mapping import (
    as_datum,
    copied_columns,
    extras_text,
    fields,
    header_fields,
    known_values,
    parse_extras,
    parse_mapping,
    save_mapping,
    saved_mapping,
    with_extras,
)
from dashboard.ingest.report import (
    details,
    localised_preview,
    problem_table,
    sample_table,
    summary,
    version_table,
)
from dashboard.ingest.shaping import NO_HEADER
from dashboard.ingest.store import versions
from dashboard.ui import access, cache

IGNORE = ""


def _ignored(lang: Lang) -> str:
    """The editor's choice for "leave this column out" (an empty cell would read "None")."""
    return t("imports.not_imported", lang)


UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "xls", "parquet", "geojson", "json", "zip"]


# The checked uploads of this session: (root, root's version, kind, digest, name, mapping, repair) -> the
# report and the rows to import. Kept in st.session_state, which goes with the session, and never in
# st.cache_data or st.cache_resource, which are shared by every session and outlive them: a resident's
# phone number in an upload must not stay in the server once the clerk who uploaded it has gone.
CHECKS: Final = "import_checks"
# A run checks twice (the mapping so far, then the user's edits): the two are kept, older ones dropped.
MAX_CHECKS: Final = 2


def _checked(
    root: Path, stamp: object, kind: str, upload: _Upload, mapping: Mapping, repair: bool, rows: bool = True
) -> Prepared:
    """The upload checked with ``mapping``, once per upload, mapping and state of the data root (``stamp``).

    Without ``rows`` (the first pass, which draws the editor), the check is kept without its rows to
    import, so that a session holds them once.
    """
    toml = mapping.to_toml()
    key = (str(root), stamp, kind, upload.digest, upload.name, toml, repair)
    # Checks of another file are dropped: a new file replaces the one before.
    kept: dict[tuple[object, ...], tuple[Prepared, bool]] = st.session_state.get(CHECKS, {})
    checks = {k: v for k, v in kept.items() if k[3] == upload.digest}
    entry = checks.pop(key, None)
    if entry is None or (rows and not entry[1]):
        # The mapping as saved and read back, as the check of the CLI reads it.
        prepared = ingest.prepare(root, kind, upload.data, upload.name, parse_mapping(toml), repair=repair)
        entry = (prepared, True) if rows else (replace(prepared, good=None), False)
    else:
        prepared = entry[0]
    checks[key] = entry  # the newest last
    while len(checks) > MAX_CHECKS:
        del checks[next(iter(checks))]
    st.session_state[CHECKS] = checks
    return prepared


def forget_checks() -> None:
    """Drop this session's checked uploads (the file was imported, cancelled or taken away)."""
    st.session_state.pop(CHECKS, None)


def _field_option(column: str, lang: Lang) -> str:
    return f"{column} · {t(f'field.{column}', lang)}"


def _mapping_editor(prepared: Prepared, mapping: Mapping, kind: str, lang: Lang, key: str) -> Mapping:
    """Headers → contract columns (one or several), and the words not yet understood → keys; all editable."""
    if not prepared.headers:
        return mapping
    columns, copies = _column_editor(prepared, mapping, kind, lang, key)
    values = {c: dict(w) for c, w in mapping.values.items()}
    for column, words in prepared.unmatched.items():
        _word_editor(column, words, values, lang, key)
    if kind != "grids":
        mapping = with_extras(mapping, _extras_editor(mapping, lang, key))
    header_row = mapping.header_row
    if header_row is None and any(p.code in NO_HEADER for p in prepared.blocking) and any(columns.values()):
        header_row = prepared.header_row  # the likeliest row, whose columns the user has just mapped
    return replace(mapping, columns=columns, copies=copies, values=values, header_row=header_row)


def _extras_editor(mapping: Mapping, lang: Lang, key: str) -> Mapping:
    """Constants, joined columns and extra time formats, as text (one item a line)."""
    st.markdown(f"**{t('imports.extras', lang)}**")
    st.caption(t("imports.extras_help", lang))
    constants, join, formats = extras_text(mapping)
    boxes = st.columns(3)
    constants = boxes[0].text_area(t("imports.constants_input", lang), constants, key=f"{key}_constants")
    join = boxes[1].text_area(t("imports.join_input", lang), join, key=f"{key}_join")
    formats = boxes[2].text_area(t("imports.date_formats_input", lang), formats, key=f"{key}_dates")
    extras, bad = parse_extras(constants, join, formats)
    for line in bad:
        st.warning(t("imports.bad_extras", lang, line=md_text(line)))
    return extras


def _column_editor(
    prepared: Prepared, mapping: Mapping, kind: str, lang: Lang, key: str
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The table of the file's headers, the field each is read as, and the further fields it also fills
    (one header to several fields); returns the mapping's ``columns`` and ``copies``."""
    headers = prepared.headers
    options = [_field_option(c, lang) for c in fields(kind)]
    back = {_field_option(c, lang): c for c in fields(kind)}
    also = copied_columns(headers, mapping)
    header, target, more = (t(f"imports.col_{c}", lang) for c in ("header", "target", "also"))
    table = pd.DataFrame(
        {
            header: headers,
            target: [
                _field_option(prepared.columns[h], lang) if h in prepared.columns else _ignored(lang)
                for h in headers
            ],
            more: [[_field_option(c, lang) for c in also.get(i, [])] for i in range(len(headers))],
        }
    )
    edited = st.data_editor(
        table,
        key=f"{key}_columns",
        hide_index=True,
        disabled=[header],
        column_config={
            target: st.column_config.SelectboxColumn(
                options=[_ignored(lang), *options], help=t("imports.target_help", lang)
            ),
            more: st.column_config.MultiselectColumn(options=options, help=t("imports.also_help", lang)),
        },
        width="stretch",
    )
    chosen = {
        str(h): (
            back.get(str(c or IGNORE), IGNORE),
            [back[f] for f in _cell_list(m) if f in back],
        )
        for h, c, m in zip(edited[header], edited[target], edited[more], strict=True)
    }
    return header_fields(chosen)


def _cell_list(value: object) -> list[str]:
    """A multiselect cell as texts (the editor gives a list or an array, or nothing for an empty cell)."""
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, Iterable) else []


def _word_editor(
    column: str, words: list[str], values: dict[str, dict[str, str]], lang: Lang, key: str
) -> None:
    """The table of one column's unknown words and the key each means; the user's choices go to ``values``."""
    st.caption(t("imports.values_help", lang, column=md_text(column)))
    word_table = pl.DataFrame(
        {
            t("imports.col_word", lang): words,
            t("imports.col_key", lang): [values.get(column, {}).get(w, _ignored(lang)) for w in words],
        }
    )
    chosen = st.data_editor(
        word_table.to_pandas(),
        key=f"{key}_values_{column}",
        hide_index=True,
        disabled=[t("imports.col_word", lang)],
        column_config={
            t("imports.col_key", lang): st.column_config.SelectboxColumn(
                options=[_ignored(lang), *known_values(column)]
            )
        },
    )
    for word, value in zip(
        chosen[t("imports.col_word", lang)], chosen[t("imports.col_key", lang)], strict=True
    ):
        if value and value != _ignored(lang):
            values.setdefault(column, {})[str(word)] = str(value)


def _report(prepared: Prepared, lang: Lang) -> None:
    counts = st.columns(4)
    counts[0].metric(t("imports.count_read", lang), f"{prepared.total_rows:,}", border=True)
    counts[1].metric(t("imports.count_good", lang), f"{prepared.good_count:,}", border=True)
    counts[2].metric(t("imports.count_bad", lang), f"{prepared.bad_rows:,}", border=True)
    counts[3].metric(t("imports.count_superseded", lang), f"{prepared.superseded:,}", border=True)
    message = md_text(summary(prepared, lang))
    if prepared.refused:
        st.error(message)
    elif prepared.errors:
        st.warning(message)
    else:
        st.success(message)
    for line in details(prepared, lang):
        st.caption(md_text(line))
    if prepared.sample:
        st.caption(t("imports.sample", lang, header_row=prepared.header_row or 1))
        st.dataframe(sample_table(prepared), hide_index=True, width="stretch")
    problems = problem_table(prepared, lang)
    if not problems.is_empty():
        st.markdown(f"**{t('imports.problems', lang)}** · {t('imports.rows_note', lang)}")
        st.dataframe(problems, hide_index=True, width="stretch")
    if prepared.good_count:
        with st.expander(t("imports.preview", lang, rows=min(20, prepared.good_count))):
            st.dataframe(localised_preview(prepared, lang), hide_index=True, width="stretch")


@dataclass(frozen=True)
class _Upload:
    """The uploaded file: its name, bytes and their SHA-256 (part of the key its checks are kept by)."""

    name: str
    data: bytes
    digest: str

    @property
    def tag(self) -> str:
        """Short digest for widget keys that belong to this file."""
        return self.digest[:8]


def _upload_section(root: Path, lang: Lang) -> None:
    kind, mode, saved = _kind_and_mode(root, lang)
    file = st.file_uploader(
        t("imports.file", lang),
        type=UPLOAD_TYPES,
        key=f"import_file_{kind}_{st.session_state.get('import_round', 0)}",
        help=t("imports.file_help", lang),
    )
    if file is None:
        forget_checks()
        st.info(t("imports.start_hint", lang))
        return
    data = file.getvalue()
    upload = _Upload(file.name, data, hashlib.sha256(data).hexdigest())
    mapping, repair = _options(kind, saved or Mapping(), lang)
    prepared, mapping = _check(root, kind, upload, mapping, repair, lang)
    _actions(root, kind, upload, prepared, mapping, mode, lang)


def _kind_and_mode(root: Path, lang: Lang) -> tuple[str, str, Mapping | None]:
    """What is uploaded, whether it is added to or replaces the current table, and its saved mapping."""
    left, middle, right = st.columns([2, 2, 3])
    kind = str(
        left.selectbox(
            t("imports.kind", lang),
            KINDS,
            key="import_kind",
            format_func=lambda k: t(f"imports.kind_{k}", lang),
        )
    )
    saved = saved_mapping(root, kind)
    mode = "replace"
    if kind != "grids":
        mode = str(
            middle.radio(
                t("imports.mode", lang),
                MODES,
                key="import_mode",
                format_func=lambda m: t(f"imports.mode_{m}", lang),
                help=t("imports.mode_help", lang),
            )
        )
    else:
        middle.caption(t("imports.grids_replace", lang))
    if saved is not None:
        right.caption(t("imports.saved_mapping", lang, path=f"data/mappings/{kind}.toml"))
    return kind, mode, saved


def _options(kind: str, base: Mapping, lang: Lang) -> tuple[Mapping, bool]:
    """The options expander: datum, header row, and (boundaries) whether to repair polygons."""
    with st.expander(t("imports.options", lang), expanded=False):
        columns = st.columns(4)
        crs = str(
            columns[0].selectbox(
                t("imports.crs", lang),
                DATUMS,
                index=DATUMS.index(base.crs) if base.crs in DATUMS else 0,
                key=f"import_crs_{kind}",
                format_func=lambda d: t(f"imports.crs_{d}", lang),
            )
        )
        header_row = int(
            columns[1].number_input(
                t("imports.header_row", lang),
                min_value=0,
                value=base.header_row or 0,
                step=1,
                key=f"import_header_{kind}",
                help=t("imports.header_row_help", lang),
            )
        )
        repair = (
            bool(columns[3].checkbox(t("imports.repair", lang), key=f"import_repair_{kind}"))
            if kind == "grids"
            else False
        )
    return replace(base, crs=as_datum(crs), header_row=header_row or None), repair


def _check(
    root: Path, kind: str, upload: _Upload, mapping: Mapping, repair: bool, lang: Lang
) -> tuple[Prepared, Mapping]:
    """Check the upload, let the user edit the mapping, and show the report above the editor."""
    sheet_key = f"import_sheet_{kind}_{upload.tag}"
    if sheet_key in st.session_state:
        mapping.sheet = st.session_state[sheet_key] or None
    editor_key = f"import_map_{kind}_{upload.tag}"
    version = cache.version(root)  # the data root is walked once per run, not once per pass

    def check(mapping: Mapping, rows: bool = True) -> Prepared:
        return _checked(root, version, kind, upload, mapping, repair, rows)

    # Two passes: read with the mapping so far, then again with the user's edits of the table.
    prepared = check(mapping, rows=False)
    if len(prepared.sheets) > 1:
        st.selectbox(t("imports.sheet", lang), prepared.sheets, key=sheet_key)
    report = st.container()
    needs_work = bool(prepared.blocking or prepared.unmatched)
    title = t("imports.mapping_title", lang, matched=len(prepared.columns), total=len(prepared.headers))
    with st.expander(title, expanded=needs_work, icon=":material/table_edit:"):
        st.caption(t("imports.mapping_help", lang))
        mapping = _mapping_editor(prepared, mapping, kind, lang, editor_key)
    prepared = check(mapping)
    with report:
        st.subheader(t("imports.report", lang))
        _report(prepared, lang)
    return prepared, mapping


def _actions(
    root: Path, kind: str, upload: _Upload, prepared: Prepared, mapping: Mapping, mode: str, lang: Lang
) -> None:
    """Import, save or download the mapping, cancel."""
    buttons = st.columns([2, 2, 2, 1, 2])
    label = t("imports.go", lang, rows=f"{prepared.good_count:,}")
    if buttons[0].button(label, type="primary", disabled=prepared.refused, key=f"import_go_{upload.tag}"):
        _import(root, upload, prepared, mapping, mode, lang)
    if buttons[1].button(t("imports.save_mapping", lang), key=f"import_save_{kind}"):
        save_mapping(root, kind, mapping)
        st.toast(t("imports.mapping_saved", lang, path=f"data/mappings/{kind}.toml"))
    buttons[2].download_button(
        t("imports.download_mapping", lang),
        mapping.to_toml().encode("utf-8"),
        file_name=f"{kind}.toml",
        mime="application/toml",
        key=f"import_dl_{kind}",
    )
    if buttons[3].button(t("imports.cancel", lang), key=f"import_cancel_{upload.tag}"):
        st.session_state["import_round"] = st.session_state.get("import_round", 0) + 1  # nothing written
        forget_checks()
        st.rerun()
    if prepared.errors and not prepared.refused:
        buttons[4].caption(t("imports.errors_left_out", lang, bad=prepared.bad_rows))


def _import(root: Path, upload: _Upload, prepared: Prepared, mapping: Mapping, mode: str, lang: Lang) -> None:
    """Write the good rows as a new version, then start over with an empty uploader."""
    try:
        result = ingest.commit_import(root, prepared, upload.data, mapping, mode=mode)  # type: ignore[arg-type]
    except DataError as error:
        st.error(error.markdown(lang))
        return
    access.record_event(
        "import",
        {
            "kind": prepared.kind,
            "file": upload.name[:200],
            "version": result.version.id,
            "rows": result.added + result.updated,
        },
    )
    st.session_state["import_round"] = st.session_state.get("import_round", 0) + 1  # empty the uploader
    forget_checks()
    st.session_state["import_done"] = t(
        "imports.done",
        lang,
        version=result.version.id,
        added=result.added,
        updated=result.updated,
        total=result.total,
    )
    st.rerun()


def _history_section(root: Path, lang: Lang) -> None:
    history = versions(root)
    if not history:
        st.info(t("imports.no_versions", lang))
        return
    st.dataframe(version_table(history, lang), hide_index=True, width="stretch")
    ids = [v.id for v in reversed(history)]
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    # The newest version is the current data: offer the one before it first.
    chosen = left.selectbox(
        t("imports.restore_pick", lang), ids, index=min(1, len(ids) - 1), key="restore_pick"
    )
    confirm = right.checkbox(t("imports.restore_confirm", lang), key="restore_confirm")
    if right.button(t("imports.restore", lang), disabled=not confirm, key="restore_go"):
        try:
            version = ingest.restore(root, str(chosen))
        except DataError as error:
            st.error(error.markdown(lang))
        else:
            access.record_event("restore", {"version": str(chosen), "new_version": version.id})
            st.session_state["import_done"] = t("imports.restored", lang, version=chosen, new=version.id)
            st.rerun()


def page(root: Path, lang: Lang) -> None:
    st.title(t("imports.title", lang))
    if not access.current().role.can_import:  # the navigation hides the page too; a typed URL ends here
        st.warning(t("login.import_locked", lang), icon=":material/lock:")
        return
    st.caption(t("imports.intro", lang, root=md_text(root)))
    done = st.session_state.pop("import_done", None)
    if done:
        st.success(done)
    upload_tab, history_tab = st.tabs([t("imports.tab_upload", lang), t("imports.tab_history", lang)])
    with upload_tab:
        _upload_section(root, lang)
    with history_tab:
        _history_section(root, lang)
