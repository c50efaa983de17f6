"""Documentation generated from the registry, so the README cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.metrics import REGISTRY

START, END = "<!-- metrics:start -->", "<!-- metrics:end -->"
KIND_UNITS = {"count": "issues", "rate": "fraction 0–1", "per_1000": "per 1,000 residents", "median": "hours"}


def metric_table() -> str:
    """The README's metric table: key, Chinese and English labels, formula, unit, direction, graded."""
    lines = [
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


def update_readme(path: Path) -> bool:
    """Replace the table between the markers in ``path``; return whether the file changed."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{path} has no {START} … {END} markers")
    updated = pattern.sub(lambda _: f"{START}\n{metric_table()}\n{END}", text)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text
