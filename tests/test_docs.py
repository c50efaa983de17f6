"""The README and the catalogs stay in step with the code."""

from __future__ import annotations

import re

import pytest

from dashboard.i18n import catalog, t
from dashboard.metrics import REGISTRY
from dashboard.outputs.docs import END, START, metric_table
from tests.conftest import REPO


def test_readme_metric_table_is_generated_from_the_registry() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(START) + len(START) : readme.index(END)].strip()
    assert block == metric_table(), "run: python -m dashboard docs"
    for spec in REGISTRY:
        assert f"`{spec.key}`" in block


def test_catalogs_have_the_same_keys() -> None:
    assert set(catalog("zh")) == set(catalog("en"))


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.key)
def test_every_metric_is_documented_in_both_languages(spec: object) -> None:
    key = spec.key  # type: ignore[attr-defined]
    for lang in ("zh", "en"):
        for part in ("label", "help", "formula"):
            assert t(f"metric.{key}.{part}", lang) != f"metric.{key}.{part}"


# Keys whose translations may use different placeholders of the same call.
DIFFERENT_PLACEHOLDERS = {
    "filters.month_format",  # 2026年10月 / Oct 2026
    "report.published_date",  # 2026-11-06 / 6 Nov
}


def test_placeholders_match_between_languages() -> None:
    zh, en = catalog("zh"), catalog("en")
    for key, text in zh.items():
        if key in DIFFERENT_PLACEHOLDERS:
            continue
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", en[key])), key


def test_no_chinese_text_in_code_outside_catalogs_and_demo() -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("dashboard", "pages")
        for path in (REPO / folder).rglob("*.py")
        if "demo" not in path.relative_to(REPO).parts and cjk.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
