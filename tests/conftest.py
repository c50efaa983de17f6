"""Shared fixtures: hand-built data roots."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import tiny_root

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return tiny_root(tmp_path / "tiny")
