"""Versioned storage of a data root: an import never loses what was there before.

Layout inside the data root::

    .history/
      log.jsonl                       one line per import or restore
      versions/<id>/manifest.json     what the version is (time, action, file, hash, counts, mapping)
      versions/<id>/files/...         every data file of the root as it stood after that step
      versions/<id>/upload/<name>     the file the user uploaded, byte for byte

A step holds the root's lock (an OS file lock that dies with its process) from before it reads the
current data until it is done. It is written aside first (``.history/tmp-*``); a journal line
(``.history/pending.json``) names it; the live files are replaced, each with ``os.replace`` from a
temporary file in the same folder; only then is it moved into ``versions/`` and logged. A failed write
puts the live files back and leaves no version. A kill before the journal line leaves the root as it was;
after it, the next step finishes the killed one before doing its own.
The first step of a root also records the root as it was ("baseline"), so it can be restored.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from filelock import FileLock, Timeout

from dashboard.core import schema
from dashboard.core.problems import DataError, Problem

HISTORY: Final = ".history"
# Files of a data root that a version holds (the mappings and the history itself are not data).
DATA_FILES: Final = (
    schema.GRIDS_FILE,
    schema.COMMUNITIES_FILE,
    schema.STREETS_FILE,
    schema.META_FILE,
    schema.PLACES_FILE,
    "dashboard.toml",
    *(
        f"{stem}{suffix}"
        for stem in (
            schema.ISSUES_STEM,
            schema.VOLUNTEERS_STEM,
            schema.SERVICE_RECORDS_STEM,
            schema.SERVICE_POINTS_STEM,
        )
        for suffix in (".parquet", ".csv")
    ),
)


@dataclass(frozen=True)
class Version:
    id: str
    created: str
    action: str  # "baseline", "import" or "restore"
    kind: str | None = None
    file: str | None = None
    sha256: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    mapping: str | None = None
    restored_from: str | None = None
    files: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "action": self.action,
            "kind": self.kind,
            "file": self.file,
            "sha256": self.sha256,
            "rows": self.rows,
            "mapping": self.mapping,
            "restored_from": self.restored_from,
            "files": self.files,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Version:
        return cls(
            id=str(raw["id"]),
            created=str(raw.get("created", "")),
            action=str(raw.get("action", "")),
            kind=raw.get("kind"),
            file=raw.get("file"),
            sha256=raw.get("sha256"),
            rows={str(k): int(v) for k, v in (raw.get("rows") or {}).items()},
            mapping=raw.get("mapping"),
            restored_from=raw.get("restored_from"),
            files={str(k): str(v) for k, v in (raw.get("files") or {}).items()},
        )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def live_files(root: Path) -> dict[str, Path]:
    return {name: root / name for name in DATA_FILES if (root / name).is_file()}


def history_dir(root: Path) -> Path:
    return root / HISTORY


def versions(root: Path) -> list[Version]:
    """Every version of the root, oldest first."""
    folder = history_dir(root) / "versions"
    if not folder.is_dir():
        return []
    found: list[Version] = []
    for manifest in sorted(folder.glob("*/manifest.json")):
        try:
            found.append(Version.from_json(json.loads(manifest.read_text(encoding="utf-8"))))
        except (ValueError, KeyError, OSError):
            continue
    return found


def read_log(root: Path) -> list[dict[str, Any]]:
    path = history_dir(root) / "log.jsonl"
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    return entries


# How long an import or a restore waits for another one to finish before it gives up with a message.
LOCK_WAIT_S: Final = 120.0
PENDING: Final = "pending.json"


def _reason(exc: OSError) -> str:
    """An OS error as a user reads it: its message and the file, without a traceback."""
    name = Path(exc.filename).name if getattr(exc, "filename", None) else ""
    return f"{exc.strerror or exc}{f' ({name})' if name else ''}"


@contextmanager
def _lock(root: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the root's write lock: an OS file lock (``.history/lock``) that dies with its process, so a
    killed import never blocks the next one. A second import waits for the first (up to ``wait_s``).
    Holding it, a step interrupted earlier is settled first (:func:`_recover`)."""
    history = history_dir(root)
    try:
        history.mkdir(parents=True, exist_ok=True)
        lock = FileLock(history / "lock", timeout=wait_s)
        lock.acquire()
    except Timeout as exc:
        raise DataError([Problem(HISTORY, "import_in_progress")]) from exc
    except OSError as exc:
        raise DataError([Problem(HISTORY, "write_failed", detail=_reason(exc))]) from exc
    try:
        try:
            _recover(root)
        except OSError as exc:
            raise DataError([Problem(HISTORY, "write_failed", detail=_reason(exc))]) from exc
        yield
    finally:
        lock.release()


def _recover(root: Path) -> None:
    """Settle a step that a kill or a crash interrupted (the lock is held). Once its journal line is
    written a step is always finished: its staged version (complete by then) is applied, moved into place
    and logged, so what a reader may already have seen stays. Staging folders left behind by a step killed
    before its journal line are removed: that step never touched the live files."""
    history = history_dir(root)
    pending = history / PENDING
    if pending.is_file():
        try:
            entry = json.loads(pending.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            entry = {}
        done = {v.id: v for v in versions(root)}
        staging = history / str(entry.get("staging") or "-")
        if entry.get("id") in done:
            if not any(e.get("id") == entry["id"] for e in read_log(root)):
                _log(root, {k: v for k, v in done[entry["id"]].to_json().items() if k != "files"})
        elif (staging / "manifest.json").is_file():
            version = Version.from_json(json.loads((staging / "manifest.json").read_text(encoding="utf-8")))
            _apply(root, version, staging / "files")
            staging.rename(history / "versions" / version.id)
            _log(root, {k: v for k, v in version.to_json().items() if k != "files"})
        elif done:
            _apply(root, list(done.values())[-1])
        pending.unlink(missing_ok=True)
    for staging in history.glob("tmp-*"):
        shutil.rmtree(staging, ignore_errors=True)


def settle(root: Path) -> None:
    """Finish or clean up a step that was killed, when one was and no other step is running (the app
    calls this before it loads a root, so nobody reads a restore killed half-way)."""
    history = history_dir(root)
    if not (history / PENDING).is_file() and not any(history.glob("tmp-*")):
        return
    try:
        with _lock(root, wait_s=0):
            pass  # taking the lock settles what was left (see _lock)
    except DataError:
        pass  # another step is running and will settle it; the root loads as it stands


def _next_id(root: Path, now: datetime) -> str:
    number = len(versions(root)) + 1
    return f"{number:04d}-{now:%Y%m%dT%H%M%S}"


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: a temporary file beside it, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with tmp.open("wb") as handle:
            write_bytes(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(handle: Any, data: bytes) -> None:
    """The one place data bytes are written (tests inject a failure here)."""
    handle.write(data)


def _stage(
    root: Path,
    version_id: str,
    action: str,
    files: dict[str, bytes | Path],
    now: datetime,
    **manifest: Any,
) -> tuple[Version, Path]:
    """Write a version aside (``.history/tmp-*``): its files, the upload and the manifest. Nothing else
    is touched; the caller moves it into place (:func:`_publish`)."""
    history = history_dir(root)
    staging = history / f"tmp-{uuid.uuid4().hex}"
    try:
        staging.mkdir(parents=True)
        hashes: dict[str, str] = {}
        for name, content in files.items():
            target = staging / "files" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
                hashes[name] = _file_hash(target)
            else:
                with target.open("wb") as handle:
                    write_bytes(handle, content)
                hashes[name] = sha256(content)
        upload = manifest.pop("upload", None)
        if upload is not None:
            name, data = upload
            target = staging / "upload" / Path(name).name
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                write_bytes(handle, data)
        version = Version(
            id=version_id, created=now.isoformat(timespec="seconds"), action=action, files=hashes, **manifest
        )
        (staging / "manifest.json").write_text(
            json.dumps(version.to_json(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return version, staging


def _publish(root: Path, version: Version, staging: Path) -> None:
    """Make a staged version the current one, in this order: a journal line naming it, the live files
    replaced from it, the version moved into ``versions/``, the log line, the journal removed. A failure
    before the move puts the live files back as they were and leaves no version; a kill at any point is
    settled by the next step (:func:`_recover`)."""
    history = history_dir(root)
    journal = history / PENDING
    previous = versions(root)
    try:
        _write_atomic(journal, json.dumps({"id": version.id, "staging": staging.name}).encode())
        _apply(root, version, staging / "files")
        final = history / "versions" / version.id
        final.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(final)
    except BaseException:
        if previous:
            _apply(root, previous[-1])
        shutil.rmtree(staging, ignore_errors=True)
        journal.unlink(missing_ok=True)
        raise
    try:
        _log(root, {k: v for k, v in version.to_json().items() if k != "files"})
    except OSError:
        return  # the version is in place; the journal stays, and the next step writes the log line
    journal.unlink(missing_ok=True)


def _snapshot(
    root: Path, version_id: str, action: str, files: dict[str, bytes | Path], now: datetime
) -> Version:
    """A version written aside and moved into place at once (the baseline: the live files are its own)."""
    version, staging = _stage(root, version_id, action, files, now)
    final = history_dir(root) / "versions" / version_id
    final.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(final)
    return version


def _baseline(root: Path, now: datetime) -> None:
    if versions(root):
        return
    _snapshot(root, _next_id(root, now), "baseline", dict(live_files(root)), now)


def _log(root: Path, entry: dict[str, Any]) -> None:
    path = history_dir(root) / "log.jsonl"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


Changes = dict[str, bytes | None]


def commit(
    root: Path,
    changes: Changes | Callable[[], tuple[Changes, dict[str, int]]],
    *,
    kind: str,
    upload: tuple[str, bytes],
    rows: dict[str, int],
    mapping: str | None,
    now: Callable[[], datetime] = datetime.now,
) -> Version:
    """Make ``changes`` (file name → new bytes, or ``None`` to remove) the new version of the root.

    ``changes`` may be a function, called once the lock is held, that builds them from the current data
    and returns them with more row counts: two imports at once then each add to what the other wrote.
    A failure to write (a full disk, a read-only folder) leaves the root as it was and no version.
    """
    moment = now().replace(microsecond=0)
    with _lock(root):
        try:
            _baseline(root, moment)
            built, more = changes() if callable(changes) else (changes, {})
            state: dict[str, bytes | Path] = dict(live_files(root))
            for name, content in built.items():
                if content is None:
                    state.pop(name, None)
                else:
                    state[name] = content
            version, staging = _stage(
                root,
                _next_id(root, moment),
                "import",
                state,
                moment,
                kind=kind,
                file=Path(upload[0]).name,
                sha256=sha256(upload[1]),
                rows={**rows, **more},
                mapping=mapping,
                upload=upload,
            )
            _publish(root, version, staging)
        except OSError as exc:
            raise DataError([Problem(HISTORY, "write_failed", detail=_reason(exc))]) from exc
    return version


def _apply(root: Path, version: Version, folder: Path | None = None) -> None:
    """Make the live files those of ``version`` (its files in ``folder``, by default its own folder):
    changed files replaced one by one, extra ones removed."""
    folder = folder or history_dir(root) / "versions" / version.id / "files"
    current = live_files(root)
    for name, digest in version.files.items():
        path = root / name
        if name in current and _file_hash(path) == digest:
            continue
        _write_atomic(path, (folder / name).read_bytes())
    for name, path in current.items():
        if name not in version.files:
            path.unlink(missing_ok=True)


def restore(root: Path, version_id: str, now: Callable[[], datetime] = datetime.now) -> Version:
    """Make an earlier version current again (recorded as a new version, so it can be undone)."""
    moment = now().replace(microsecond=0)
    with _lock(root):
        found = {v.id: v for v in versions(root)}
        if version_id not in found:
            raise DataError([Problem(HISTORY, "unknown_version", detail=version_id)])
        source = found[version_id]
        folder = history_dir(root) / "versions" / version_id / "files"
        try:
            state: dict[str, bytes | Path] = {name: folder / name for name in source.files}
            version, staging = _stage(
                root,
                _next_id(root, moment),
                "restore",
                state,
                moment,
                restored_from=version_id,
                kind=source.kind,
            )
            _publish(root, version, staging)
        except OSError as exc:
            raise DataError([Problem(HISTORY, "write_failed", detail=_reason(exc))]) from exc
    return version
