"""The data root's ``.access/`` folder: where accounts and the audit trail live, and how they are written.

Layout inside the data root::

    .access/                 mode 0700
      users.json             the accounts (argon2id hashes, never a password), mode 0600
      failures.json          failed sign-ins per user name (for the lock), mode 0600
      audit.jsonl            the audit trail, one JSON object a line, append-only, mode 0600
      audit.head.json        the number and hash of its last entry (so a cut-off end is seen), mode 0600
      lock                   the folder's OS file lock (filelock), held by every write

The folder is not data: a version of the data root (``.history/``) never holds it, so restoring an old
version brings back no removed account and rewrites no audit entry.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from filelock import FileLock

ACCESS: Final = ".access"
USERS_FILE: Final = "users.json"
FAILURES_FILE: Final = "failures.json"
AUDIT_FILE: Final = "audit.jsonl"
AUDIT_HEAD_FILE: Final = "audit.head.json"
LOCK_FILE: Final = "lock"
# How long a write waits for another one (an import's audit line, a sign-in) before it gives up.
LOCK_WAIT_S: Final = 30.0
FILE_MODE: Final = 0o600
FOLDER_MODE: Final = 0o700


def access_dir(root: Path) -> Path:
    return root / ACCESS


def path(root: Path, name: str) -> Path:
    return access_dir(root) / name


def ensure_dir(root: Path) -> Path:
    """The ``.access`` folder, made (mode 0700) when missing."""
    folder = access_dir(root)
    if not folder.is_dir():
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        folder.chmod(FOLDER_MODE)
    return folder


@contextlib.contextmanager
def locked(root: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the ``.access`` folder's OS file lock (it dies with its process, like the import store's).

    Raises ``filelock.Timeout`` when another writer holds it longer than ``wait_s``.
    """
    folder = ensure_dir(root)
    lock = FileLock(folder / LOCK_FILE, timeout=wait_s, mode=FILE_MODE)
    with lock:
        yield


def _open_private(target: Path, flags: int) -> int:
    """Open ``target`` with mode 0600 from its creation on (never world-readable for a moment)."""
    descriptor = os.open(target, flags, FILE_MODE)
    target.chmod(FILE_MODE)
    return descriptor


def write_atomic(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` in one step: a private temporary file beside it, fsynced, then
    ``os.replace``; the folder is fsynced too, so the new name survives a power cut."""
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        descriptor = _open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(target)
        sync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def append_synced(target: Path, data: bytes) -> None:
    """Append ``data`` to ``target`` (made with mode 0600) and fsync it before returning."""
    created = not target.exists()
    descriptor = _open_private(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    with os.fdopen(descriptor, "ab") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if created:
        sync_dir(target.parent)


def sync_dir(folder: Path) -> None:
    """fsync a folder (its entries); a no-op where the OS does not allow it (Windows)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
