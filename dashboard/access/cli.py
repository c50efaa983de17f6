"""``users`` and ``audit``: accounts and the audit trail from the command line.

The command line acts as the operating-system account that runs it (file permissions on the data root
decide who may): its changes are audited as ``os:<login name>``. Exit codes: 0 done, 1 the audit trail
is broken (``audit --verify``), 2 refused (nothing changed).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from filelock import Timeout

from dashboard.access import accounts, audit
from dashboard.access.roles import ROLE_KEYS
from dashboard.access.scope import Scope, root_units
from dashboard.core.loading import resolve_root
from dashboard.i18n import LANGS, Lang, as_lang, t

DATA_HELP = "data root (default: $DASHBOARD_DATA_DIR or the repository)"
STDIN_HELP = "read the password from the first line of standard input (for scripts) instead of asking twice"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default=None, help=DATA_HELP)
    parser.add_argument("--lang", choices=LANGS, default="zh")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser("users", help="add, remove, reset and list the local accounts of a data root")
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="add an account")
    add.add_argument("name", help="user name: letters, digits and . _ @ -")
    add.add_argument("--role", required=True, choices=ROLE_KEYS)
    add.add_argument("--scope", required=True, help="all, or street and community codes separated by commas")
    add.add_argument("--password-stdin", action="store_true", help=STDIN_HELP)
    _common(add)
    remove = actions.add_parser("remove", help="remove an account")
    remove.add_argument("name")
    _common(remove)
    reset = actions.add_parser("reset-password", help="set a new password for an account")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help=STDIN_HELP)
    _common(reset)
    _common(actions.add_parser("list", help="list the accounts (never their passwords or hashes)"))

    log = commands.add_parser("audit", help="list the audit trail, or check that no line was changed")
    log.add_argument("--verify", action="store_true", help="check the hash chain; exit 1 at a broken line")
    log.add_argument("--user", default=None, help="only this user's entries")
    log.add_argument("--since", default=None, help="only entries on or after this date (YYYY-MM-DD)")
    _common(log)


def os_actor() -> str:
    """Who runs the command line, for the audit: ``os:<login name>``."""
    try:
        return f"os:{getpass.getuser()}"
    except (OSError, KeyError):
        return "os:unknown"


def record_quietly(
    root: Path, action: str, details: Mapping[str, Any], err: TextIO, lang: Lang, user: str | None = None
) -> None:
    """Audit a command-line step; an audit that cannot be written is a warning (the step is done)."""
    try:
        audit.record(root, action, user or os_actor(), details)
    except (OSError, Timeout, ValueError) as exc:
        err.write(t("access.audit_not_written", lang, detail=str(exc)[:200]) + "\n")


def _password(args: argparse.Namespace, lang: Lang) -> str:
    """The new password: the first line of standard input, or asked twice (never echoed)."""
    if args.password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not password:
            raise accounts.AccountError("password_empty")
        return password
    first = getpass.getpass(t("access.password_prompt", lang, name=args.name))
    if first != getpass.getpass(t("access.password_again", lang)):
        raise accounts.AccountError("password_mismatch")
    return first


def _message(error: accounts.AccountError, lang: Lang) -> str:
    return t(f"access.error.{error.code}", lang, **error.params)


def _scope_text(scope: Scope, lang: Lang) -> str:
    return t("access.scope_all", lang) if scope.everything else ",".join(scope.codes)


def _add(args: argparse.Namespace, root: Path, out: TextIO, lang: Lang) -> None:
    try:
        scope = Scope.parse(args.scope)
    except ValueError:
        raise accounts.AccountError("bad_scope") from None
    accounts.check_name(args.name)  # refused before the password is asked for
    accounts.check_scope(root, scope)
    if args.name in accounts.load_users(root):
        raise accounts.AccountError("exists", name=args.name)
    user = accounts.add_user(root, args.name, args.role, scope, _password(args, lang), os_actor())
    out.write(t("access.added", lang, name=user.name, role=user.role.key, scope=_scope_text(scope, lang)))
    out.write("\n")
    if not scope.everything and root_units(root) is None:
        out.write(t("access.scope_unchecked", lang) + "\n")


def _list(root: Path, out: TextIO, lang: Lang) -> None:
    users = accounts.load_users(root)
    if not users:
        out.write(t("access.no_users", lang) + "\n")
        return
    columns = ("col_name", "col_role", "col_scope", "col_created", "col_password_changed")
    out.write(" | ".join(t(f"access.{c}", lang) for c in columns) + "\n")
    for user in users.values():
        cells = (user.name, user.role.key, _scope_text(user.scope, lang), user.created, user.password_changed)
        out.write(" | ".join(cells) + "\n")


def run_users(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    lang = as_lang(args.lang)
    root = resolve_root(args.data)
    try:
        if args.users_command == "add":
            _add(args, root, out, lang)
        elif args.users_command == "remove":
            accounts.remove_user(root, args.name, os_actor())
            out.write(t("access.removed", lang, name=args.name) + "\n")
        elif args.users_command == "reset-password":
            if args.name not in accounts.load_users(root):
                raise accounts.AccountError("no_such_user", name=args.name)
            accounts.reset_password(root, args.name, _password(args, lang), os_actor())
            out.write(t("access.password_reset", lang, name=args.name) + "\n")
        else:
            _list(root, out, lang)
    except accounts.AccountError as error:
        err.write(_message(error, lang) + "\n")
        return 2
    except Timeout:
        err.write(t("access.lock_busy", lang) + "\n")
        return 2
    return 0


def _details(details: Mapping[str, Any]) -> str:
    def text(value: Any) -> str:
        if isinstance(value, list):
            return ",".join(text(v) for v in value)
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}={text(v)}" for k, v in value.items()) + "}"
        return "-" if value is None else str(value)

    return "; ".join(f"{key}={text(value)}" for key, value in details.items())


def run_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    lang = as_lang(args.lang)
    root = resolve_root(args.data)
    if args.verify:
        result = audit.verify(root)
        if result.ok:
            out.write(t("access.audit_intact", lang, entries=result.entries) + "\n")
            return 0
        err.write(t(f"access.audit_broken.{result.reason}", lang, line=result.line) + "\n")
        return 1
    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        err.write(t("access.audit_bad_since", lang) + "\n")
        return 2
    entries = audit.read_entries(root, user=args.user, since=since)
    if not entries:
        out.write(t("access.audit_empty", lang) + "\n")
        return 0
    columns = ("col_seq", "col_time", "col_user", "col_action", "col_details")
    out.write(" | ".join(t(f"access.{c}", lang) for c in columns) + "\n")
    for entry in entries:
        cells = (str(entry.seq), entry.at, entry.user, entry.action, _details(entry.details))
        out.write(" | ".join(cells) + "\n")
    return 0
