"""Access: local accounts and their roles, the scope a user sees, and the audit trail of what was done.

Nothing here imports streamlit: the app's login page and session wire these in.

- :mod:`~dashboard.access.scope`: a user's streets and communities as grid codes, and
  :func:`cut_to_scope`, the loaded dataset cut to them.
"""

from __future__ import annotations

from dashboard.access.scope import ALL, SCOPE_KEY, Scope, ScopeUnits, cut_to_scope, resolve_scope

__all__ = ["ALL", "SCOPE_KEY", "Scope", "ScopeUnits", "cut_to_scope", "resolve_scope"]
