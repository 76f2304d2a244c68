"""Japanese tokenisation for the distress assessor: the only module that imports fugashi.

One MeCab ``Tagger`` is created lazily per process. Building fugashi's per-token feature
objects is the expensive part of tokenising short replies, so we ask MeCab for its plain
text output and parse each token line once: parsed tokens are cached by the raw line,
which repeats heavily across real replies. The output format is our own short one (see
:data:`MECAB_OPTIONS`): only the four columns we read, so MeCab formats, and Python
decodes, splits and hashes, far fewer characters than with unidic-lite's default format.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # pragma: no cover - typing only
    import fugashi

__all__ = ["Token", "bare_tokenize", "get_tagger", "mecab_lines", "parse_line", "tokenize"]


class Token(NamedTuple):
    """One morpheme, with character offsets into the text that was tokenised."""

    surface: str
    lemma: str  # UniDic lemma with sense suffixes ("-他動詞", "-tie") stripped
    pos1: str  # 名詞, 動詞, 形容詞, 助動詞, 助詞, 補助記号, ...
    pos2: str  # 一般, 非自立可能, 接続助詞, 句点, ...
    cform: str  # conjugation form, e.g. 連用形-一般, 意志推量形; "" when not conjugating
    start: int
    end: int


# (surface, lemma, pos1, pos2, cform) per raw MeCab output line.
_LineInfo = tuple[str, str, str, str, str]

# Our output format, one line per morpheme: surface, lemma, pos (levels 1-4 joined by "-"),
# conjugation form. These are the same columns as in unidic-lite's default format (which
# also has pronunciations, conjugation type and accent type), so they parse to the same
# tokens. Unknown words have no lemma column; like the default format, we print the
# surface there. ``-O ''`` turns off the dictionary's output-format-type, which would
# otherwise take precedence over -F/-U/-E. Node-based tokenising (``tagger(text)``, used
# by :func:`bare_tokenize`) is unaffected by these options.
MECAB_OPTIONS = (
    "-O '' -B ''"
    r" -F '%m\t%f[7]\t%F-[0,1,2,3]\t%f[5]\n'"
    r" -U '%m\t%m\t%F-[0,1,2,3]\t%f[5]\n'"
    r" -E 'EOS\n'"
)

_tagger: fugashi.Tagger | None = None
_tagger_lock = threading.Lock()
_line_cache: dict[str, _LineInfo] = {}
# Bound the cache so a long-running bot cannot grow it without limit; real replies reuse
# a few tens of thousands of distinct morphemes, so this is rarely reached.
_LINE_CACHE_MAX = 200_000


def get_tagger() -> fugashi.Tagger:
    """Return the process-wide Tagger, creating it on first use."""
    global _tagger
    if _tagger is None:
        with _tagger_lock:
            if _tagger is None:
                import fugashi  # deferred: importing the dictionary is slow

                _tagger = fugashi.Tagger(MECAB_OPTIONS)
    return _tagger


def _clean_lemma(lemma: str, surface: str) -> str:
    # UniDic marks senses and loanword origins after a hyphen: 付ける-他動詞, タイ-tie.
    if not lemma or lemma == "*":
        return surface
    dash = lemma.find("-")
    if dash > 0:
        return lemma[:dash]
    return lemma


def _parse_line(line: str) -> _LineInfo:
    # MECAB_OPTIONS' format: surface, lemma, pos (joined by "-"), conjugation form.
    fields = line.split("\t")
    surface = fields[0]
    if len(fields) < 4:
        return (surface, surface, "", "", "")
    pos = fields[2].split("-")
    pos1 = pos[0]
    pos2 = pos[1] if len(pos) > 1 else ""
    return (surface, _clean_lemma(fields[1], surface), pos1, pos2, fields[3])


def parse_line(line: str) -> tuple[str, str, str, str, str]:
    """(surface, lemma, pos1, pos2, cform) of one line of :func:`mecab_lines`."""
    return _parse_line(line)


def mecab_lines(text: str) -> list[str]:
    """MeCab's output lines for ``text``, one per morpheme, in order (no EOS line).

    Callers that cache their own per-morpheme data key it by these lines: a line holds the
    surface and every feature, so equal lines always parse to equal tokens.
    """
    if not text:
        return []
    lines = get_tagger().parse(text).split("\n")
    # fugashi strips MeCab's final newline, so the output normally ends "...\nEOS".
    if lines[-1] == "EOS":
        del lines[-1]
    elif lines[-2:] == ["EOS", ""]:
        del lines[-2:]
    if "EOS" not in lines and "" not in lines:
        return lines
    # Unusual output: stop at the first EOS or empty line, as :func:`tokenize` does.
    for index, line in enumerate(lines):
        if line == "EOS" or not line:
            return lines[:index]
    return lines


def tokenize(text: str) -> list[Token]:
    """Tokenise ``text`` into :class:`Token` objects with offsets into ``text``.

    Tabs and newlines must already be replaced (see ``normalize``); spaces are fine.
    """
    if not text:
        return []
    output = get_tagger().parse(text)
    cache = _line_cache
    tokens: list[Token] = []
    append = tokens.append
    new = tuple.__new__  # skips NamedTuple.__new__'s Python-level argument handling
    position = 0
    # MeCab drops spaces; without any, offsets are simply cumulative.
    has_spaces = " " in text
    for line in output.split("\n"):
        if line == "EOS" or not line:
            break
        info = cache.get(line)
        if info is None:
            info = _parse_line(line)
            if len(cache) >= _LINE_CACHE_MAX:
                cache.clear()
            cache[line] = info
        surface = info[0]
        start = position
        if has_spaces:
            found = text.find(surface, position)
            if found >= 0:
                start = found
        position = start + len(surface)
        append(new(Token, (*info, start, position)))
    return tokens


def bare_tokenize(text: str) -> list[str]:
    """Plain fugashi tokenisation (surfaces only); the benchmark's reference point."""
    return [word.surface for word in get_tagger()(text)]
