"""Documentation generated from the code (the metric registry, the package layout), so the README cannot drift."""

from __future__ import annotations

import ast
import re
import textwrap
import tomllib
from pathlib import Path

from dashboard.i18n import t
from dashboard.metrics import REGISTRY

START, END = "<!-- metrics:start -->", "<!-- metrics:end -->"
KIND_UNITS = {"count": "issues", "rate": "fraction 0–1", "per_1000": "per 1,000 residents", "median": "hours"}


def metric_table() -> str:
    """The README's metric table: the point-in-time rules (from the catalogs), then key, Chinese and
    English labels, formula, unit, direction, graded."""
    lines = [
        f"{t('basis.rules', 'zh')}",
        "",
        f"{t('basis.rules', 'en')}",
        "",
        "| key | zh | en | formula | unit | better | vs target |",
        "|---|---|---|---|---|---|---|",
    ]

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    for spec in REGISTRY:
        better = "higher" if spec.higher_is_better else "lower"
        graded = "yes" if spec.graded else ""
        lines.append(
            f"| `{spec.key}` | {spec.label('zh')} | {spec.label('en')} | {cell(spec.formula('zh'))}"
            f"<br>{cell(spec.formula('en'))} | {KIND_UNITS[spec.kind]} | {better} | {graded} |"
        )
    return "\n".join(lines)


# --- the layout -----------------------------------------------------------------------

LAYOUT_START, LAYOUT_END = "<!-- layout:start -->", "<!-- layout:end -->"
LAYOUT_WIDTH = 100


def _first_line(path: Path) -> str:
    """The first sentence of a module's docstring, on one line (empty when it has none)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    sentence = re.split(r"(?<=\.)\s", paragraph, maxsplit=1)[0]
    return sentence.replace("``", "")


def layers(pyproject: Path) -> list[list[str]]:
    """The layers of ``dashboard/`` from the import-linter contract in ``pyproject.toml``, top first."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            return [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]
    raise ValueError(f"{pyproject} has no layers contract")


def _described(name: str, text: str) -> list[str]:
    """``  name          text``, the text wrapped under itself."""
    wrapped = textwrap.wrap(text, LAYOUT_WIDTH - 16) or [""]
    return [f"  {name:<14}{wrapped[0]}".rstrip(), *(" " * 16 + line for line in wrapped[1:])]


def _package_lines(package: Path) -> list[str]:
    modules = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
    modules += sorted(f"{p.name}/" for p in package.iterdir() if (p / "__init__.py").is_file())
    lines = _described(f"{package.name}/", _first_line(package / "__init__.py"))
    text = " " * 16
    for name in modules:
        if len(text) + len(name) + 2 > LAYOUT_WIDTH and text.strip():
            lines.append(text.rstrip())
            text = " " * 16
        text += name + ", "
    if text.strip():
        lines.append(text.rstrip(", "))
    return lines


def layout(root: Path) -> str:
    """The README's layout: the top-level folders, then every package of ``dashboard/`` layer by layer
    (highest first, as in the import-linter contract) with its docstring and its modules."""
    package = root / "dashboard"
    lines = [
        "app.py            the frame: page config, language, data, shared filters, st.navigation",
        "pages/            thin pages: each reads like a table of contents (logic lives in dashboard/)",
        "dashboard/        the library, layer by layer (a layer imports only the layers below it;",
        "                  packages on one line never import each other; only ui/ imports streamlit)",
    ]
    for layer in layers(root / "pyproject.toml"):
        lines.append(f"  -- {' | '.join(layer)}")
        for name in layer:
            if (package / name / "__init__.py").is_file():
                lines += _package_lines(package / name)
            else:
                lines += _described(f"{name}.py", _first_line(package / f"{name}.py"))
    lines += [
        "static/           vendored Leaflet, jQuery, Bootstrap, the map PNG button (see static/README.md)",
        "geo/, data/       the demo street",
        "tests/            pytest: unit, AppTest pages, browser (tests/browser), benchmarks",
    ]
    return "\n".join(lines)


def _replace(text: str, start: str, end: str, body: str, path: Path) -> str:
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{path} has no {start} … {end} markers")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def update_readme(path: Path) -> bool:
    """Rewrite the generated parts of the README (metric table, layout); return whether the file changed."""
    text = path.read_text(encoding="utf-8")
    updated = _replace(text, START, END, metric_table(), path)
    updated = _replace(updated, LAYOUT_START, LAYOUT_END, f"```\n{layout(path.resolve().parent)}\n```", path)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text
