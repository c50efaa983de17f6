"""Accounts, roles, sign-in with a lock after failures, and the hash-chained audit trail.

Everything runs on hand-built data roots (tests/builders.py's tiny root: 东湖社区 C1, 西岭社区 C2 in
street 330199001); the clock is a parameter, so no test sleeps.
"""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dashboard.access import (
    ROLES,
    AccountError,
    Scope,
    add_user,
    audit,
    authenticate,
    files,
    load_users,
    login_wait,
    read_entries,
    remove_user,
    reset_password,
    verify,
)
from dashboard.cli import main
from dashboard.core.settings import AccessSettings
from tests.builders import C1, C2, tiny_root, write_issues_csv
from tests.conftest import REPO

PASSWORD = "correct horse battery"
ACTOR = "os:tester"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=8)))
LOCK = AccessSettings(
    min_password_length=10,
    login_free_attempts=3,
    login_lock_seconds=30,
    login_lock_max_seconds=100,
    login_failure_window_minutes=60,
    session_hours=12,
    idle_minutes=30,
)


def clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tiny_root(tmp_path / "root")


# --- roles --------------------------------------------------------------------------


def test_the_roles_and_what_each_may_do() -> None:
    table = {
        key: (r.can_import, r.sees_personal_data, r.can_export_personal, r.manages_users, r.demo_only)
        for key, r in ROLES.items()
    }
    assert table == {
        "leader": (False, False, False, False, False),
        "staff": (False, True, True, False, False),
        "admin": (True, True, True, True, False),
        "presenter": (False, False, False, False, True),
    }


# --- accounts -----------------------------------------------------------------------


def test_add_list_reset_remove(root: Path) -> None:
    user = add_user(root, "alice", "staff", Scope((C1,)), PASSWORD, ACTOR, now=clock(T0))
    assert (user.name, user.role.key, user.scope.codes) == ("alice", "staff", (C1,))
    assert user.sees_personal_data and user.can_export_personal and not user.can_import
    add_user(root, "王书记", "leader", Scope.parse("330199001"), PASSWORD + "!", ACTOR, now=clock(T0))
    users = load_users(root)
    assert list(users) == ["alice", "王书记"]
    assert users["王书记"].role.key == "leader" and not users["王书记"].sees_personal_data
    assert users["alice"].created == "2026-11-20T09:00:00+08:00"

    reset_password(root, "alice", "a brand new secret", ACTOR)
    assert authenticate(root, "alice", PASSWORD, settings=LOCK) is None
    assert authenticate(root, "alice", "a brand new secret", settings=LOCK) is not None

    remove_user(root, "alice", ACTOR)
    assert list(load_users(root)) == ["王书记"]
    assert authenticate(root, "alice", "a brand new secret", settings=LOCK) is None
    actions = [(e.action, e.user, e.details.get("target")) for e in read_entries(root)]
    assert actions == [
        ("user_add", ACTOR, "alice"),
        ("user_add", ACTOR, "王书记"),
        ("user_reset_password", ACTOR, "alice"),
        ("sign_in_failed", "alice", None),
        ("sign_in", "alice", None),
        ("user_remove", ACTOR, "alice"),
        ("sign_in_failed", "alice", None),
    ]


def test_the_users_file_holds_an_argon2id_hash_and_no_password(root: Path) -> None:
    add_user(root, "alice", "admin", Scope.parse("all"), PASSWORD, ACTOR)
    path = root / ".access" / "users.json"
    text = path.read_text(encoding="utf-8")
    [account] = json.loads(text)["users"]
    assert account["hash"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert account["scope"] == "all" and account["role"] == "admin"
    assert PASSWORD not in text
    authenticate(root, "alice", "a wrong password", settings=LOCK)
    for name in (files.USERS_FILE, files.AUDIT_FILE, files.AUDIT_HEAD_FILE, files.FAILURES_FILE):
        assert PASSWORD not in (root / ".access" / name).read_text(encoding="utf-8")
        assert "a wrong password" not in (root / ".access" / name).read_text(encoding="utf-8")
        assert _mode(root / ".access" / name) == 0o600, name
    assert _mode(root / ".access") == 0o700


@pytest.mark.parametrize(
    ("name", "role", "scope", "password", "code"),
    [
        ("bad name", "staff", "all", PASSWORD, "bad_name"),
        ("alice", "boss", "all", PASSWORD, "unknown_role"),
        ("alice", "staff", f"{C1},999", PASSWORD, "unknown_codes"),
        ("alice", "staff", "all", "short", "short_password"),
        ("alice", "staff", "all", "Alice", "short_password"),
        ("alice12345", "staff", "all", "ALICE12345", "password_is_name"),
    ],
)
def test_a_bad_account_is_refused_and_nothing_is_written(
    root: Path, name: str, role: str, scope: str, password: str, code: str
) -> None:
    with pytest.raises(AccountError) as caught:
        add_user(root, name, role, Scope.parse(scope), password, ACTOR)
    assert caught.value.code == code
    assert load_users(root) == {}
    assert read_entries(root) == []


def test_a_taken_name_and_a_missing_one(root: Path) -> None:
    add_user(root, "alice", "staff", Scope((C1,)), PASSWORD, ACTOR)
    with pytest.raises(AccountError, match="exists"):
        add_user(root, "alice", "leader", Scope((C2,)), PASSWORD, ACTOR)
    for change in (
        lambda: remove_user(root, "bob", ACTOR),
        lambda: reset_password(root, "bob", PASSWORD, ACTOR),
    ):
        with pytest.raises(AccountError, match="no_such_user"):
            change()
    assert load_users(root)["alice"].role.key == "staff"


def test_codes_are_not_checked_when_the_root_has_no_boundaries_yet(tmp_path: Path) -> None:
    empty = tmp_path / "new"
    empty.mkdir()
    user = add_user(empty, "alice", "admin", Scope(("330199001",)), PASSWORD, ACTOR)
    assert user.scope.codes == ("330199001",)


# --- sign-in ------------------------------------------------------------------------


def test_sign_in_right_wrong_and_unknown_are_audited_without_the_password(root: Path) -> None:
    add_user(root, "alice", "staff", Scope((C1,)), PASSWORD, ACTOR)
    user = authenticate(root, "alice", PASSWORD, settings=LOCK)
    assert user is not None and user.scope == Scope((C1,))
    assert authenticate(root, "alice", "not it at all", settings=LOCK) is None
    assert authenticate(root, "nobody", PASSWORD, settings=LOCK) is None
    assert authenticate(root, PASSWORD, PASSWORD, settings=LOCK) is None  # a password in the name box
    signs = [(e.action, e.user, e.details) for e in read_entries(root) if e.action.startswith("sign")]
    assert signs == [
        ("sign_in", "alice", {"method": "password"}),
        ("sign_in_failed", "alice", {"reason": "wrong_password", "failures": 1}),
        ("sign_in_failed", "nobody", {"reason": "unknown_user", "failures": 1}),
        ("sign_in_failed", "(not a user name)", {"reason": "unknown_user", "failures": 1}),
    ]
    assert PASSWORD not in audit.audit_path(root).read_text(encoding="utf-8")


def test_repeated_failures_lock_the_name_for_longer_each_time(root: Path) -> None:
    add_user(root, "alice", "staff", Scope((C1,)), PASSWORD, ACTOR)

    def attempt(seconds: float, password: str = "wrong password") -> bool:
        return (
            authenticate(root, "alice", password, now=clock(T0 + timedelta(seconds=seconds)), settings=LOCK)
            is not None
        )

    def wait(seconds: float) -> float:
        return login_wait(root, "alice", now=clock(T0 + timedelta(seconds=seconds)), settings=LOCK)

    assert not attempt(0) and not attempt(1) and wait(1) == 0  # two free failures
    assert not attempt(2) and wait(2) == 30  # the third locks for 30 s
    assert not attempt(12, PASSWORD) and wait(12) == 20  # locked: even the right password is refused
    assert not attempt(33) and wait(33) == 60  # the fourth: 60 s
    assert not attempt(94) and wait(94) == 100  # the fifth: 120 s, capped at 100
    assert wait(193) == 1 and attempt(194, PASSWORD)  # after the lock: in, and the count starts again
    assert wait(194) == 0 and not attempt(195) and wait(195) == 0
    actions = [e.action for e in read_entries(root) if e.action.startswith("sign")]
    assert actions == ["sign_in_failed"] * 3 + ["sign_in_refused"] + ["sign_in_failed"] * 2 + [
        "sign_in",
        "sign_in_failed",
    ]
    refused = next(e for e in read_entries(root) if e.action == "sign_in_refused")
    assert refused.details == {"seconds_left": 20}


def test_failures_older_than_the_window_are_forgotten(root: Path) -> None:
    add_user(root, "alice", "staff", Scope((C1,)), PASSWORD, ACTOR)
    for minute in (0, 1):
        authenticate(
            root, "alice", "wrong password", now=clock(T0 + timedelta(minutes=minute)), settings=LOCK
        )
    later = T0 + timedelta(minutes=62)
    assert authenticate(root, "alice", "wrong password", now=clock(later), settings=LOCK) is None
    assert login_wait(root, "alice", now=clock(later), settings=LOCK) == 0
    assert read_entries(root)[-1].details == {"reason": "wrong_password", "failures": 1}


def test_a_reset_password_clears_the_lock(root: Path) -> None:
    add_user(root, "alice", "staff", Scope((C1,)), PASSWORD, ACTOR)
    for second in range(3):
        authenticate(
            root, "alice", "wrong password", now=clock(T0 + timedelta(seconds=second)), settings=LOCK
        )
    assert login_wait(root, "alice", now=clock(T0), settings=LOCK) > 0
    reset_password(root, "alice", "another good one", ACTOR)
    assert login_wait(root, "alice", now=clock(T0), settings=LOCK) == 0


# --- the command line ---------------------------------------------------------------


def test_users_commands(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    code, out, err = _run(
        "users",
        "add",
        "alice",
        "--role",
        "staff",
        "--scope",
        C1,
        "--data",
        str(root),
        "--password-stdin",
        "--lang",
        "en",
    )
    assert (code, err) == (0, "") and out == f"Account alice added: role staff, scope {C1}.\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    code, out, err = _run(
        "users", "add", "alice", "--role", "leader", "--scope", "all", "--data", str(root), "--password-stdin"
    )
    assert code == 2 and "账号 alice 已存在" in err
    code, out, err = _run(
        "users",
        "add",
        "bob",
        "--role",
        "leader",
        "--scope",
        "999",
        "--data",
        str(root),
        "--password-stdin",
        "--lang",
        "en",
    )
    assert code == 2 and "Not a street or community code" in err and "999" in err
    code, out, _ = _run("users", "list", "--data", str(root), "--lang", "en")
    assert code == 0
    assert out.splitlines() == ["Account | Role | Scope | Created | Password set", out.splitlines()[1]]
    assert out.splitlines()[1].startswith(f"alice | staff | {C1} | ") and "argon2" not in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    code, _, err = _run(
        "users", "reset-password", "alice", "--data", str(root), "--password-stdin", "--lang", "en"
    )
    assert code == 2 and "No password on standard input" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO("a fresh password\r\n"))
    assert _run("users", "reset-password", "alice", "--data", str(root), "--password-stdin")[0] == 0
    assert authenticate(root, "alice", "a fresh password", settings=LOCK) is not None
    assert _run("users", "remove", "alice", "--data", str(root))[0] == 0
    assert _run("users", "remove", "alice", "--data", str(root))[0] == 2
    code, out, _ = _run("users", "list", "--data", str(root), "--lang", "en")
    assert "No accounts yet" in out and "--role admin --scope all" in out


def test_without_stdin_the_password_is_asked_twice(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([PASSWORD, "something else"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = _run(
        "users", "add", "alice", "--role", "admin", "--scope", "all", "--data", str(root), "--lang", "en"
    )
    assert code == 2 and "The two passwords differ" in err and load_users(root) == {}
    answers = iter([PASSWORD, PASSWORD])
    assert _run("users", "add", "alice", "--role", "admin", "--scope", "all", "--data", str(root))[0] == 0
    assert load_users(root)["alice"].manages_users


def test_the_module_entry_point_adds_a_user_from_stdin(root: Path) -> None:
    def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "dashboard", *argv, "--data", str(root)]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=REPO, check=False)

    added = run(
        "users",
        "add",
        "admin",
        "--role",
        "admin",
        "--scope",
        "all",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0 and "admin" in added.stdout, added.stderr
    listed = run("users", "list")
    assert (
        listed.returncode == 0 and "admin | admin | 全部" in listed.stdout and "$argon2" not in listed.stdout
    )
    short = run("users", "reset-password", "admin", "--password-stdin", "--lang", "en", stdin="short\n")
    assert (
        short.returncode == 2 and "at least 10 characters" in short.stderr and "Traceback" not in short.stderr
    )


def test_cli_import_and_restore_are_audited(root: Path, tmp_path: Path) -> None:
    upload_root = tmp_path / "upload"
    issue = {"issue_id": "n1", "reported_at": "2026-11-01 09:00:00", "category": "其他", "status": "reported"}
    upload = write_issues_csv(upload_root, [issue | {"community_code": C2}])
    code, _, err = _run("import", "--data", str(root), "--kind", "issues", str(upload))
    assert code == 0, err
    code, _, err = _run("restore", "--data", str(root), "0001-" + _baseline_stamp(root))
    assert code == 0, err
    imported, restored = read_entries(root)
    assert imported.action == "import" and imported.user.startswith("os:")
    assert {k: imported.details[k] for k in ("kind", "file", "mode", "added", "total", "via")} == {
        "kind": "issues",
        "file": "issues.csv",
        "mode": "append",
        "added": 1,
        "total": 11,
        "via": "cli",
    }
    assert restored.action == "restore" and restored.details["version"].startswith("0001-")
    assert "n1" not in audit.audit_path(root).read_text(encoding="utf-8")  # no row goes in
    assert verify(root).ok


def _baseline_stamp(root: Path) -> str:
    [baseline] = [p.name for p in (root / ".history" / "versions").iterdir() if p.name.startswith("0001-")]
    return baseline.removeprefix("0001-")


def test_a_cli_report_is_audited_but_not_on_demo_data(root: Path, tmp_path: Path) -> None:
    code, _, err = _run(
        "report", "--data", str(root), "--period", "2026-10", "--out", str(tmp_path / "r.pptx")
    )
    assert code == 0, err
    code, _, err = _run(
        "report",
        "--data",
        str(root),
        "--period",
        "2026-10",
        "--community",
        C1,
        "--out",
        str(tmp_path / "c1.pptx"),
    )
    assert code == 0, err
    [whole, one] = read_entries(root)
    assert (whole.action, whole.details["communities"], whole.details["format"]) == ("report", "all", "pptx")
    assert one.details["communities"] == [C1] and one.details["masked"] is True
    (root / "data" / "meta.json").write_text('{"demo": true}', encoding="utf-8")
    assert (
        _run("report", "--data", str(root), "--period", "2026-10", "--out", str(tmp_path / "d.pptx"))[0] == 0
    )
    assert len(read_entries(root)) == 2
