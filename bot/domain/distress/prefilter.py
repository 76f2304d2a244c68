"""Cheap tests that tell when a regular expression cannot match a text, so it is not run.

Most replies contain nothing a slang, emoji or rewrite rule reacts to. Two kinds of test
are derived from a pattern's structure: the characters a match can start with, and a set of
substrings one of which every match contains (:func:`required_substrings`). A
:class:`SubstringGate` searches a text for the substrings of many patterns at once (one
regex search per character of the text that a substring starts with, case-insensitive ones
apart), and says which patterns may match.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import re
from collections import Counter
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from itertools import product
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

__all__ = [
    "SubstringGate",
    "first_characters",
    "leading_characters",
    "required_substring_sets",
    "required_substrings",
]

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


class _Unknown(Exception):
    pass


def leading_characters(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Characters the first non-whitespace character of a match of ``pattern`` can be.

    None if any (or unknown), if a match can be whitespace only, or if one of them matches
    other characters ignoring case. A pattern that can only match at the start of a text
    (``^\\s*…``) cannot match a text whose ``lstrip()`` does not start with one of them.
    (``\\s`` and ``str.isspace`` agree on what is whitespace.)
    """
    try:
        parsed = sre_parser.parse(pattern, flags)
        chars, nullable = _first(list(parsed), skip_spaces=True)
    except _Unknown:
        return None
    if nullable or any(char.isspace() for char in chars):
        return None
    if flags & re.IGNORECASE and any(map(_sre.unicode_iscased, map(ord, chars))):
        return None  # compiled to compare ignoring case (as sre_compile decides)
    return frozenset(chars)


def _spaces_only(items: _Items) -> bool:
    """Whether ``items`` is one item that matches whitespace only (``\\s``, ``[ \\t]``)."""
    c = sre_constants
    if len(items) != 1:
        return False
    op, value = items[0]
    if op is c.LITERAL:
        return chr(value).isspace()  # type: ignore[arg-type]
    if op is c.IN:
        return all(
            (kind is c.CATEGORY and item in (c.CATEGORY_SPACE, c.CATEGORY_UNI_SPACE))
            or (kind is c.LITERAL and chr(item).isspace())
            for kind, item in value  # type: ignore[union-attr]
        )
    return False


def _first(items: _Items, skip_spaces: bool = False) -> tuple[set[str], bool]:
    """(possible first characters, whether the sequence can match empty).

    ``skip_spaces``: items that match only whitespace count as matching empty, so the
    characters are those a match's first non-whitespace character can be.
    """
    chars: set[str] = set()
    for op, value in items:
        item_chars, nullable = _first_of(op, value, skip_spaces)
        chars |= item_chars
        if not nullable:
            return chars, False
    return chars, True


def _first_of(op: object, value: object, skip_spaces: bool = False) -> tuple[set[str], bool]:
    c = sre_constants
    if skip_spaces and _spaces_only([(op, value)]):
        return set(), True
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
        _group, add_flags, del_flags, body = value  # type: ignore[misc]
        if del_flags or add_flags & ~re.IGNORECASE:
            raise _Unknown
        chars, nullable = _first(list(body), skip_spaces)
        if add_flags:  # (?i:...): as first_characters does for the whole pattern
            chars |= {char.swapcase() for char in chars}
        return chars, nullable
    if op is c.BRANCH:
        chars, nullable = set(), False
        for branch in value[1]:  # type: ignore[index]
            branch_chars, branch_nullable = _first(list(branch), skip_spaces)
            chars |= branch_chars
            nullable = nullable or branch_nullable
        return chars, nullable
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        low, _high, body = value  # type: ignore[misc]
        if skip_spaces and _spaces_only(list(body)):
            return set(), True
        chars, nullable = _first(list(body), skip_spaces)
        return chars, nullable or low == 0
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return set(), True  # zero-width: look at what follows
    raise _Unknown


# Substring sets larger than this are not worth searching for (and products of
# alternatives grow fast).
_MAX_STRINGS = 32
_NOTHING: frozenset[str] = frozenset({""})  # what a zero-width item adds


def required_substrings(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Non-empty strings one of which every match of ``pattern`` contains, or None.

    Under IGNORECASE the strings are to be searched for case-insensitively too (see
    :class:`SubstringGate`). Unknown constructs (backreferences, inline flag groups,
    character categories) are never guessed at: they give no strings, and a pattern with
    none at all gives None. Of several possible sets the most selective is returned (see
    :func:`_hit_chance`).
    """
    sets = required_substring_sets(pattern, flags)
    return sets[0] if sets else None


def required_substring_sets(pattern: str, flags: int = 0) -> list[frozenset[str]]:
    """Sets of strings such that every match of ``pattern`` contains one string of each set.

    Most selective first (the first is :func:`required_substrings`); empty if none is
    known. Each set is a test of its own: a text that lacks every string of any one of them
    cannot match, so two sets together rule out more texts than either.
    """
    try:
        parsed = sre_parser.parse(pattern, flags)
    except re.error:
        return []
    # dict.fromkeys: without repeats, in the order found (a stable sort keeps it for ties,
    # so the first set is the one required_substrings always gave).
    return sorted(dict.fromkeys(map(_minimal, _candidates(list(parsed)))), key=_hit_chance)


def _join(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > _MAX_STRINGS:
        return None
    return frozenset(a + b for a, b in product(left, right))


def _join_adjacent(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    """Strings of ``left`` followed by ``right`` (a text with one of ``left`` directly
    followed by one of ``right`` contains one of them), or None if too many.

    If the full combinations are too many, ``left`` is cut to its last characters first
    (a text containing "きた" + "み" contains "た" + "み"), as many as keep the set small.
    """
    joined = _join(left, right)
    if joined is not None:
        return joined
    for keep in range(max(map(len, left)) - 1, 0, -1):
        joined = _join(frozenset(string[-keep:] for string in left), right)
        if joined is not None:
            return joined
    return None


def _exact(op: object, value: object) -> frozenset[str] | None:
    """Every string ``op`` can match, if that is a small finite set (zero-width: {""})."""
    c = sre_constants
    if op is c.LITERAL:
        return frozenset({chr(value)})  # type: ignore[arg-type]
    if op is c.IN:
        chars: set[str] = set()
        for kind, item in value:  # type: ignore[union-attr]
            if kind is c.LITERAL:
                chars.add(chr(item))
            elif kind is c.RANGE and item[1] - item[0] < _MAX_STRINGS:
                chars.update(chr(code) for code in range(item[0], item[1] + 1))
            else:
                return None
        return frozenset(chars) if len(chars) <= _MAX_STRINGS else None
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, body = value  # type: ignore[misc]
        return None if add_flags or del_flags else _exact_sequence(list(body))
    if op is c.BRANCH:
        strings = _each_branch(value[1], _exact_sequence)  # type: ignore[index]
        return strings if strings is not None and len(strings) <= _MAX_STRINGS else None
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        low, high, body = value  # type: ignore[misc]
        exact = _exact_sequence(list(body))
        if exact is None or high is c.MAXREPEAT or high > 4:
            return None
        strings = set()
        for count in range(low, high + 1):
            repeated: frozenset[str] | None = _NOTHING
            for _ in range(count):
                repeated = _join(repeated, exact) if repeated is not None else None
            if repeated is None:
                return None
            strings |= repeated
        return frozenset(strings) if len(strings) <= _MAX_STRINGS else None
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return _NOTHING  # zero-width: the text on either side stays adjacent
    return None


def _each_branch(
    branches: Sequence[Any], walk: Callable[[_Items], frozenset[str] | None]
) -> frozenset[str] | None:
    """The union of ``walk`` over the alternatives of a branch, or None if any gives None."""
    strings: set[str] = set()
    for branch in branches:
        found = walk(list(branch))
        if found is None:
            return None
        strings |= found
    return frozenset(strings)


def _exact_sequence(items: _Items) -> frozenset[str] | None:
    strings: frozenset[str] | None = _NOTHING
    for op, value in items:
        exact = _exact(op, value)
        if exact is None or strings is None:
            return None
        strings = _join(strings, exact)
    return strings


def _needles(items: _Items) -> frozenset[str] | None:
    """The best required-substring set of a sequence (see :func:`required_substrings`)."""
    candidates = _candidates(items)
    if not candidates:
        return None
    return min(map(_minimal, candidates), key=_hit_chance)


def _candidates(items: _Items) -> list[frozenset[str]]:
    """Required-substring sets of a sequence: every match contains a string of each."""
    c = sre_constants
    candidates: list[frozenset[str]] = []
    run = _NOTHING  # the strings of the adjacent exact items so far

    def close() -> None:
        if "" not in run:
            candidates.append(run)

    for op, value in items:
        if op is c.ASSERT:
            # A look-ahead's text follows the run; a look-behind's text can start one.
            direction, body = value  # type: ignore[misc]
            around = _exact_sequence(list(body))
            if around is None:
                # Not spelt out, but what a look-around matches is in the text too.
                inner = _needles(list(body))
                if inner is not None:
                    candidates.append(inner)
            elif direction > 0:
                joined = _join_adjacent(run, around)
                if joined is not None and "" not in joined:
                    candidates.append(joined)
            elif run == _NOTHING:
                run = around
            continue
        exact = _exact(op, value)
        if exact is not None:
            joined = _join(run, exact)
            if joined is None:  # too many combinations: a new run here, led by the old one's end
                close()
                joined = _join_adjacent(run, exact)
                run = exact if joined is None else joined
            else:
                run = joined
            continue
        after = _NOTHING  # the run that starts after this item
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and value[0] >= 1:  # type: ignore[index]
            # The minimum number of repetitions follows the run: it extends the run, then
            # ends it. The last repetition is followed by what comes next: it starts the
            # next run ([ \t]+(?=ない): " ない", not just ない).
            body = _exact_sequence(list(value[2]))  # type: ignore[index]
            joined: frozenset[str] | None = run
            for _ in range(min(value[0], 4)):  # type: ignore[index]
                joined = _join(joined, body) if joined is not None and body is not None else None
            if joined is not None:
                run = joined
            if body is not None and "" not in body:
                after = body
        close()
        run = after
        inner = _needles_of(op, value)
        if inner is not None:
            candidates.append(inner)
    close()
    return candidates


def _minimal(strings: frozenset[str]) -> frozenset[str]:
    """``strings`` without those that contain another one (a text containing "xab"
    contains "ab"): the same test, with fewer and shorter strings to look for, and a fairer
    :func:`_hit_chance`."""
    return frozenset(
        string
        for string in strings
        if not any(other != string and other in string for other in strings)
    )


def _hit_chance(strings: frozenset[str]) -> float:
    """A rough chance that a reply contains one of ``strings``: lower is more selective.

    Longer strings are rarer; strings starting with hiragana are common starts, and
    they also cost the gate's search more (it stops at each possible first character).
    """
    return sum(
        (0.1 if "ぁ" <= string[0] <= "ゖ" else 0.02) * 0.2 ** (len(string) - 1)
        for string in strings
    )


def _needles_of(op: object, value: object) -> frozenset[str] | None:
    c = sre_constants
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, body = value  # type: ignore[misc]
        return None if add_flags or del_flags else _needles(list(body))
    if op is c.BRANCH:
        return _each_branch(value[1], _needles)  # type: ignore[index]
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) and value[0] >= 1:  # type: ignore[index]
        return _needles(list(value[2]))  # type: ignore[index]
    return None


def _anchored(pattern: re.Pattern[str]) -> bool:
    """Whether ``pattern`` can only match at the start of the text."""
    if pattern.flags & re.MULTILINE:
        return False
    try:
        items = list(sre_parser.parse(pattern.pattern, pattern.flags))
    except re.error:
        return False
    c = sre_constants
    return bool(items) and items[0] in ((c.AT, c.AT_BEGINNING), (c.AT, c.AT_BEGINNING_STRING))


def _cased(text: str) -> bool:
    return any(char.lower() != char or char.upper() != char for char in text)


class SubstringGate:
    """Which of several patterns may match a text, found with a few regex searches.

    Patterns without required substrings always may. The answer is a bit mask over the
    patterns' positions (bit k: pattern k may match); it is never wrong by omission.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]], sets: int = 2) -> None:
        """``sets``: how many required-substring sets of each pattern to search for.

        A pattern may match only if the text has a string of each of its sets. Pattern
        k's first set sets bit k of the search's raw mask, its second bit n + k (n
        patterns), and so on: the answer is the AND of those n-bit slices (see :meth:`mask`).
        """
        count = len(patterns)
        self._count = count
        self._slices = sets
        self._low = (1 << count) - 1
        self.always = 0
        exact: dict[str, int] = {}  # substring -> bits, searched case-sensitively
        folded: dict[str, int] = {}  # substring -> bits, searched ignoring case
        # A pattern anchored at the start is tried at one position only: searching it
        # costs the regex engine no more than looking for its substrings would, but each
        # search is a Python call. Whole-message rules (^\s*死\s*$) mostly fail on the
        # first non-space character: the text's, looked up here, rules them out.
        self._leading_bits: dict[str, int] = {}
        for position, pattern in enumerate(patterns):
            found: list[frozenset[str]] = []
            if _anchored(pattern):
                leading = leading_characters(pattern.pattern, pattern.flags)
                for char in leading or ():
                    self._leading_bits[char] = self._leading_bits.get(char, 0) | 1 << position
                if leading is not None:
                    found = [frozenset()]  # first slice: ruled in by _leading_bits only
            else:
                found = _worth_searching(pattern)[:sets]
            ignore_case = bool(pattern.flags & re.IGNORECASE)
            for index in range(sets):
                bit = 1 << (position + index * count)
                if index >= len(found):
                    self.always |= bit  # no such set: this slice does not rule it out
                    continue
                for needle in found[index]:
                    table = folded if ignore_case and _cased(needle) else exact
                    table[needle] = table.get(needle, 0) | bit
        # How often each character occurs in the substrings: a lexicon's own guess at how
        # common it is in replies, used to order the tries' alternatives (see _trie).
        common = Counter(char for needle in (*exact, *folded) for char in needle)
        # Case-sensitive substrings: one small trie per first character, searched only if
        # the text has that character. (One trie for all, the regex engine stops at every
        # possible first character and tries the alternatives one by one, up to the one for
        # that character, through a large compiled pattern that then crowds MeCab's data
        # out of the CPU caches.) A substring's prefixes start with its character, so they
        # are in its trie, as _prefix_bits needs. The bits of every trie in one table.
        by_first: dict[str, dict[str, int]] = {}
        for needle, bits in exact.items():
            by_first.setdefault(needle[0], {})[needle] = bits
        self._exact_bits: dict[str, int] = {}
        for group in by_first.values():
            self._exact_bits.update(_prefix_bits(group))
        # But the first characters most common in the substrings (hiragana: た, い, な, ...)
        # are in most replies, and one search with the tries of all of them costs less than
        # one search each: at their positions the engine tries a few dozen alternatives.
        shared = sorted(by_first, key=lambda char: (-common[char], char))[:_SHARED_FIRSTS]
        self._shared_search = _trie_search(
            [needle for char in shared for needle in by_first[char]], common
        )
        self._exact_by_first = {
            char: _trie_search(list(group), common)
            for char, group in by_first.items()
            if char not in shared
        }
        self._exact_firsts = frozenset(self._exact_by_first)
        # Substrings ignoring case: where one may start, and the longest that starts at a
        # position (see _folded_lookup).
        self._folded_first, self._folded_longest, self._folded_bits = _folded_lookup(
            folded, re.IGNORECASE
        )

    def any(self, text: str) -> bool:
        """False only if no pattern can match ``text``."""
        return bool(self.always & self._low or self.mask(text))

    def mask(self, text: str, chars: AbstractSet[str] | None = None) -> int:
        """Bits of the patterns that may match ``text``; ``chars``: its characters, if known."""
        # The bits found are OR-ed into a small int first: ``always`` sets most bits of
        # the second slice (most patterns have one substring set), and OR-ing each find
        # into it would copy an int of every pattern's bits each time.
        mask = self._leading_bits.get(text.lstrip()[:1], 0) if self._leading_bits else 0
        bits = self._exact_bits
        # The shared first characters are in nearly every reply: searched without asking.
        # One search per substring found, each from one character after the previous find:
        # at each position the longest substring there (as find-all would give), and the
        # engine skips to the next possible first character by itself.
        search = self._shared_search
        found = search(text)
        while found is not None:
            mask |= bits[found.group()]
            found = search(text, found.start() + 1)
        by_first = self._exact_by_first
        for char in self._exact_firsts.intersection(text if chars is None else chars):
            search = by_first[char]
            found = search(text)
            while found is not None:
                mask |= bits[found.group()]
                found = search(text, found.start() + 1)
        # Ignoring case: the first search finds nothing in most texts; at each possible
        # first character it finds (most often a w ending the text), one match says which
        # substring, if any, starts there.
        found = self._folded_first(text)
        while found is not None:
            start = found.start()
            longest = self._folded_longest(text, start)
            if longest is not None:
                mask |= self._folded_bits[longest.lastindex]
            found = self._folded_first(text, start + 1)
        mask |= self.always
        if self._slices == 2:
            return mask & mask >> self._count & self._low
        return self._and_slices(mask)

    def _and_slices(self, mask: int) -> int:
        """The AND of the raw mask's n-bit slices (one per set, see :meth:`__init__`)."""
        result = self._low
        for index in range(self._slices):
            result &= mask >> (index * self._count)
        return result


# A pattern's second substring set is searched for only if its first is this likely to
# be in a reply (a common character such as ー or ち) and the second is not: otherwise the
# second's finds cost every reply more than the regex runs it saves.
_WEAK_FIRST = 0.04
_STRONG_SECOND = 0.1


def _worth_searching(pattern: re.Pattern[str]) -> list[frozenset[str]]:
    """The required-substring sets of ``pattern`` that its gate searches for."""
    sets = required_substring_sets(pattern.pattern, pattern.flags)
    if not sets:
        # Every match contains its first character: still a test (ばいばい|(?i:\bbye\b)).
        first = first_characters(pattern.pattern, pattern.flags)
        return [first] if first else []
    if len(sets) > 1 and (
        _hit_chance(sets[0]) < _WEAK_FIRST or _hit_chance(sets[1]) > _STRONG_SECOND
    ):
        del sets[1:]
    return sets


def _prefix_bits(table: dict[str, int]) -> dict[str, int]:
    """Each case-sensitive substring in ``table`` with its bits and those of its prefixes.

    A trie search finds, at each position, only the longest substring there (the text
    picks one path through the trie and the deepest substring on it wins, and every other
    substring found there is its prefix): its bits must stand for them all.
    """
    bits: dict[str, int] = {}
    for needle in table:
        mask = 0
        for other, other_bits in table.items():
            # (A plain prefix test: a regex one made start-up seconds slower with a
            # thousand substrings.)
            if len(other) <= len(needle) and needle.startswith(other):
                mask |= other_bits
        bits[needle] = mask
    return bits


def _trie_search(needles: list[str], common: Counter[str]) -> Callable[..., re.Match[str] | None]:
    """A search for the longest of ``needles`` (case-sensitive) at the first place one is.

    The matched text is the substring itself; :meth:`SubstringGate.mask` repeats the search
    from one character after each find. Without needles, a search that finds nothing.
    """
    if not needles:
        return _never
    return re.compile(
        _trie(sorted(needles, key=lambda needle: (-len(needle), needle)), common)
    ).search


def _folded_lookup(
    table: dict[str, int], flags: int
) -> tuple[
    Callable[..., re.Match[str] | None], Callable[..., re.Match[str] | None], dict[int, int]
]:
    """(first, longest, bits per group) for the substrings in ``table``, ignoring case.

    First searches for a character a substring can start with. Longest matches the longest
    substring that starts at a given position, as the plain alternatives, longest first,
    each ending in an empty group: the group's number (``lastindex``) says which one, and
    the bits of group k are the k-th entry. (Ignoring case, the matched text may differ
    from the substring, and the text no longer picks one path through a trie.) At one
    position only the longest is found, so each substring's bits include those of the
    substrings it starts with.

    Both are case-sensitive regexes in which each character of a substring is the class of
    every character it matches with ``flags`` (k: also the Kelvin sign, s: the long s, ...):
    they match exactly where the substrings match ignoring case, and are much quicker. The
    regex engine compares a class at once where it would fold each character's case, and
    skips an alternative whose first character or class does not match the text, which it
    cannot do for one that starts with a group or a case-folded character (it then tries
    each of a hundred alternatives in full: about 100 µs on a text with a match).
    """
    if not table:
        return _never, _never, {}
    needles = sorted(table, key=lambda needle: (-len(needle), needle))
    variants = _case_variant_sets({char for needle in needles for char in needle}, flags)
    first = _class(set().union(*(variants[needle[0]] for needle in needles)))
    alternatives = ("".join(_class(variants[char]) for char in needle) for needle in needles)
    longest = "|".join(f"{alternative}()" for alternative in alternatives)
    bits: dict[int, int] = {}
    for number, needle in enumerate(needles, start=1):
        mask = 0
        for other, other_bits in table.items():
            if len(other) <= len(needle) and re.fullmatch(
                re.escape(other), needle[: len(other)], flags
            ):
                mask |= other_bits
        bits[number] = mask
    return re.compile(first).search, re.compile(longest).match, bits


def _never(text: str, position: int = 0) -> None:
    """A search or match that finds nothing (there is nothing to look for)."""
    return None


# How many of the first characters most common in the substrings share one search (see
# SubstringGate.__init__): on bench replies 24 cost least, about 10% less than a search for
# each character.
_SHARED_FIRSTS = 24


# Every character that has another case (or folds to one that has) is below this.
_CASED_BELOW = 0x20000


def _case_variant_sets(chars: set[str], flags: int) -> dict[str, frozenset[str]]:
    """Each of ``chars`` with every character it matches with ``flags`` (itself included).

    With IGNORECASE, k also matches the Kelvin sign, s the long s, ...: a case-sensitive
    class of them matches exactly where the character does, and is quicker to search.
    Found by asking the regex engine itself about every character that has cases (about
    20 ms).
    """
    matched = _matched_by(chars, flags)  # one scan for all: each one's are among these
    return {
        char: frozenset(other for other in matched if re.fullmatch(re.escape(char), other, flags))
        | {char}
        for char in chars
    }


def _matched_by(chars: set[str], flags: int) -> set[str]:
    """Every character that one of ``chars`` matches with ``flags``, and ``chars``."""
    ignoring_case = re.compile(_class(chars), flags)
    candidates = "".join(map(chr, range(_CASED_BELOW)))
    return set(ignoring_case.findall(candidates)) | chars


def _class(chars: AbstractSet[str]) -> str:
    """A regex matching any one of ``chars`` (a plain character if it is the only one)."""
    if len(chars) == 1:
        return re.escape(next(iter(chars)))
    return "[" + "".join(sorted(map(re.escape, chars))) + "]"


def _trie(strings: Sequence[str], common: Counter[str]) -> str:
    """A regex matching any of ``strings`` (non-empty), longest first, branching per character.

    One alternative per first character: at each position the regex engine tries a few
    dozen single-character tests instead of every string. It tries them in order until the
    one for the character there, so the characters most ``common`` come first (a plain
    reordering: at most one alternative can match).
    """
    children: dict[str, list[str]] = {}
    for string in strings:
        children.setdefault(string[0], []).append(string[1:])
    alternatives = []
    for first in sorted(children, key=lambda char: (-common[char], char)):
        rests = [rest for rest in children[first] if rest]
        branch = re.escape(first)
        if rests:
            optional = len(rests) < len(children[first])  # a string ends here too
            branch += f"(?:{_trie(rests, common)}{'|' if optional else ''})"
        alternatives.append(branch)
    return "|".join(alternatives)
