"""Unusual ways of writing Japanese, turned into ordinary kana before the rest of normalising.

Three shapes, each rare, each tested for with one cheap search first:

- romaji (``jisatsu no houhou shirabeteru``): a message whose Latin-letter words nearly all
  read as Hepburn or kunrei romaji, and none is a common English word, is written in
  hiragana. English sentences stay as they are (``kill me now lol``), and so do loanwords
  in a Japanese sentence.
- letters spaced out to hide a word (``し に た い``): three or more single characters in a
  row, each followed by one space, are joined.
- a message in katakana only (``ﾊﾊｶﾞ ﾀｵﾚﾃ ｲｷｼﾃﾅｲ``, after NFKC ``ハハガ タオレテ``): read in
  hiragana by the tokenizer, as old phones and some elderly writers type everything so.
"""

from __future__ import annotations

import re

__all__ = ["SPACED_LETTER", "join_spaced_letters", "katakana_only", "romaji_to_kana"]

_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_HAS_LATIN_WORD = re.compile(r"[A-Za-z]{2}")
_JAPANESE_LETTER = re.compile(r"[ぁ-ゖァ-ヺ一-鿿]")

# Words that mark a sentence as English, lower case (not no, to, do, so, go: romaji too).
_ENGLISH = frozenset(
    """
    a am an and are as at be but by can can't don't for from going good got have haven't he
    her him his how i i'm i've if im in is it it's just kill lol me my not now of oh ok okay
    on or please right she some that the them they this today too up us was we what when
    why will with you your yes
    """.split()
)

_VOWELS = {"a": "あ", "i": "い", "u": "う", "e": "え", "o": "お"}
# Consonant (or cluster) + vowel → kana, for the five vowels in a, i, u, e, o order.
_ROWS: dict[str, tuple[str, str, str, str, str]] = {
    "k": ("か", "き", "く", "け", "こ"),
    "g": ("が", "ぎ", "ぐ", "げ", "ご"),
    "s": ("さ", "し", "す", "せ", "そ"),
    "z": ("ざ", "じ", "ず", "ぜ", "ぞ"),
    "t": ("た", "ち", "つ", "て", "と"),
    "d": ("だ", "ぢ", "づ", "で", "ど"),
    "n": ("な", "に", "ぬ", "ね", "の"),
    "h": ("は", "ひ", "ふ", "へ", "ほ"),
    "b": ("ば", "び", "ぶ", "べ", "ぼ"),
    "p": ("ぱ", "ぴ", "ぷ", "ぺ", "ぽ"),
    "m": ("ま", "み", "む", "め", "も"),
    "y": ("や", "", "ゆ", "いぇ", "よ"),
    "r": ("ら", "り", "る", "れ", "ろ"),
    "w": ("わ", "うぃ", "う", "うぇ", "を"),
    "f": ("ふぁ", "ふぃ", "ふ", "ふぇ", "ふぉ"),
    "j": ("じゃ", "じ", "じゅ", "じぇ", "じょ"),
    "sh": ("しゃ", "し", "しゅ", "しぇ", "しょ"),
    "ch": ("ちゃ", "ち", "ちゅ", "ちぇ", "ちょ"),
    "ts": ("つぁ", "", "つ", "", ""),
    "v": ("ゔぁ", "ゔぃ", "ゔ", "ゔぇ", "ゔぉ"),
}
# Palatalised rows: ky, sy, ... → き + ゃ/ゅ/ょ.
for _consonant, _i_kana in (
    ("k", "き"), ("g", "ぎ"), ("s", "し"), ("z", "じ"), ("t", "ち"), ("d", "ぢ"), ("n", "に"),
    ("h", "ひ"), ("b", "び"), ("p", "ぴ"), ("m", "み"), ("r", "り"), ("j", "じ"),
):  # fmt: skip
    _ROWS[_consonant + "y"] = (_i_kana + "ゃ", "", _i_kana + "ゅ", "", _i_kana + "ょ")
_VOWEL_INDEX = {"a": 0, "i": 1, "u": 2, "e": 3, "o": 4}
# Longest consonant clusters first.
_ONSETS = sorted(_ROWS, key=len, reverse=True)
_DOUBLING = frozenset("kgsztdhbpmrjfcv")


def _word_to_kana(word: str) -> str | None:
    """Hiragana for one romaji word, or None if it does not read as romaji."""
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        char = word[i]
        if char in _VOWELS:
            out.append(_VOWELS[char])
            i += 1
            continue
        if char == "'" and out and out[-1] == "ん":
            i += 1
            continue
        if char == "n" and (i + 1 == n or (word[i + 1] not in _VOWELS and word[i + 1] != "y")):
            out.append("ん")
            i += 1
            continue
        if char in _DOUBLING and i + 1 < n and word[i + 1] == char:
            out.append("っ")  # kk, tt, ss, pp: a small tsu
            i += 1
            continue
        if char == "t" and word.startswith("tch", i):
            out.append("っ")
            i += 1
            continue
        # Longest onset first (sh before s, ky before k); a consonant that no vowel
        # follows, or a pair with no kana (yi), means the word is not romaji.
        for onset in _ONSETS:
            if word.startswith(onset, i):
                end = i + len(onset)
                if end < n and word[end] in _VOWEL_INDEX:
                    kana = _ROWS[onset][_VOWEL_INDEX[word[end]]]
                    if kana:
                        out.append(kana)
                        i = end + 1
                        break
        else:
            return None
    return "".join(out)


def romaji_to_kana(text: str) -> str:
    """``text`` with its romaji words in hiragana, if it is written in romaji; else itself."""
    if _HAS_LATIN_WORD.search(text) is None:
        return text
    words = _LATIN_WORD.findall(text)
    # Mostly Latin letters: a brand or an acronym in a Japanese sentence (Wi-Fi, LINE) is not
    # romaji, and single romaji words (kietai) have rewrites of their own.
    if sum(map(len, words)) < 2 * len(_JAPANESE_LETTER.findall(text)):
        return text
    readings: dict[str, str] = {}
    for word in words:
        lower = word.lower()
        if lower in _ENGLISH:
            return text
        if word[1:] != word[1:].lower():
            continue  # iPhone, LINE, SNS: names, not romaji
        kana = _word_to_kana(lower)
        if kana is not None:
            readings[word] = kana
    # Nearly every word must read as romaji: one stray word in five (an English loanword
    # like "slip") is allowed, a sentence of English is not.
    if (len(readings) < 2 and len(words) > 1) or len(readings) * 4 < len(words) * 3:
        return text
    return _LATIN_WORD.sub(lambda match: readings.get(match.group(0), match.group(0)), text)


# The letters join_spaced_letters joins (a character class body, for normalize's quick test).
SPACED_LETTER = "ぁ-ゖァ-ヺ一-鿿〇○◯"
_SPACED_LETTERS = re.compile(
    rf"(?:^|(?<=\s))((?:[{SPACED_LETTER}] ){{2,}}[{SPACED_LETTER}])(?=\s|$|[。、!?…w])"
)
# Every run of three or more spaced letters has one letter between two spaces (し に た い:
# " に "): a search that stops at spaces only, quicker than the full pattern's.
_LETTER_BETWEEN_SPACES = re.compile(f" [{SPACED_LETTER}] ")


def join_spaced_letters(text: str) -> str:
    """し に た い → しにたい: single letters spaced out (three or more) are joined."""
    if _LETTER_BETWEEN_SPACES.search(text) is None:
        return text
    return _SPACED_LETTERS.sub(lambda match: match.group(1).replace(" ", ""), text)


_HIRAGANA_OR_KANJI = re.compile(r"[ぁ-ゖ一-鿿]")
_KATAKANA = re.compile(r"[ァ-ヺ]")


# A grammatical ending at the end of a chunk: the katakana is Japanese, not a loanword.
_KATAKANA_GRAMMAR = re.compile(r"(ガ|ヲ|ニ|デ|テ|タ|ナイ|マス|デス|ダ|ヨ|ネ|ワ)(?=\s|$|[!?。、…])")


def katakana_only(text: str) -> bool:
    """A message written in katakana only, in several chunks with grammatical endings
    (ハハガ タオレテ), so that loanwords (キエタイ、ナイフ; オーバードーズ) stay as written."""
    return (
        " " in text.strip()
        and _HIRAGANA_OR_KANJI.search(text) is None
        and len(_KATAKANA.findall(text)) >= 4
        and _KATAKANA_GRAMMAR.search(text) is not None
    )
