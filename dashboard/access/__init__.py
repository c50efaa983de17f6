"""Access: local accounts and their roles, the scope a user sees, and the audit trail of what was done.

Nothing here imports streamlit: the app's login page and session wire these in. Everything lives in
the data root's ``.access/`` folder (see :mod:`dashboard.access.files`):

- :mod:`~dashboard.access.roles`: the four roles and what each may do, defined once;
- :mod:`~dashboard.access.accounts`: ``users.json`` (argon2id hashes), :func:`authenticate` with a lock
  after repeated failures;
- :mod:`~dashboard.access.scope`: a user's streets and communities as grid codes, and
  :func:`cut_to_scope`, the loaded dataset cut to them;
- :mod:`~dashboard.access.audit`: ``audit.jsonl``, an append-only, hash-chained log, and its check.
"""

from __future__ import annotations

from dashboard.access.accounts import (
    AccountError,
    User,
    add_user,
    authenticate,
    load_users,
    login_wait,
    remove_user,
    reset_password,
)
from dashboard.access.audit import ACTIONS, Entry, Verification, read_entries, record, verify
from dashboard.access.roles import ROLES, Role, role
from dashboard.access.scope import ALL, SCOPE_KEY, Scope, ScopeUnits, cut_to_scope, resolve_scope

__all__ = [
    "ACTIONS",
    "ALL",
    "ROLES",
    "SCOPE_KEY",
    "AccountError",
    "Entry",
    "Role",
    "Scope",
    "ScopeUnits",
    "User",
    "Verification",
    "add_user",
    "authenticate",
    "cut_to_scope",
    "load_users",
    "login_wait",
    "read_entries",
    "record",
    "remove_user",
    "reset_password",
    "resolve_scope",
    "role",
    "verify",
]
