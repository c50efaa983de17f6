"""Shared fixtures: hand-built data roots, and the district demo built once per session."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class DemoRun:
    """A demo data root and what the ``demo`` command said when it wrote it."""

    root: Path
    code: int
    out: str


@pytest.fixture(scope="session")
def district_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The district demo (6 streets, ~200,000 issues; about a minute), written once per session by the CLI.

    Tests read it and must not change it.
    """
    from dashboard.cli import main

    root = tmp_path_factory.mktemp("district")
    out, err = io.StringIO(), io.StringIO()
    code = main(["demo", "--out", str(root), "--scale", "district", "--seed", "7"], out=out, err=err)
    return DemoRun(root, code, out.getvalue())
