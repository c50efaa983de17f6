"""Sign-in sessions that survive a page refresh, expire, end when idle, and end at sign-out.

A session is a token the browser keeps in a cookie: the user name and a random session id, signed
(itsdangerous, HMAC-SHA1 over a key in ``.access/session.key``, mode 0600) and stamped, so it cannot
be forged or changed and is refused after ``[access] session_hours``. The server keeps each live
session id with the time it was last used (``.access/sessions.json``): a session unused for
``[access] idle_minutes``, signed out, or of a removed account is refused whatever its cookie says.

Who is looking is then one :class:`Viewer`: a signed-in user; or, on a root without accounts, an
anonymous viewer (the bundled demo runs open in demo mode; any other data root runs read-only with
personal data masked until a first administrator is added).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from itsdangerous import BadSignature, URLSafeTimedSerializer

from dashboard.access import audit, files
from dashboard.access.accounts import User, load_users
from dashboard.access.roles import ROLES, Role
from dashboard.access.scope import ALL, Scope
from dashboard.core.settings import AccessSettings

COOKIE: Final = "gridgov_session"
KEY_FILE: Final = "session.key"
SESSIONS_FILE: Final = "sessions.json"
SALT: Final = "gridgov-session"
# Last-use times are written at most this often (a page run is several reruns a minute).
TOUCH_EVERY_S: Final = 60.0

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and so what they may see and do.

    ``kind``: ``user`` (signed in), ``demo`` (the bundled demo on a root without accounts: open, demo
    mode), ``open`` (a data root without accounts: read-only, personal data masked).
    """

    kind: str
    role: Role
    scope: Scope = ALL
    name: str = ""

    @property
    def audit_name(self) -> str:
        return self.name or f"anonymous:{self.kind}"


def open_viewer(is_demo: bool) -> Viewer:
    """The viewer of a root without accounts: the demo as a presenter sees it, other data as a leader."""
    return Viewer("demo", ROLES["presenter"]) if is_demo else Viewer("open", ROLES["leader"])


def user_viewer(user: User) -> Viewer:
    return Viewer("user", user.role, user.scope, user.name)


def _key(root: Path) -> bytes:
    path = files.path(root, KEY_FILE)
    if not path.exists():
        files.ensure_dir(root)
        with files.locked(root):
            if not path.exists():
                files.write_atomic(path, secrets.token_hex(32).encode("ascii"))
    return path.read_bytes()


def _serializer(root: Path) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_key(root), salt=SALT)


def _sessions(root: Path) -> dict[str, dict[str, Any]]:
    path = files.path(root, SESSIONS_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_sessions(root: Path, sessions: dict[str, dict[str, Any]]) -> None:
    files.write_atomic(files.path(root, SESSIONS_FILE), json.dumps(sessions, sort_keys=True).encode("utf-8"))


def _live(sessions: dict[str, dict[str, Any]], moment: datetime, access: AccessSettings) -> dict[str, Any]:
    idle = timedelta(minutes=access.idle_minutes)
    return {
        sid: s
        for sid, s in sessions.items()
        if moment - datetime.fromisoformat(str(s.get("last", ""))) <= idle
    }


def start_session(root: Path, user: User, access: AccessSettings, now: Clock = audit.local_now) -> str:
    """A new session for ``user`` (already authenticated): its signed token, for the cookie."""
    sid = secrets.token_urlsafe(16)
    moment = now()
    with files.locked(root):
        sessions = _live(_sessions(root), moment, access)
        sessions[sid] = {"user": user.name, "last": moment.isoformat()}
        _write_sessions(root, sessions)
    return str(_serializer(root).dumps({"u": user.name, "s": sid}))


def _payload(root: Path, token: str, access: AccessSettings, moment: datetime) -> tuple[str, str] | None:
    try:
        data, signed_at = _serializer(root).loads(token, return_timestamp=True)
    except (BadSignature, ValueError, TypeError):
        return None
    age = moment.astimezone() - signed_at.astimezone()
    if (
        not timedelta(minutes=-5) <= age <= timedelta(hours=access.session_hours)
    ):  # expired, or from the future
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("s"), str):
        return None
    return data["u"], data["s"]


def resume(
    root: Path,
    token: str | None,
    access: AccessSettings,
    now: Clock = audit.local_now,
    users: Mapping[str, User] | None = None,
) -> User | None:
    """The user of a session token, when it is genuine, not expired, not idle too long, not signed out and
    its account still exists (in ``users`` when the caller has read them); its last use is then now.
    ``None`` otherwise."""
    if not token:
        return None
    moment = now()
    found = _payload(root, token, access, moment)
    if found is None:
        return None
    name, sid = found
    session = _live(_sessions(root), moment, access).get(sid)
    user = (load_users(root) if users is None else users).get(name)
    if session is None or session.get("user") != name or user is None:
        return None
    if (moment - datetime.fromisoformat(str(session["last"]))).total_seconds() >= TOUCH_EVERY_S:
        with files.locked(root):
            sessions = _live(_sessions(root), moment, access)
            if sid in sessions:
                sessions[sid]["last"] = moment.isoformat()
                _write_sessions(root, sessions)
    return user


def end_session(root: Path, token: str | None, access: AccessSettings, now: Clock = audit.local_now) -> None:
    """Sign out: the session's id is forgotten, so its cookie opens nothing any more (audited)."""
    found = _payload(root, token or "", access, now())
    if found is None:
        return
    name, sid = found
    with files.locked(root):
        sessions = _sessions(root)
        sessions.pop(sid, None)
        _write_sessions(root, sessions)
    audit.record(root, "sign_out", name, {}, now=now)
