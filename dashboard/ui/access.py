"""Sign-in for the app: the login page, the session cookie, sign-out, and who is looking.

:func:`gate` runs first in every script run (before the navigation). On a data root with accounts
nobody passes without a session (:mod:`dashboard.access.sessions`); on one without accounts the
viewer is anonymous (the bundled demo open in demo mode, any other root read-only and masked).
What the viewer may see is applied once, to the dataset (:func:`dashboard.ui.frame.start`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st
from filelock import Timeout

from dashboard.access import AccountError, audit, authenticate, load_users, login_wait, sessions
from dashboard.access.sessions import COOKIE, Viewer, open_viewer, user_viewer
from dashboard.core.loading import read_meta, resolve_root
from dashboard.core.settings import AccessSettings, load_settings
from dashboard.core.text import md_text
from dashboard.i18n import Lang, t

LOG = logging.getLogger(__name__)
TOKEN = "_session_token"
VIEWER = "_viewer"
SIGNED_OUT = "_signed_out"
COOKIE_WRITTEN = "_cookie_written"


def _access(root: Path) -> AccessSettings:
    return load_settings(root).access


def _is_demo_root(root: Path) -> bool:
    try:
        return bool(read_meta(root).get("demo"))
    except OSError:
        return False


def _cookie_script(token: str, max_age: int) -> str:
    # The token is itsdangerous' URL-safe text ([A-Za-z0-9_.-]): nothing to escape in the script.
    return (
        f"<script>document.cookie = '{COOKIE}={token}; path=/; max-age={max_age}; SameSite=Strict';</script>"
    )


def _write_cookie(token: str, max_age: int) -> None:
    with st.sidebar:
        st.html(_cookie_script(token, max_age), unsafe_allow_javascript=True, width="content")


def current() -> Viewer:
    """The viewer :func:`gate` let in on this run (pages and the frame ask this)."""
    found = st.session_state.get(VIEWER)
    return found if isinstance(found, Viewer) else open_viewer(False)


def gate(lang: Lang) -> Viewer:
    """Who is looking; on a root with accounts and no live session, the login page (and stop)."""
    root = resolve_root()
    try:
        users = load_users(root)  # read once a run; an account removed ends its sessions at once
    except AccountError as error:
        detail = t(f"access.error.{error.code}", lang, **error.params)
        st.error(t("login.users_unreadable", lang, detail=md_text(detail)))
        st.stop()
    if not users:
        viewer = open_viewer(_is_demo_root(root))
        st.session_state[VIEWER] = viewer
        return viewer
    access = _access(root)
    token = st.session_state.get(TOKEN)
    if token is None and not st.session_state.get(SIGNED_OUT):
        token = st.context.cookies.get(COOKIE)
    user = sessions.resume(root, token, access, users=users)
    if user is None:
        st.session_state.pop(VIEWER, None)
        st.session_state.pop(TOKEN, None)
        expired = token is not None

        def login() -> None:
            _login_page(root, lang, access, expired=expired)

        # The login page is the only page: no navigation to the others (nor streamlit's own list of pages/).
        st.navigation(
            [st.Page(login, title=t("login.title", lang), url_path="login", default=True)], position="hidden"
        ).run()
        st.stop()
    st.session_state[TOKEN] = token
    viewer = user_viewer(user)
    st.session_state[VIEWER] = viewer
    if st.session_state.get(COOKIE_WRITTEN) != token:  # once a session (a refresh brings it back)
        _write_cookie(str(token), int(access.session_hours * 3600))
        st.session_state[COOKIE_WRITTEN] = token
    return viewer


def _login_page(root: Path, lang: Lang, access: AccessSettings, expired: bool) -> None:
    if st.session_state.pop(SIGNED_OUT, False):
        _write_cookie("", 0)
        st.success(t("login.signed_out", lang))
    elif expired:
        st.info(t("login.expired", lang))
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title(t("login.title", lang))
        st.caption(t("login.intro", lang))
        with st.form("login", border=True):
            name = st.text_input(t("login.name", lang), key="login_name", max_chars=64)
            password = st.text_input(t("login.password", lang), type="password", key="login_password")
            submitted = st.form_submit_button(t("login.submit", lang), type="primary")
        if submitted:
            _sign_in(root, lang, access, name.strip(), password)


def _sign_in(root: Path, lang: Lang, access: AccessSettings, name: str, password: str) -> None:
    wait = login_wait(root, name)
    if wait > 0:
        st.error(t("login.locked", lang, seconds=int(wait) + 1))
        return
    user = authenticate(root, name, password, settings=access)
    if user is None:
        wait = login_wait(root, name)
        st.error(t("login.locked", lang, seconds=int(wait) + 1) if wait > 0 else t("login.failed", lang))
        return
    st.session_state[TOKEN] = sessions.start_session(root, user, access)
    st.session_state.pop(SIGNED_OUT, None)
    st.rerun()


def account_box(viewer: Viewer, lang: Lang) -> None:
    """In the sidebar: who is signed in and the sign-out button (the frame names their scope)."""
    if viewer.kind != "user":
        return
    sidebar = st.sidebar
    role_name = t(f"login.role.{viewer.role.key}", lang)
    sidebar.caption(t("login.signed_in_as", lang, name=md_text(viewer.name), role=role_name))
    if sidebar.button(t("login.sign_out", lang), key="sign_out", icon=":material/logout:"):
        root = resolve_root()
        sessions.end_session(root, st.session_state.get(TOKEN), _access(root))
        st.session_state.pop(TOKEN, None)
        st.session_state.pop(VIEWER, None)
        st.session_state[SIGNED_OUT] = True
        st.rerun()


def record_event(action: str, details: Mapping[str, Any]) -> None:
    """Write an audit entry for the signed-in viewer (exports, reports, unmasked lists, imports, restores).

    Viewers of a root without accounts are anonymous and leave no entry. An entry that cannot be
    written is logged on the server: the user's step is not undone for it.
    """
    viewer = current()
    if viewer.kind != "user":
        return
    try:
        audit.record(resolve_root(), action, viewer.name, details)
    except (OSError, ValueError, Timeout) as error:
        LOG.warning("audit entry %s not written: %s", action, error)


def audited(action: str, details: Mapping[str, Any], make: Callable[[], bytes]) -> Callable[[], bytes]:
    """``make`` (a download made when clicked) that writes its audit entry as it runs."""
    viewer, root = current(), resolve_root()

    def run() -> bytes:
        data = make()
        if viewer.kind == "user":
            try:
                audit.record(root, action, viewer.name, details)
            except (OSError, ValueError, Timeout) as error:
                LOG.warning("audit entry %s not written: %s", action, error)
        return data

    return run
