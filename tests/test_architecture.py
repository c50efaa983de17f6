"""The shape of the code: layers, private names, module and function sizes, the README's layout.

The import layers themselves are import-linter contracts in ``pyproject.toml`` (``lint-imports``,
run by tests/run.sh and by the first test here); the rest are rules import-linter cannot see.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.outputs.docs import LAYOUT_END, LAYOUT_START, layers, layout
from tests.conftest import REPO

PACKAGE = REPO / "dashboard"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
# Modules allowed directly in dashboard/: the package marker and the entry points.
TOP_LEVEL_MODULES = {"__init__", "__main__", "cli"}


def _sources(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((REPO / folder).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(module: str, path: Path) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to itself)."""
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _private_imports(path: Path) -> list[str]:
    """``from X import _name`` (and ``X._name`` on an imported dashboard module) where X is in another package."""
    module = _module_name(path)
    own = _package_of(module, path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dashboard"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                imported[alias.asname or alias.name] = target
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and not node.module.startswith(own + ".") and node.module != own:
                    found.append(f"{module}: from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            target = imported[node.value.id]
            if not target.startswith(own + ".") and target != own:
                found.append(f"{module}: {node.value.id}.{node.attr}")
    return found


def test_import_layers_hold() -> None:
    """The import-linter contracts: layers, features independent of each other, streamlit only in ui."""
    command = shutil.which("lint-imports")
    if command is None:
        pytest.skip("import-linter is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run([command, "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_every_package_of_dashboard_has_a_layer() -> None:
    named = {name for layer in layers(REPO / "pyproject.toml") for name in layer}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert packages | modules == named


def test_only_entry_points_sit_directly_in_dashboard() -> None:
    assert {p.stem for p in PACKAGE.glob("*.py")} <= TOP_LEVEL_MODULES


def test_no_module_imports_another_packages_private_names() -> None:
    offenders = [hit for path in _sources("dashboard", "pages") for hit in _private_imports(path)]
    offenders += _private_imports(REPO / "app.py")
    assert offenders == []


def test_private_import_check_catches_one() -> None:
    # The check itself: a module of ingest importing a private name of core is caught; its own package's is not.
    sample = PACKAGE / "ingest" / "_architecture_sample.py"
    sample.write_text(
        "from dashboard.core.loading import _text\nfrom dashboard.ingest.mapping import _x\n",
        encoding="utf-8",
    )
    try:
        assert _private_imports(sample) == [
            "dashboard.ingest._architecture_sample: from dashboard.core.loading import _text"
        ]
    finally:
        sample.unlink()


@pytest.mark.parametrize("path", list(_sources("dashboard", "pages")), ids=lambda p: str(p.relative_to(REPO)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_pages_hold_no_data_logic() -> None:
    """Pages read like a table of contents: no Polars or pandas work, no file reading."""
    words = ("group_by", "groupby", "pl.col(", ".agg(", "read_csv", "read_parquet", "open(")
    offenders = [
        f"{path.name}: {word}"
        for path in _sources("pages")
        for word in words
        if word in path.read_text("utf-8")
    ]
    assert offenders == []


def test_readme_layout_is_generated_from_the_tree() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(LAYOUT_START) + len(LAYOUT_START) : readme.index(LAYOUT_END)].strip()
    assert block == f"```\n{layout(REPO)}\n```", "run: python -m dashboard docs"
    for package in (p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        assert f"  {package.name}/" in block


def test_core_package_never_imports_streamlit_even_lazily() -> None:
    """import-linter sees imports inside functions too; this guards the run-time side: importing the whole
    library below ui/ loads no streamlit module."""
    code = (
        "import sys, pkgutil, importlib, dashboard\n"
        "for m in pkgutil.walk_packages(dashboard.__path__, 'dashboard.'):\n"
        "    if not m.name.startswith('dashboard.ui') and m.name != 'dashboard.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('streamlit', 'streamlit_folium')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def _calls(name: str) -> dict[str, list[ast.Call]]:
    """Calls of ``st.<name>`` (or ``<x>.<name>``) per module of the package and the pages."""
    found: dict[str, list[ast.Call]] = {}
    for path in [*PACKAGE.rglob("*.py"), *(REPO / "pages").glob("*.py"), REPO / "app.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name
        ]
        if calls:
            found[str(path.relative_to(REPO))] = calls
    return found


def test_charts_reach_the_screen_only_through_the_escaping_gate() -> None:
    """Every Plotly figure is drawn by ``widgets.chart`` or the meeting stage, both through ``safe_figure``."""
    callers = _calls("plotly_chart")
    assert set(callers) == {"dashboard/ui/widgets.py", "dashboard/ui/meeting.py"}
    for module in callers:
        source = (REPO / module).read_text(encoding="utf-8")
        assert "safe_figure(" in source


def test_raw_html_is_written_only_by_the_meeting_views() -> None:
    """``unsafe_allow_html`` is used only where every piece of data goes through ``html_text``."""
    users = {
        module
        for module, calls in _calls("markdown").items()
        if any(k.arg == "unsafe_allow_html" for call in calls for k in call.keywords)
    }
    assert users == {"dashboard/ui/meeting.py"}
