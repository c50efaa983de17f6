"""The audit trail: an append-only, hash-chained log in the data root, and its check.

Every test writes its own entries with a fixed clock; the expected lines, hashes and findings are written out.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from dashboard.access import ACTIONS, audit, read_entries, record, verify
from dashboard.cli import main
from tests.builders import tiny_root

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tiny_root(tmp_path / "root")


def _four_entries(root: Path) -> list[str]:
    for day, (action, user) in enumerate(
        [("sign_in", "alice"), ("export", "alice"), ("import", "os:admin"), ("sign_in", "bob")], start=1
    ):
        details = {"rows": day, "masked": True} if action == "export" else {}
        record(root, action, user, details, now=clock(T0 + timedelta(days=day)))
    return audit.audit_path(root).read_text(encoding="utf-8").splitlines(keepends=True)


def _rewrite(root: Path, lines: list[str]) -> None:
    audit.audit_path(root).write_text("".join(lines), encoding="utf-8")


def test_entries_are_chained_and_verify(root: Path) -> None:
    lines = _four_entries(root)
    entries = [json.loads(line) for line in lines]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert entries[0]["prev"] == "0" * 64
    assert all(later["prev"] == earlier["hash"] for earlier, later in itertools.pairwise(entries))
    assert entries[1]["at"] == "2026-11-22T09:00:00+08:00" and entries[1]["details"] == {
        "masked": True,
        "rows": 2,
    }
    assert verify(root).ok and verify(root).entries == 4


def test_verify_names_an_edited_line(root: Path) -> None:
    lines = _four_entries(root)
    lines[1] = lines[1].replace('"rows":2', '"rows":200')
    _rewrite(root, lines)
    result = verify(root)
    assert (result.ok, result.line, result.reason) == (False, 2, "edited")


def test_verify_catches_an_edit_whose_hash_was_recomputed(root: Path) -> None:
    lines = _four_entries(root)
    entry = audit.Entry.from_json(json.loads(lines[1]))
    forged = audit.Entry(**{**entry.__dict__, "user": "mallory", "hash": ""})
    lines[1] = audit.Entry(**{**forged.__dict__, "hash": forged.digest()}).line() + "\n"
    _rewrite(root, lines)
    assert (verify(root).line, verify(root).reason) == (3, "out_of_order")


def test_verify_names_the_line_after_a_deleted_one(root: Path) -> None:
    lines = _four_entries(root)
    _rewrite(root, [lines[0], *lines[2:]])
    assert (verify(root).line, verify(root).reason) == (2, "out_of_order")
    _rewrite(root, lines[1:])  # the first line gone
    assert (verify(root).line, verify(root).reason) == (1, "out_of_order")


def test_verify_catches_a_reordered_pair(root: Path) -> None:
    lines = _four_entries(root)
    _rewrite(root, [lines[0], lines[2], lines[1], lines[3]])
    assert (verify(root).line, verify(root).reason) == (2, "out_of_order")


def test_verify_catches_lines_cut_off_the_end(root: Path) -> None:
    lines = _four_entries(root)
    _rewrite(root, lines[:3])
    assert (verify(root).line, verify(root).reason) == (4, "truncated")
    audit.audit_path(root).unlink()
    assert (verify(root).line, verify(root).reason) == (1, "truncated")


def test_a_line_a_crash_left_half_written_is_dropped_by_the_next_append(root: Path) -> None:
    _four_entries(root)
    with audit.audit_path(root).open("a", encoding="utf-8") as handle:
        handle.write('{"seq":5,"at":"2026-1')  # an append killed half-way: no line break
    entry = record(root, "sign_out", "bob")
    assert entry.seq == 5 and verify(root).ok and verify(root).entries == 5


def test_no_secret_and_no_row_goes_into_the_audit(root: Path) -> None:
    for details in ({"password": "x"}, {"new_hash": "x"}, {"description": "x" * 500}, {"rows": [{"a": 1}]}):
        with pytest.raises(ValueError):
            record(root, "export", "alice", details)
    with pytest.raises(ValueError, match="unknown audit action"):
        record(root, "looked_around", "alice")
    assert read_entries(root) == []
    assert set(ACTIONS) >= {"sign_in", "sign_in_failed", "export", "case_list_unmasked", "import", "restore"}


def test_entries_by_user_and_since(root: Path) -> None:
    _four_entries(root)
    assert [e.seq for e in read_entries(root, user="alice")] == [1, 2]
    assert [e.seq for e in read_entries(root, since=date(2026, 11, 23))] == [3, 4]
    assert [e.seq for e in read_entries(root, user="bob", since=date(2026, 11, 23))] == [4]


def test_audit_command_lists_filters_and_verifies(root: Path) -> None:
    _four_entries(root)
    code, out, _ = _run("audit", "--data", str(root), "--lang", "en")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "No. | Time | User | Action | Details" and len(lines) == 5
    assert lines[2] == "2 | 2026-11-22T09:00:00+08:00 | alice | export | masked=True; rows=2"
    code, out, _ = _run("audit", "--data", str(root), "--user", "bob", "--since", "2026-11-23")
    assert code == 0 and [line.split(" | ")[0] for line in out.splitlines()[1:]] == ["4"]
    assert _run("audit", "--data", str(root), "--since", "23 Nov")[0] == 2
    code, out, _ = _run("audit", "--data", str(root), "--verify", "--lang", "en")
    assert code == 0 and "(entries: 4)" in out
    text = audit.audit_path(root).read_text(encoding="utf-8").replace('"user":"bob"', '"user":"eve"')
    audit.audit_path(root).write_text(text, encoding="utf-8")
    code, _, err = _run("audit", "--data", str(root), "--verify", "--lang", "en")
    assert code == 1 and err == "Line 4 of the audit trail was changed after it was written.\n"
    code, _, err = _run("audit", "--data", str(root), "--verify")
    assert code == 1 and "第 4 行" in err


def test_an_append_killed_before_it_wrote_the_head_still_verifies(root: Path) -> None:
    _four_entries(root)
    head = audit.audit_path(root).with_name("audit.head.json")
    lines = audit.audit_path(root).read_text(encoding="utf-8").splitlines()
    third = json.loads(lines[2])
    head.write_text(json.dumps({"seq": 3, "hash": third["hash"]}), encoding="utf-8")
    assert verify(root).ok  # line 4 was appended and fsynced; the head was not yet written
    head.write_text(json.dumps({"seq": 3, "hash": "f" * 64}), encoding="utf-8")
    assert (verify(root).line, verify(root).reason) == (3, "edited")
    head.write_text(json.dumps({"seq": 2, "hash": json.loads(lines[1])["hash"]}), encoding="utf-8")
    assert (verify(root).line, verify(root).reason) == (3, "out_of_order")  # two lines the head never saw
    head.write_text("{", encoding="utf-8")
    assert verify(root).reason == "head_unreadable"
