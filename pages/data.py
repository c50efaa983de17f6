"""Data management: import this month's files, check them, and restore an earlier version."""

from dashboard.ui import data, frame

lang, root = frame.root_context("pages/data.py")
data.page(root, lang)
