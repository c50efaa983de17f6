"""Shared fixtures: hand-built data roots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import tiny_root

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return tiny_root(tmp_path / "tiny")


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Streamlit's caches survive between AppTest runs in one process: start and end empty."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
