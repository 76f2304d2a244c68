"""First-character sets of regular expressions, to skip regexes that cannot match a text.

Most replies contain none of the characters a slang or emoji rule starts with, so checking
the characters first is far cheaper than running every regex on every reply.
"""

from __future__ import annotations

import re
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]

__all__ = ["first_characters", "required_literal"]

_Items = list[tuple[object, object]]


def first_characters(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Characters a match of ``pattern`` can start with, or None if any (or unknown)."""
    try:
        parsed = sre_parser.parse(pattern, flags)
        chars, nullable = _first(list(parsed))
    except _Unknown:
        return None
    if nullable:
        return None
    if flags & re.IGNORECASE:
        chars |= {char.swapcase() for char in chars}
    return frozenset(chars)


def required_literal(pattern: str, flags: int = 0) -> str | None:
    """The longest run of plain characters every match of ``pattern`` contains, or None.

    Only the top level of the pattern is read (not groups, alternatives or repeats), and a
    zero-width item ends a run, so the answer is always safe: a text without it cannot match.
    """
    if flags & re.IGNORECASE:
        return None
    try:
        parsed = sre_parser.parse(pattern, flags)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    best = run = ""
    for op, value in parsed:
        if op is sre_constants.LITERAL:
            run += chr(value)
            if len(run) > len(best):
                best = run
        else:
            run = ""
    return best or None


class _Unknown(Exception):
    pass


def _first(items: _Items) -> tuple[set[str], bool]:
    """(possible first characters, whether the sequence can match empty)."""
    chars: set[str] = set()
    for op, value in items:
        item_chars, nullable = _first_of(op, value)
        chars |= item_chars
        if not nullable:
            return chars, False
    return chars, True


def _first_of(op: object, value: object) -> tuple[set[str], bool]:
    c = sre_constants
    if op is c.LITERAL:
        return {chr(value)}, False  # type: ignore[arg-type]
    if op is c.IN:
        chars: set[str] = set()
        for kind, item in value:  # type: ignore[union-attr]
            if kind is c.LITERAL:
                chars.add(chr(item))
            elif kind is c.RANGE and item[1] - item[0] < 5000:
                chars.update(chr(code) for code in range(item[0], item[1] + 1))
            else:
                raise _Unknown
        return chars, False
    if op is c.SUBPATTERN:
        return _first(list(value[-1]))  # type: ignore[index]
    if op is c.BRANCH:
        chars, nullable = set(), False
        for branch in value[1]:  # type: ignore[index]
            branch_chars, branch_nullable = _first(list(branch))
            chars |= branch_chars
            nullable = nullable or branch_nullable
        return chars, nullable
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        low, _high, body = value  # type: ignore[misc]
        chars, nullable = _first(list(body))
        return chars, nullable or low == 0
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return set(), True  # zero-width: look at what follows
    raise _Unknown
