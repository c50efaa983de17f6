"""Fault injection for the import store (issue #14): imports at once, imports killed, disks that fill up.

Each test checks what a data clerk would see afterwards: the number of issues the data root holds, the
versions listed, the log, and that the next import goes through at once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from dashboard import ingest
from dashboard.core.loading import load_dataset
from dashboard.core.problems import DataError
from dashboard.ingest import store
from tests.builders import G1, G3, tiny_root
from tests.conftest import REPO

TINY_ISSUES = 10  # the tiny root's issues


def _export(prefix: str, rows: int) -> bytes:
    """A GBK hotline-like export of ``rows`` new issues with ids ``<prefix>-<n>``."""
    lines = ["工单编号,登记时间,诉求类别,所属网格,办理状态,办结时间"]
    for n in range(rows):
        grid = G1 if n % 2 else G3
        done = "2026/11/3 15:00" if n % 3 else ""
        lines.append(f"{prefix}-{n},2026/11/2 9:00,环境卫生,{grid},{'已办结' if done else '处置中'},{done}")
    return "\n".join(lines).encode("gbk")


def _count(root: Path) -> int:
    return load_dataset(root).issues.height


def _consistent(root: Path) -> None:
    """Every version but the baseline is logged once; nothing is left half-done."""
    logged = [e["id"] for e in store.read_log(root)]
    listed = [v.id for v in ingest.versions(root) if v.action != "baseline"]
    assert logged == listed
    leftovers = [p.name for p in (root / ".history").iterdir() if p.name.startswith(("tmp-", "pending"))]
    assert leftovers == []


# --- two imports at once ------------------------------------------------------------------------


def _import_later(
    root: Path, prepared: ingest.Prepared, data: bytes, delay: float, results: list[ingest.ImportResult]
) -> None:
    time.sleep(delay)
    results.append(ingest.commit_import(root, prepared, data))


def test_twenty_rounds_of_two_imports_at_once_keep_every_row(tmp_path: Path) -> None:
    rng = random.Random(14)
    root = tiny_root(tmp_path / "root")
    expected = TINY_ISSUES
    for round_ in range(20):
        uploads = [(f"r{round_}{side}", _export(f"r{round_}{side}", 200)) for side in "ab"]
        prepared = [ingest.prepare(root, "issues", data, f"{name}.csv") for name, data in uploads]
        results: list[ingest.ImportResult] = []
        delays = (0.0, rng.uniform(0.0, 0.9))
        threads = [
            threading.Thread(
                target=_import_later, args=(root, prepared[i], uploads[i][1], delays[i], results)
            )
            for i in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        expected += 400
        assert len(results) == 2
        assert _count(root) == expected, f"round {round_}"
    # Each import says what it added and how many the table held after it.
    totals = sorted(v.rows["total"] for v in ingest.versions(root) if v.action == "import")
    assert totals == list(range(TINY_ISSUES + 200, expected + 1, 200))
    _consistent(root)


def test_two_command_line_imports_at_once_keep_every_row(tmp_path: Path) -> None:
    root = tiny_root(tmp_path / "root")
    files = []
    for side in "ab":
        path = tmp_path / f"{side}.csv"
        path.write_bytes(_export(side, 1000))
        files.append(path)
    command = [sys.executable, "-m", "dashboard", "import", "--data", str(root), "--kind", "issues"]
    first = subprocess.Popen([*command, str(files[0])], cwd=REPO, stdout=subprocess.PIPE)
    time.sleep(0.3)
    second = subprocess.Popen([*command, str(files[1])], cwd=REPO, stdout=subprocess.PIPE)
    assert first.wait(timeout=120) == 0 and second.wait(timeout=120) == 0
    assert _count(root) == TINY_ISSUES + 2000
    _consistent(root)


# --- killed at any point ------------------------------------------------------------------------

# Where the import kills itself: (function of the store, which call, before or after it runs).
KILL_POINTS = [
    ("write_bytes", 1, "before"),  # writing the version aside
    ("write_bytes", 1, "after"),
    ("_publish", 1, "before"),  # staged, nothing live touched
    ("_write_atomic", 1, "after"),  # the journal written
    ("_write_atomic", 2, "before"),  # about to replace the live file
    ("_write_atomic", 2, "after"),  # the live file replaced
    ("_apply", 1, "after"),  # every live file replaced, the version not yet moved into place
    ("_log", 1, "before"),  # the version in place, not yet logged
    ("_log", 1, "after"),  # logged, the journal not yet removed
    ("_stage", 1, "after"),  # staged (manifest written)
]

KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from dashboard import ingest
    from dashboard.ingest import store

    root, upload, name, nth, when = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    real = getattr(store, name)
    calls = [0]

    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == nth and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(*args, **kwargs)
        if calls[0] == nth and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(store, name, wrapped)
    data = upload.read_bytes()
    prepared = ingest.prepare(root, "issues", data, upload.name)
    ingest.commit_import(root, prepared, data)
    sys.exit(3)  # not killed: the point was never reached
    """
)


@pytest.mark.parametrize(("name", "nth", "when"), KILL_POINTS)
def test_an_import_killed_at_any_point_blocks_nothing_and_loses_nothing(
    tmp_path: Path, name: str, nth: int, when: str
) -> None:
    root = tiny_root(tmp_path / "root")
    first = _export("base", 10)
    ingest.commit_import(
        root, ingest.prepare(root, "issues", first, "base.csv"), first
    )  # the baseline exists
    before = _count(root)
    upload = tmp_path / "big.csv"
    upload.write_bytes(_export("big", 20_000))
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(root), str(upload), name, str(nth), when],
        cwd=REPO,
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    # The data loads as either the old or the new version, never a mix.
    after_kill = _count(root)
    assert after_kill in (before, before + 20_000)
    # The next import is neither blocked nor slowed down, and it settles the killed one first.
    started = time.monotonic()
    more = _export("next", 10)
    ingest.commit_import(root, ingest.prepare(root, "issues", more, "next.csv"), more)
    assert time.monotonic() - started < 10
    # A step killed before its journal line never happened; after it, the next step finished it first.
    final = _count(root)
    assert final in (before + 10, before + 20_010) and final >= after_kill + 10
    imports = [v.file for v in ingest.versions(root) if v.action == "import"]
    assert imports == (
        ["base.csv", "next.csv"] if final == before + 10 else ["base.csv", "big.csv", "next.csv"]
    )
    _consistent(root)


# --- a full disk ----------------------------------------------------------------------------------

WRITE_POINTS = [("write_bytes", 1), ("write_bytes", 2), ("_write_atomic", 1), ("_write_atomic", 2)]


@pytest.mark.parametrize(("name", "nth"), WRITE_POINTS)
def test_a_write_failing_anywhere_leaves_no_phantom_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, nth: int
) -> None:
    root = tiny_root(tmp_path / "root")
    data = _export("x", 50)
    prepared = ingest.prepare(root, "issues", data, "x.csv")
    real = getattr(store, name)
    calls = [0]

    def failing(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        if calls[0] == nth:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, name, failing)
    with pytest.raises(DataError) as raised:
        ingest.commit_import(root, prepared, data)
    monkeypatch.undo()
    assert [p.code for p in raised.value.problems] == ["write_failed"]
    assert "No space left on device" in raised.value.report("zh") and "磁盘已满" in raised.value.report("zh")
    assert [v.action for v in ingest.versions(root)] in ([], ["baseline"])
    assert store.read_log(root) == []
    assert _count(root) == TINY_ISSUES
    assert ingest.commit_import(root, prepared, data).added == 50  # and the next try goes through


def test_a_really_full_disk_leaves_the_root_as_it_was(tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True, check=False
        ).returncode
    ):
        pytest.skip("needs root and a tmpfs mount")
    try:
        root = tiny_root(mount / "root")
        data = _export("y", 30_000)  # about 1 MB as Parquet and as the kept upload: more than fits
        prepared = ingest.prepare(root, "issues", data, "y.csv")
        with pytest.raises(DataError) as raised:
            ingest.commit_import(root, prepared, data)
        assert [p.code for p in raised.value.problems] == ["write_failed"]
        assert [v.action for v in ingest.versions(root)] in ([], ["baseline"])
        assert _count(root) == TINY_ISSUES
        leftovers = [p.name for p in (root / ".history").iterdir() if p.name.startswith(("tmp-", "pending"))]
        assert leftovers == []
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_read_only_root_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes through read-only permissions")
    root = tiny_root(tmp_path / "root")
    data = _export("z", 5)
    prepared = ingest.prepare(root, "issues", data, "z.csv")
    root.chmod(0o555)
    try:
        with pytest.raises(DataError) as raised:
            ingest.commit_import(root, prepared, data)
        assert [p.code for p in raised.value.problems] == ["write_failed"]
    finally:
        root.chmod(0o755)


def test_the_app_finishes_a_killed_step_before_it_reads_the_root(tmp_path: Path) -> None:
    root = tiny_root(tmp_path / "root")
    first = _export("base", 10)
    ingest.commit_import(root, ingest.prepare(root, "issues", first, "base.csv"), first)
    upload = tmp_path / "big.csv"
    upload.write_bytes(_export("big", 2_000))
    # Killed once the journal line is written, before any live file is replaced.
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(root), str(upload), "_write_atomic", "1", "after"],
        cwd=REPO,
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert _count(root) == TINY_ISSUES + 10  # the live files are untouched so far
    store.settle(root)  # what the app's loader does first
    assert _count(root) == TINY_ISSUES + 10 + 2_000
    assert [v.file for v in ingest.versions(root) if v.action == "import"] == ["base.csv", "big.csv"]
    _consistent(root)
