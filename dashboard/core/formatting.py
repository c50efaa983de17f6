"""Numbers as people read them: 93.2%, 1,234, ten-thousands (wan) in Chinese, hours."""

from __future__ import annotations

from dashboard.i18n import Lang, t


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
