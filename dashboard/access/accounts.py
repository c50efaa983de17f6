"""Local accounts of a data root: ``.access/users.json``, passwords hashed with argon2id.

The file holds, per account, its name, role, scope, the argon2id hash of its password and when it was
created and its password last set; never a password. It is written whole (a private temporary file,
then ``os.replace``) under the ``.access`` lock, mode 0600. Every change is in the audit trail, and
so is every sign-in, with the password left out.

:func:`authenticate` slows guessing down per user name: after ``[access] login_free_attempts`` failures
in a row the name is locked for ``login_lock_seconds``, doubling with each further failure up to
``login_lock_max_seconds``; while it is locked no password is even checked. The clock is a parameter,
so tests never sleep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dashboard.access import audit, files
from dashboard.access.roles import Role, role
from dashboard.access.scope import Scope, resolve_scope, root_units
from dashboard.core.settings import AccessSettings, load_settings

FORMAT: Final = 1
# A user name: letters (Chinese ones too), digits and . _ @ -, at most 64 of them.
NAME_PATTERN: Final = re.compile(r"^[\w.@-]{1,64}$")
MAX_PASSWORD: Final = 1024
# Failure records kept at most (the oldest are dropped first).
MAX_FAILURE_RECORDS: Final = 10_000
# argon2id with the library's defaults (RFC 9106's second recommendation: 64 MiB, 3 passes).
HASHER: Final = PasswordHasher()

Clock = Callable[[], datetime]


class AccountError(ValueError):
    """A refused account change: ``code`` names the message in the catalogs (``access.error.<code>``)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class User:
    """An account as the app sees it: no hash. What it may do is its role's (:mod:`.roles`)."""

    name: str
    role: Role
    scope: Scope
    created: str = ""
    password_changed: str = ""

    @property
    def can_import(self) -> bool:
        return self.role.can_import

    @property
    def sees_personal_data(self) -> bool:
        return self.role.sees_personal_data

    @property
    def can_export_personal(self) -> bool:
        return self.role.can_export_personal

    @property
    def manages_users(self) -> bool:
        return self.role.manages_users

    @property
    def demo_only(self) -> bool:
        return self.role.demo_only


def _stamp(now: Clock) -> str:
    moment = now()
    return (moment if moment.tzinfo else moment.astimezone()).isoformat(timespec="seconds")


# --- the users file ------------------------------------------------------------------


def _read_json(root: Path, name: str) -> dict[str, Any]:
    path = files.path(root, name)
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise AccountError("unreadable", file=str(path), detail=str(exc)[:200]) from exc
    if not isinstance(raw, dict):
        raise AccountError("unreadable", file=str(path), detail="not a JSON object")
    return raw


def _accounts(root: Path) -> dict[str, dict[str, Any]]:
    raw = _read_json(root, files.USERS_FILE)
    accounts = raw.get("users", [])
    if not isinstance(accounts, list) or not all(isinstance(a, dict) and "name" in a for a in accounts):
        raise AccountError("unreadable", file=str(files.path(root, files.USERS_FILE)), detail="users")
    return {str(a["name"]): a for a in accounts}


def _write_accounts(root: Path, accounts: dict[str, dict[str, Any]]) -> None:
    document = {"format": FORMAT, "users": [accounts[name] for name in sorted(accounts)]}
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    files.write_atomic(files.path(root, files.USERS_FILE), text.encode("utf-8"))


def _user(account: dict[str, Any]) -> User:
    return User(
        name=str(account["name"]),
        role=role(str(account["role"])),
        scope=Scope.parse(account["scope"]),
        created=str(account.get("created", "")),
        password_changed=str(account.get("password_changed", "")),
    )


def load_users(root: Path) -> dict[str, User]:
    """Every account of the root by name (empty when there is none); ``AccountError`` when the file
    cannot be read or names an unknown role."""
    accounts = _accounts(root)
    try:
        return {name: _user(account) for name, account in accounts.items()}
    except (ValueError, KeyError) as exc:
        path = files.path(root, files.USERS_FILE)
        raise AccountError("unreadable", file=str(path), detail=str(exc)) from exc


# --- checks --------------------------------------------------------------------------


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise AccountError("bad_name", name=name[:64])


def check_password(password: str, name: str, settings: AccessSettings) -> None:
    """At least ``min_password_length`` characters, at most 1,024, and not the user name."""
    if len(password) < settings.min_password_length:
        raise AccountError("short_password", length=settings.min_password_length)
    if len(password) > MAX_PASSWORD:
        raise AccountError("long_password", length=MAX_PASSWORD)
    if password.strip().lower() == name.lower():
        raise AccountError("password_is_name")


def check_scope(root: Path, scope: Scope) -> bool:
    """Whether ``scope``'s codes could be checked against the root's boundary file (``False`` when it
    has none yet); ``AccountError`` naming the codes that are no street or community of it."""
    if scope.everything:
        return True
    units = root_units(root)
    if units is None:
        return False
    unknown = resolve_scope(scope, units).unknown
    if unknown:
        raise AccountError("unknown_codes", codes=", ".join(unknown))
    return True


def _access_settings(root: Path, settings: AccessSettings | None) -> AccessSettings:
    if settings is not None:
        return settings
    try:
        return load_settings(root).access
    except ValueError as exc:
        raise AccountError("bad_settings", detail=str(exc)) from exc


# --- changes -------------------------------------------------------------------------


def add_user(
    root: Path,
    name: str,
    role_key: str,
    scope: Scope,
    password: str,
    actor: str,
    settings: AccessSettings | None = None,
    now: Clock = audit.local_now,
) -> User:
    """Add an account (``AccountError`` when the name is taken or bad, the role unknown, a scope code not
    in the boundary file, or the password too short); the change is audited by ``actor``."""
    check_name(name)
    try:
        role(role_key)
    except ValueError:
        raise AccountError("unknown_role", role=role_key) from None
    check_scope(root, scope)
    check_password(password, name, _access_settings(root, settings))
    digest = HASHER.hash(password)
    stamp = _stamp(now)
    account = {
        "name": name,
        "role": role_key,
        "scope": scope.to_json(),
        "hash": digest,
        "created": stamp,
        "password_changed": stamp,
    }
    with files.locked(root):
        accounts = _accounts(root)
        if name in accounts:
            raise AccountError("exists", name=name)
        accounts[name] = account
        _write_accounts(root, accounts)
    details = {"target": name, "role": role_key, "scope": scope.to_json()}
    audit.record(root, "user_add", actor, details, now=now)
    return _user(account)


def remove_user(root: Path, name: str, actor: str, now: Clock = audit.local_now) -> None:
    with files.locked(root):
        accounts = _accounts(root)
        if name not in accounts:
            raise AccountError("no_such_user", name=name)
        del accounts[name]
        _write_accounts(root, accounts)
        _forget_failures(root, name)
    audit.record(root, "user_remove", actor, {"target": name}, now=now)


def reset_password(
    root: Path,
    name: str,
    password: str,
    actor: str,
    settings: AccessSettings | None = None,
    now: Clock = audit.local_now,
) -> None:
    """Set a new password (the name's failure count and lock are cleared); audited by ``actor``."""
    check_password(password, name, _access_settings(root, settings))
    digest = HASHER.hash(password)
    with files.locked(root):
        accounts = _accounts(root)
        if name not in accounts:
            raise AccountError("no_such_user", name=name)
        accounts[name] = {**accounts[name], "hash": digest, "password_changed": _stamp(now)}
        _write_accounts(root, accounts)
        _forget_failures(root, name)
    audit.record(root, "user_reset_password", actor, {"target": name}, now=now)


# --- sign-in -------------------------------------------------------------------------


@cache
def _dummy_hash() -> str:
    """A hash to check an unknown name's password against: an unknown name takes as long as a known one."""
    return HASHER.hash("not a password of anyone")


def _failures(root: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = _read_json(root, files.FAILURES_FILE)
    except AccountError:
        return {}  # a damaged failures file forgets the counts; it never locks anyone out for good
    return {k: v for k, v in raw.items() if isinstance(v, dict)}


def _forget_failures(root: Path, name: str) -> None:
    """Drop ``name``'s failure record (the lock is held)."""
    failures = _failures(root)
    if failures.pop(name, None) is not None:
        _write_failures(root, failures)


def _write_failures(root: Path, failures: dict[str, dict[str, Any]]) -> None:
    kept = sorted(failures.items(), key=lambda item: str(item[1].get("last", "")))[-MAX_FAILURE_RECORDS:]
    text = json.dumps(dict(kept), ensure_ascii=False, indent=1) + "\n"
    files.write_atomic(files.path(root, files.FAILURES_FILE), text.encode("utf-8"))


def _parse(stamp: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(stamp))
    except ValueError:
        return None


def _current(record: dict[str, Any] | None, moment: datetime, settings: AccessSettings) -> dict[str, Any]:
    """A name's failure record, empty when it has none or its last failure is outside the window."""
    if not record:
        return {}
    last = _parse(record.get("last"))
    window = timedelta(minutes=settings.login_failure_window_minutes)
    if last is None or moment - last > window:
        return {}
    return record


def _wait(record: dict[str, Any], moment: datetime) -> float:
    until = _parse(record.get("until")) if record.get("until") else None
    return max(0.0, (until - moment).total_seconds()) if until else 0.0


def login_wait(
    root: Path, name: str, now: Clock = audit.local_now, settings: AccessSettings | None = None
) -> float:
    """Seconds until ``name`` may try to sign in again (0 when it may now), for the login page to say."""
    access = _access_settings(root, settings)
    moment = now()
    return _wait(_current(_failures(root).get(name[:64]), moment, access), moment)


def _lock_seconds(failures: int, settings: AccessSettings) -> float:
    """The lock after ``failures`` failures in a row: none before ``login_free_attempts``, then the base
    lock doubling with each failure, capped."""
    over = failures - settings.login_free_attempts
    if over < 0:
        return 0.0
    return float(min(settings.login_lock_seconds * 2 ** min(over, 40), settings.login_lock_max_seconds))


def _count_failure(root: Path, key: str, moment: datetime, settings: AccessSettings) -> int:
    with files.locked(root):
        failures = _failures(root)
        record = _current(failures.get(key), moment, settings)
        count = int(record.get("count", 0)) + 1
        lock = _lock_seconds(count, settings)
        until = (moment + timedelta(seconds=lock)).isoformat(timespec="seconds") if lock else None
        failures[key] = {"count": count, "last": moment.isoformat(timespec="seconds"), "until": until}
        _write_failures(root, failures)
    return count


def _audit_name(name: str) -> str:
    """The name as typed, for the audit; text that is no user name at all (a password typed into the
    name box, say) is not written down."""
    return name if NAME_PATTERN.match(name) else "(not a user name)"


def _check(account: dict[str, Any] | None, password: str) -> bool:
    """Whether ``password`` is the account's; an unknown name is checked against a dummy hash (same time)."""
    try:
        HASHER.verify(str(account["hash"]) if account else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return account is not None


def authenticate(
    root: Path,
    name: str,
    password: str,
    now: Clock = audit.local_now,
    settings: AccessSettings | None = None,
) -> User | None:
    """The account when ``password`` is its password, else ``None``; every attempt is audited (without
    the password). While the name is locked after repeated failures the answer is ``None`` whatever the
    password (see :func:`login_wait`). ``AccountError`` when the users file cannot be read."""
    access = _access_settings(root, settings)
    moment = now()
    key = name[:64]
    wait = _wait(_current(_failures(root).get(key), moment, access), moment)
    who = _audit_name(name)
    if wait > 0:
        audit.record(root, "sign_in_refused", who, {"seconds_left": round(wait)}, now=lambda: moment)
        return None
    account = _accounts(root).get(name)
    if not _check(account, password[:MAX_PASSWORD]) or account is None:
        count = _count_failure(root, key, moment, access)
        reason = "wrong_password" if account else "unknown_user"
        details = {"reason": reason, "failures": count}
        audit.record(root, "sign_in_failed", who, details, now=lambda: moment)
        return None
    with files.locked(root):
        _forget_failures(root, key)
        if HASHER.check_needs_rehash(str(account["hash"])):
            accounts = _accounts(root)
            if name in accounts:
                accounts[name] = {**accounts[name], "hash": HASHER.hash(password)}
                _write_accounts(root, accounts)
    audit.record(root, "sign_in", name, {"method": "password"}, now=lambda: moment)
    return _user(account)
