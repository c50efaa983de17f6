"""The audit trail: who signed in, exported, viewed unmasked case lists, imported, restored or changed
an account, in ``.access/audit.jsonl`` of the data root.

One JSON object a line, appended under the folder's lock and fsynced: ``seq`` (1, 2, ...), ``at`` (local
time with its offset), ``action`` (a key of :data:`ACTIONS`), ``user``, ``details`` (filters, counts,
codes: never a row's contents, never a password), ``prev`` (the ``hash`` of the entry before, 64 zeros
for the first) and ``hash`` (SHA-256 of the entry's canonical JSON without ``hash``). ``audit.head.json``
keeps the last entry's number and hash, so lines cut off the end are seen too. :func:`verify` names
the first line that was edited, deleted, inserted or reordered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Final

from dashboard.access import files

GENESIS: Final = "0" * 64
ACTIONS: Final[dict[str, str]] = {
    "sign_in": "a successful sign-in (details: method)",
    "sign_in_failed": "a failed sign-in (details: reason, failures in a row)",
    "sign_in_refused": "a sign-in refused while the name is locked (details: seconds left)",
    "sign_out": "a sign-out",
    "export": "a case list or table downloaded (details: what, format, filters, rows, masked)",
    "report": "a monthly report written (details: period, communities, format, basis)",
    "case_list_unmasked": "a case list shown with personal data (details: what, filters, rows)",
    "import": "data imported (details: kind, file, version, rows)",
    "restore": "a version restored (details: version, new version)",
    "user_add": "an account added (details: target, role, scope)",
    "user_remove": "an account removed (details: target)",
    "user_reset_password": "an account's password reset (details: target)",
}
# Detail keys that could carry a secret: refused outright.
SECRET_WORDS: Final = ("password", "secret", "token", "hash", "cookie")
MAX_TEXT: Final = 200  # a detail's text is a filter, a code or a file name, never a row
MAX_ITEMS: Final = 200
MAX_LINE: Final = 8192


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    action: str
    user: str
    details: dict[str, Any] = field(default_factory=dict)
    prev: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """The entry without its own hash: what the hash is taken of."""
        return {
            "seq": self.seq,
            "at": self.at,
            "action": self.action,
            "user": self.user,
            "details": self.details,
            "prev": self.prev,
        }

    def digest(self) -> str:
        return hashlib.sha256(canonical(self.body()).encode("utf-8")).hexdigest()

    def line(self) -> str:
        return canonical({**self.body(), "hash": self.hash})

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Entry:
        details = raw["details"]
        if not isinstance(details, dict):
            raise ValueError("details must be an object")
        return cls(
            seq=int(raw["seq"]),
            at=str(raw["at"]),
            action=str(raw["action"]),
            user=str(raw["user"]),
            details=details,
            prev=str(raw["prev"]),
            hash=str(raw["hash"]),
        )

    @property
    def moment(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.at)
        except ValueError:
            return None


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def audit_path(root: Path) -> Path:
    return files.path(root, files.AUDIT_FILE)


def _head_path(root: Path) -> Path:
    return files.path(root, files.AUDIT_HEAD_FILE)


def _clean(details: Mapping[str, Any]) -> dict[str, Any]:
    """Details as stored: short text, numbers, booleans, null, and short lists of those. Anything that
    looks like a secret or a row (long text, nested tables) is refused with ``ValueError``."""

    def scalar(key: str, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise ValueError(f"audit detail {key!r} is too long for a filter or a code")
            return value
        raise ValueError(f"audit detail {key!r} must be text, a number or a list of them")

    cleaned: dict[str, Any] = {}
    for key, value in details.items():
        if any(word in key.lower() for word in SECRET_WORDS):
            raise ValueError(f"audit detail {key!r} looks like a secret: secrets never go into the audit")
        if isinstance(value, list | tuple):
            if len(value) > MAX_ITEMS:
                raise ValueError(f"audit detail {key!r} has too many items")
            cleaned[key] = [scalar(key, v) for v in value]
        elif isinstance(value, Mapping):
            cleaned[key] = {str(k): scalar(f"{key}.{k}", v) for k, v in value.items()}
        else:
            cleaned[key] = scalar(key, value)
    return cleaned


def local_now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


def record(
    root: Path,
    action: str,
    user: str,
    details: Mapping[str, Any] | None = None,
    now: Callable[[], datetime] = local_now,
) -> Entry:
    """Append one entry (under the ``.access`` lock, fsynced) and return it.

    ``action`` must be a key of :data:`ACTIONS`; ``details`` hold what was asked for (filters, codes,
    counts, masked or not), never a row's contents or a password (``ValueError``).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r} (known: {', '.join(ACTIONS)})")
    cleaned = _clean(details or {})
    with files.locked(root):
        seq, prev = _tail(root)
        moment = now()
        stamp = (moment if moment.tzinfo else moment.astimezone()).isoformat(timespec="seconds")
        entry = Entry(seq + 1, stamp, action, user, cleaned, prev)
        entry = dataclasses.replace(entry, hash=entry.digest())
        line = entry.line()
        if len(line.encode("utf-8")) > MAX_LINE:
            raise ValueError("an audit entry is too long: details are filters and counts, not rows")
        files.append_synced(audit_path(root), (line + "\n").encode("utf-8"))
        head = canonical({"seq": entry.seq, "hash": entry.hash}).encode("utf-8")
        files.write_atomic(_head_path(root), head)
    return entry


def _tail(root: Path) -> tuple[int, str]:
    """The number and hash of the last complete entry (the lock is held). A last line a crash left
    incomplete (no line break: its append never returned) is cut off first."""
    path = audit_path(root)
    if not path.is_file() or path.stat().st_size == 0:
        return 0, GENESIS
    with path.open("rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(size - 1)
        if handle.read(1) != b"\n":
            start = _line_start(handle, size - 1)
            handle.truncate(start)
            os.fsync(handle.fileno())
            size = start
        if size == 0:
            return 0, GENESIS
        start = _line_start(handle, size - 1)
        handle.seek(start)
        last = handle.read(size - start).decode("utf-8", errors="replace").strip()
    try:
        entry = Entry.from_json(json.loads(last))
    except (ValueError, KeyError, TypeError):  # a broken last line: chain on from its bytes
        count = sum(1 for _ in path.open("rb"))
        return count, hashlib.sha256(last.encode("utf-8")).hexdigest()
    return entry.seq, entry.hash


def _line_start(handle: BinaryIO, end: int) -> int:
    """The offset where the line ending just before ``end`` starts (0 for the first line)."""
    position = end
    while position > 0:
        step = min(4096, position)
        handle.seek(position - step)
        chunk = handle.read(step)
        found = chunk.rfind(b"\n")
        if found != -1:
            return position - step + found + 1
        position -= step
    return 0


def _lines(root: Path) -> Iterator[tuple[int, str]]:
    path = audit_path(root)
    if not path.is_file():
        return
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            yield number, line.rstrip("\n")


def read_entries(root: Path, user: str | None = None, since: date | None = None) -> list[Entry]:
    """The entries that can be read, oldest first, those of ``user`` only and on or after ``since``."""
    found: list[Entry] = []
    for _, line in _lines(root):
        try:
            entry = Entry.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError):
            continue
        if user is not None and entry.user != user:
            continue
        moment = entry.moment
        if since is not None and (moment is None or moment.date() < since):
            continue
        found.append(entry)
    return found


@dataclass(frozen=True)
class Verification:
    """The chain's check: ``line`` is the first broken line (1-based) and ``reason`` why
    (``unreadable``, ``edited``, ``out_of_order``, ``truncated``, ``head_unreadable``), both ``None`` when it is intact."""

    entries: int
    line: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def verify(root: Path) -> Verification:
    """Check every line's hash, its link to the line before and its number, then the end against
    ``audit.head.json``: an edited line is ``edited``; a deleted, inserted or moved one makes the line
    after it ``out_of_order``; lines cut off the end are ``truncated`` (at the first missing line)."""
    previous, before, count = GENESIS, GENESIS, 0
    for number, line in _lines(root):
        try:
            entry = Entry.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError):
            return Verification(count, number, "unreadable")
        if entry.digest() != entry.hash:
            return Verification(count, number, "edited")
        if entry.prev != previous or entry.seq != number:
            return Verification(count, number, "out_of_order")
        previous, before, count = entry.hash, entry.prev, number
    return _check_head(root, count, previous, before)


def _check_head(root: Path, count: int, last: str, before: str) -> Verification:
    """The end of the trail against ``audit.head.json`` (``last``: the last line's hash, ``before``: the
    one before it). One line more than the head knows is an append killed before it wrote the head."""
    path = _head_path(root)
    if not path.is_file():
        return Verification(count)
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
        seq, digest = int(head["seq"]), str(head["hash"])
    except (ValueError, KeyError, TypeError, OSError):
        return Verification(count, count, "head_unreadable")
    if seq > count:
        return Verification(count, count + 1, "truncated")
    if (seq == count and digest != last) or (seq == count - 1 and digest != before):
        return Verification(count, seq, "edited")
    if seq < count - 1:
        return Verification(count, seq + 1, "out_of_order")
    return Verification(count)
