"""Numbers as people read them: 93.2%, 1,234, ten-thousands (wan) in Chinese, hours."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboard.i18n import Lang, t

if TYPE_CHECKING:
    from dashboard.metrics import Metric


def format_percent(value: float | None, digits: int = 1) -> str:
    """``0.9321`` → ``93.2%``; null → ``—``."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


def format_count(value: float | None, lang: Lang) -> str:
    """Whole counts; in Chinese, 10,000 and more in units of ten thousand (``12,345`` → ``1.23`` wan)."""
    if value is None:
        return "—"
    if lang == "zh" and abs(value) >= 10_000:
        return f"{value / 10_000:.2f}".rstrip("0").rstrip(".") + t("common.wan", lang)
    return f"{value:,.0f}"


def format_metric(value: float | None, spec: Metric, lang: Lang) -> str:
    """A registry value formatted by its kind."""
    if value is None:
        return "—"
    if spec.kind == "rate":
        return format_percent(value)
    if spec.kind == "count":
        return format_count(value, lang)
    if spec.kind == "median":
        return f"{value:.1f} {t('common.hours', lang)}"
    return f"{value:.1f}"


def format_delta(current: float | None, previous: float | None, spec: Metric, lang: Lang) -> str | None:
    """The change from the previous period: percentage points for rates, plain for others."""
    if current is None or previous is None:
        return None
    change = current - previous
    if spec.kind == "rate":
        return f"{change * 100:+.1f} {t('common.pp', lang)}"
    if spec.kind == "count":
        return f"{change:+,.0f}"
    return f"{change:+.1f}"
