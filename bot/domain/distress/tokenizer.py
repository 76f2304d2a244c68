"""Japanese tokenisation for the distress assessor: the only module that imports fugashi.

One MeCab ``Tagger`` is created lazily per process. Building fugashi's per-token feature
objects is the expensive part of tokenising short replies, so we ask MeCab for its plain
text output (one C call per text) and parse each token line once: callers cache what they
derive from a line by the raw line, which repeats heavily across real replies. Each line is
the surface and MeCab's whole feature string (see :data:`MECAB_OPTIONS`): copying the
feature string is cheaper for MeCab than picking columns out of it, and the line still says
everything about the morpheme, so it is a sound cache key.
"""

from __future__ import annotations

import csv
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

# Our output format, one line per morpheme: the surface, a tab and the dictionary's feature
# string (comma-separated, quoted where a field holds a comma); unknown words end in
# "\tUNK", because their features have no lemma column. :func:`parse_line` reads the same
# columns as unidic-lite's default format (lemma, pos levels 1-2, conjugation form), so the
# tokens are the same. No end-of-sentence line: fugashi strips the final newline, so the
# output splits into exactly the morphemes' lines. ``-O ''`` turns off the dictionary's
# output-format-type, which would otherwise take precedence over -F/-U/-E. Node-based
# tokenising (``tagger(text)``, used by :func:`bare_tokenize`) is unaffected by these
# options.
MECAB_OPTIONS = r"-O '' -B '' -F '%m\t%H\n' -U '%m\t%H\tUNK\n' -E ''"
_UNKNOWN = "\tUNK"

# UniDic feature columns (0-based): pos levels 1-4, conjugation form, lemma.
_POS_COLUMNS = (0, 1, 2, 3)
_CFORM_COLUMN = 5
_LEMMA_COLUMN = 7

# Morphemes UniDic reads in a way chat replies never mean, by (surface, lemma), with the
# (lemma, pos1, pos2, conjugation form) they are read as instead: ないし before a comma is
# taken for the conjunction 乃至 ("or"), where a reply means ない + し (生きる理由ないし、…).
_MISREADINGS = {("ないし", "乃至"): ("ない", "形容詞", "非自立可能", "終止形-一般")}

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
    if not lemma:
        return surface
    dash = lemma.find("-")
    if dash > 0:
        return lemma[:dash]
    return lemma


def _parse_line(line: str) -> _LineInfo:
    # MECAB_OPTIONS' format: surface, tab, feature string (+ "\tUNK" for unknown words).
    surface, _, feature = line.partition("\t")
    unknown = feature.endswith(_UNKNOWN)
    if unknown:
        feature = feature[: -len(_UNKNOWN)]
    # Quoted fields (a comma inside a field) are rare: the csv module reads them as MeCab
    # writes them. "*" means empty.
    fields = next(csv.reader([feature])) if '"' in feature else feature.split(",")
    fields = ["" if field == "*" else field for field in fields]

    def column(index: int) -> str:
        return fields[index] if index < len(fields) else ""

    pos = [level for level in map(column, _POS_COLUMNS) if level]
    pos1 = pos[0] if pos else ""
    pos2 = pos[1] if len(pos) > 1 else ""
    if unknown:
        # MeCab reads a run of one symbol (😭😭😭, 🔪🔪) as one unknown word: its lemma is
        # the symbol, so a list that names 😭 finds the run too.
        repeated = len(surface) > 1 and surface.count(surface[0]) == len(surface)
        lemma = surface[0] if repeated and pos1 == "補助記号" else surface
    else:
        lemma = _clean_lemma(column(_LEMMA_COLUMN), surface)
        misread = _MISREADINGS.get((surface, lemma))
        if misread is not None:
            return (surface, *misread)
    return (surface, lemma, pos1, pos2, column(_CFORM_COLUMN))


def parse_line(line: str) -> tuple[str, str, str, str, str]:
    """(surface, lemma, pos1, pos2, cform) of one line of :func:`mecab_lines`."""
    return _parse_line(line)


def mecab_lines(text: str) -> list[str]:
    """MeCab's output lines for ``text``, one per morpheme, in order.

    Callers that cache their own per-morpheme data key it by these lines: a line holds the
    surface and every feature, so equal lines always parse to equal tokens.
    """
    # MeCab reads newlines as spaces, and a surface is never empty, so no line is empty
    # (but the output of a text of spaces is).
    output = get_tagger().parse(text) if text else ""
    return output.split("\n") if output else []


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
        if not line:
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
