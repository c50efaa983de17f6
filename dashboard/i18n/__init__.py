"""Text shown to users: ``zh`` is the source catalog, ``en`` its translation.

Keys are dotted (``metric.resolution_rate.label``); values may hold
``{placeholders}`` filled by :func:`t`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT_LANG: Final[Lang] = "zh"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalog(lang: Lang) -> dict[str, str]:
    """All keys of one language's catalog (read once, on first use)."""
    text = resources.files("dashboard.i18n").joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


def as_lang(value: object) -> Lang:
    """A valid language code from user input (URL, CLI); anything else gives zh."""
    return "en" if value == "en" else "zh"


def t(key: str, lang: Lang = DEFAULT_LANG, /, **params: object) -> str:
    """Translate ``key``; a key missing in ``en`` falls back to ``zh``, then to the key."""
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key) or key
    return text.format(**params) if params else text


def has(key: str, lang: Lang = DEFAULT_LANG) -> bool:
    """Whether the catalog of ``lang`` defines ``key`` (for optional labels)."""
    return key in catalog(lang)


def label(prefix: str, value: str | None, lang: Lang) -> str:
    """The label of an enumeration value (``status``, ``resolved``), or the value itself.

    Data values the catalogs do not know (a category added by a street) are shown as they are.
    """
    if value is None:
        return t("common.none", lang)
    key = f"{prefix}.{value}"
    return t(key, lang) if has(key, lang) or has(key) else value
