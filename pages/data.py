"""Data management: import this month's files, check them, and restore an earlier version."""

from dashboard.ui import frame, imports

lang, root = frame.root_context("pages/data.py")
imports.page(root, lang)
