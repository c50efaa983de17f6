"""Masks for personal data: names, phones and addresses, as values and as Polars expressions.

The export's case list (unless full data was chosen), the import preview and demo mode all
mask with these: a surname and one ``*`` per further character, the first 3 and last 4
digits of a phone, an address cut to its community.
"""

from __future__ import annotations

import re
from typing import Final

import polars as pl

MASK: Final = "*"
# A mainland number written with its country code (+86 / 0086): mask the national number.
_COUNTRY_CODE_RE: Final = r"^(?:0086|86)(1\d{10})$"
_ANY_CHAR_RE: Final = r"(?s)."
# A phone already masked (demo mode masks the data itself): kept as it is.
_MASKED_PHONE_RE: Final = r"^\d{3}\*+\d{4}$"


def _expr(column: str | pl.Expr) -> pl.Expr:
    return pl.col(column) if isinstance(column, str) else column


def mask_name(name: str | None) -> str | None:
    """A name as its first character and one ``*`` per further character.

    A single character becomes ``*``; ``None`` stays ``None`` and a blank name becomes ``""``.

    Examples
    --------
    >>> mask_name("Wang Fang")
    'W********'
    >>> mask_name("\\u674e\\u56db") == "\\u674e*"
    True
    """
    if name is None:
        return None
    text = name.strip()
    if len(text) <= 1:
        return MASK * len(text)
    return text[0] + MASK * (len(text) - 1)


def mask_name_expr(column: str | pl.Expr) -> pl.Expr:
    """:func:`mask_name` as an expression (the same result, for a million rows at once)."""
    text = _expr(column).str.strip_chars()
    return (
        pl.when(text.str.len_chars() <= 1)
        .then(text.str.replace_all(_ANY_CHAR_RE, MASK))
        .otherwise(pl.concat_str(text.str.slice(0, 1), text.str.slice(1).str.replace_all(_ANY_CHAR_RE, MASK)))
    )


def _phone_digits(text: str) -> str:
    return re.sub(_COUNTRY_CODE_RE, r"\1", re.sub(r"\D", "", text))


def mask_phone(phone: str | None) -> str | None:
    """A phone number as its first 3 and last 4 digits, the digits between as ``*``.

    Separators and a +86 country code are dropped first; a number of fewer than 8 digits
    (or text that is no number) is masked whole, one ``*`` per character.

    Examples
    --------
    >>> mask_phone("13812345678")
    '138****5678'
    >>> mask_phone("+86 138-1234-5678")
    '138****5678'
    >>> mask_phone("0571-88886666")
    '057*****6666'
    >>> mask_phone("110")
    '***'
    >>> mask_phone("138****5678")  # already masked
    '138****5678'
    """
    if phone is None:
        return None
    text = phone.strip()
    if re.match(_MASKED_PHONE_RE, text):
        return text
    digits = _phone_digits(text)
    if len(digits) >= 8:
        return digits[:3] + MASK * (len(digits) - 7) + digits[-4:]
    return MASK * len(text)


def mask_phone_expr(column: str | pl.Expr) -> pl.Expr:
    """:func:`mask_phone` as an expression."""
    text = _expr(column).str.strip_chars()
    digits = text.str.replace_all(r"\D", "").str.replace(_COUNTRY_CODE_RE, "${1}")
    count = digits.str.len_chars()
    kept = pl.concat_str(
        digits.str.slice(0, 3),
        digits.str.slice(3, count - 7).str.replace_all(_ANY_CHAR_RE, MASK),
        digits.str.slice(-4),
    )
    return (
        pl.when(text.str.contains(_MASKED_PHONE_RE))
        .then(text)
        .when(count >= 8)
        .then(kept)
        .otherwise(text.str.replace_all(_ANY_CHAR_RE, MASK))
    )


# Personal columns by kind of mask (schema.PERSONAL_COLUMNS): residents' and volunteers'.
NAME_COLUMNS: Final = ("reporter_name", "name")
PHONE_COLUMNS: Final = ("reporter_phone", "phone")


def mask_people(frame: pl.DataFrame) -> pl.DataFrame:
    """The names and phones of whichever personal columns ``frame`` has, masked."""
    masks = [(c, mask_name_expr) for c in NAME_COLUMNS] + [(c, mask_phone_expr) for c in PHONE_COLUMNS]
    return frame.with_columns(
        mask(pl.col(c).cast(pl.String)).alias(c) for c, mask in masks if c in frame.columns
    )


def mask_address(address: str | None, community_name: str | None) -> str | None:
    """An address cut to its community: the community's name, or ``None`` when it is unknown.

    An empty address stays empty (``None`` or ``""``): there is nothing to cut.

    Examples
    --------
    >>> mask_address("Lane 8, No. 3, Room 402", "East Lake")
    'East Lake'
    >>> mask_address(None, "East Lake") is None
    True
    """
    if address is None or not address.strip():
        return None if address is None else ""
    return community_name


def mask_address_expr(address: str | pl.Expr, community_name: str | pl.Expr) -> pl.Expr:
    """:func:`mask_address` as an expression."""
    given = _expr(address)
    return (
        pl.when(given.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(given.str.strip_chars() == "")
        .then(pl.lit(""))
        .otherwise(_expr(community_name).cast(pl.String))
    )
