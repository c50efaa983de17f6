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


# --- personal data inside free text (descriptions, notes) ------------------------------------------

# Cue words after which a resident's name is written ("contact person X", "owner: X"); the name is taken
# only when it ends where a name ends (a space, punctuation, a phone, "reports"...), so "the owner reports
# the light is out" keeps its words. Escapes keep this module free of Chinese text (the catalogs hold it).
_NAME_CUES: Final = (
    "\u8054\u7cfb\u4eba|\u59d3\u540d|\u4e1a\u4e3b|\u4f4f\u6237|\u6237\u4e3b|\u79df\u6237|\u623f\u4e1c|"
    "\u62a5\u544a\u4eba|\u53cd\u6620\u4eba|\u6765\u7535\u4eba|\u6295\u8bc9\u4eba|\u5f53\u4e8b\u4eba|"
    "\u8bc9\u6c42\u4eba|\u7533\u8bf7\u4eba"
)
_NAME_END: Final = (
    r"\s|[,，.。;；:：、)）]|$|\d|\u7535\u8bdd|\u624b\u673a|\u8054\u7cfb|\u53cd\u6620|\u79f0|\u4f4f|"
    "\u8868\u793a|\u6765\u7535|\u6295\u8bc9|\u8981\u6c42"
)
# Honorifics after a surname ("Mr Zhang", "Ms Li", "Auntie Wang"): the surname is masked.
_HONORIFICS: Final = (
    "\u5148\u751f|\u5973\u58eb|\u963f\u59e8|\u5927\u7237|\u5927\u5988|\u5e08\u5085|\u8001\u4f2f|\u5927\u59d0"
)
_PROVINCES: Final = (
    "\u4eac\u6d25\u6caa\u6e1d\u5180\u8c6b\u4e91\u8fbd\u9ed1\u6e58\u7696\u9c81\u65b0\u82cf\u6d59\u8d63"
    "\u9102\u6842\u7518\u664b\u8499\u9655\u5409\u95fd\u8d35\u7ca4\u9752\u85cf\u5ddd\u5b81\u743c"
)
# (pattern, replacement) in order: ID cards before phones (an ID holds 11-digit runs), mobiles before
# landlines. Polars' regex has no look-around, so a digit boundary is matched and put back.
_FREE_TEXT_MASKS: Final = (
    (r"(^|\D)(\d{6})\d{8}(\d{3}[\dXx])(\D|$)", "${1}${2}********${3}${4}"),
    (r"(^|\D)(?:\+?86[-\s]?)?(1[3-9]\d)[-\s]?\d{4}[-\s]?(\d{4})(\D|$)", "${1}${2}****${3}${4}"),
    (r"(^|\D)(0\d{2,3})[-\s]?\d{7,8}(\D|$)", "${1}${2}-********${3}"),
    (rf"([{_PROVINCES}][A-Z])[\u00b7\s]?[A-Z0-9]{{5,6}}", "${1}*****"),
    (rf"({_NAME_CUES})([\uff1a:\s]*)(\p{{Han}})\p{{Han}}{{1,2}}({_NAME_END})", "${1}${2}${3}**${4}"),
    (rf"\p{{Han}}({_HONORIFICS})", "*${1}"),
)


def mask_free_text_expr(column: str | pl.Expr) -> pl.Expr:
    """Personal data inside free text masked: mainland ID-card numbers, mobile and landline phones,
    licence plates, names after cue words (contact person, name, owner ...) and surnames before
    honorifics (Mr, Ms ...). The rest of the text is kept, so a description still says what the problem is.

    >>> pl.select(mask_free_text_expr(pl.lit("Call 13812345678 or 0571-88886666"))).item()
    'Call 138****5678 or 0571-********'
    """
    text = _expr(column).cast(pl.String)
    for pattern, replacement in _FREE_TEXT_MASKS:
        # Twice: a boundary character taken by one match cannot start the next one.
        text = text.str.replace_all(pattern, replacement).str.replace_all(pattern, replacement)
    return text


def mask_free_text(text: str | None) -> str | None:
    """:func:`mask_free_text_expr` for one text."""
    if text is None:
        return None
    value = pl.select(mask_free_text_expr(pl.lit(text, dtype=pl.String))).item()
    return str(value)
