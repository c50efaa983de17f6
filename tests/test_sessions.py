"""Sign-in sessions: a genuine token resumes its user; a forged, expired, idle, signed-out or orphaned one
does not (dashboard.access.sessions)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dashboard.access import Scope, add_user, load_users, read_entries, remove_user
from dashboard.access.audit import local_now
from dashboard.access.sessions import end_session, open_viewer, resume, start_session, user_viewer
from dashboard.core.settings import load_settings
from tests.builders import C1, TEST_PASSWORD


@pytest.fixture
def root(tiny: Path) -> Path:
    add_user(tiny, "wang", "leader", Scope.parse(C1), password=TEST_PASSWORD, actor="test")
    return tiny


def _token(root: Path) -> str:
    return start_session(root, load_users(root)["wang"], load_settings(root).access)


def test_a_genuine_token_resumes_its_user_with_role_and_scope(root: Path) -> None:
    user = resume(root, _token(root), load_settings(root).access)
    assert user is not None
    viewer = user_viewer(user)
    assert (viewer.name, viewer.role.key, viewer.scope.key()) == ("wang", "leader", C1)
    assert not viewer.role.sees_personal_data


@pytest.mark.parametrize("tamper", ["flip", "empty", "garbage", "other_root"])
def test_a_forged_token_opens_nothing(root: Path, tmp_path: Path, tamper: str) -> None:
    token = _token(root)
    access = load_settings(root).access
    if tamper == "flip":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif tamper == "empty":
        token = ""
    elif tamper == "garbage":
        token = "eyJ1IjoiYWRtaW4ifQ.x.y"
    else:  # signed with another root's key
        other = tmp_path / "other"
        other.mkdir()
        add_user(other, "wang", "admin", Scope.parse("all"), password=TEST_PASSWORD, actor="test")
        token = start_session(other, load_users(other)["wang"], access)
    assert resume(root, token, access) is None


def test_a_session_ends_when_idle_and_when_too_old(root: Path) -> None:
    access = load_settings(root).access  # idle 30 minutes, at most 12 hours
    token = _token(root)
    start = local_now()
    assert resume(root, token, access, now=lambda: start + timedelta(minutes=29)) is not None
    # Used at 29 minutes: idle counts from then (last use is written once a minute at most).
    assert resume(root, token, access, now=lambda: start + timedelta(minutes=58)) is not None
    assert resume(root, token, access, now=lambda: start + timedelta(minutes=58 + 31)) is None
    fresh = _token(root)
    steps = [start + timedelta(minutes=25 * i) for i in range(1, 30)]
    alive = [resume(root, fresh, access, now=lambda s=s: s) is not None for s in steps]
    # Used every 25 minutes it stays open until the token is 12 hours old, then closes.
    assert alive[: 12 * 60 // 25] == [True] * (12 * 60 // 25)
    assert alive[-1] is False


def test_sign_out_and_a_removed_account_end_the_session(root: Path) -> None:
    access = load_settings(root).access
    token = _token(root)
    end_session(root, token, access)
    assert resume(root, token, access) is None
    assert [e.action for e in read_entries(root)][-1] == "sign_out"
    again = _token(root)
    remove_user(root, "wang", actor="test")
    assert resume(root, again, access) is None


def test_the_viewers_of_a_root_without_accounts() -> None:
    demo, other = open_viewer(True), open_viewer(False)
    assert (demo.kind, demo.role.key, demo.role.demo_only) == ("demo", "presenter", True)
    assert (other.kind, other.role.key, other.role.can_import, other.role.sees_personal_data) == (
        "open",
        "leader",
        False,
        False,
    )
