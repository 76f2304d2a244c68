"""Text normalisation before tokenising: make casual, playful spellings look like dictionary words.

Steps (all driven by data in ``lexicon.toml`` where a supporter might want to extend them):
NFKC (full-width ASCII, half-width kana), control characters to spaces, variation selectors
dropped, romaji and spaced-out letters read (see ``scripts``), elongation removed (しにたーい,
きえたぃ), slang and dialect rewrites (タヒ → 死, 死にとう → 死にたく, 博多 なか → ない),
runaway repetition collapsed (つらいつらいつらい), and katakana spellings of distress words
turned into hiragana (キエタイ → きえたい), or the whole message when it is written in
katakana only.

The result keeps two strings of equal length: ``text`` (what evidence spans quote) and
``tokenizer_text`` (the same, with katakana distress spellings in hiragana), so offsets
found in one are valid in the other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .prefilter import SubstringGate, first_characters
from .scripts import SPACED_LETTER, join_spaced_letters, katakana_only, romaji_to_kana

__all__ = ["NormalizedText", "Normalizer", "drop_long_marks_after_hiragana", "katakana_to_hiragana"]

# Tabs, newlines and other control characters become spaces, so one message stays one line
# for the tokenizer (MeCab would read a NUL as the end of the text and lose the rest); emoji
# presentation selectors and joiners carry no meaning here. A lone surrogate (from a broken
# escape in JSON, or undecodable input) cannot be passed to MeCab: it becomes U+FFFD.
_TRANSLATE = {code: " " for code in (*range(0x20), 0x7F, 0x3000)}
_TRANSLATE.update(dict.fromkeys(map(ord, "\ufe0e\ufe0f\u200b\u200d"), ""))
_SURROGATES = "\ud800-\udfff"

# Elongation inside hiragana words: しにたーい, つらぁぁい, むりー.
_LONG_MARK_AFTER_HIRAGANA = re.compile(r"(?<=[ぁ-ゖ])[ー〜~]+")
# A full-size hiragana (or っ): what follows a small vowel used as elongation. Before a
# small ゃゅょ the small vowel ends the word: しにたぃょぉ is しにたいよお.
_FULL_KANA_NEXT = "(?![ぁぃぅぇぉゃゅょゎゕゖ])[ぁ-ゖ]"
# Small vowel before more hiragana: elongation when it repeats the vowel before it
# (しにたぁい: drop it), a vowel written small when it does not (つらぃよ: つらいよ).
_SMALL_VOWEL_INSIDE = re.compile(rf"(?<=[ぁ-ゖ一-鿿])[ぁぃぅぇぉ]+(?={_FULL_KANA_NEXT})")
# The vowel of each hiragana (ん and っ have none).
_VOWEL_OF = {
    kana: vowel
    for vowel, row in zip(
        "aiueo",
        (
            "ぁあかがさざただなはばぱまゃやらゎわ",
            "ぃいきぎしじちぢにひびぴみりゐ",
            "ぅうくぐすずづぬふぶぷむゅゆるゔ",
            "ぇえけげせぜてでねへべぺめれゑ",
            "ぉおこごそぞとどのほぼぽもょよろを",
        ),
        strict=True,
    )
    for kana in row
}
# Small vowel ending a word (きえたぃ): make it a full vowel.
_SMALL_VOWEL_END = re.compile(rf"(?<=[ぁ-ゖ一-鿿])([ぁぃぅぇぉ])[ぁぃぅぇぉ]*(?!{_FULL_KANA_NEXT})")
# Same in katakana (キエタィ), but never after the consonants that form loanword
# digraphs (ティ, ファ, ウィ, ...).
_SMALL_KATAKANA_END = re.compile(
    r"(?<=[ア-ヂツ-ヺ])(?<![テデフウヴトドチシジツクグスズ])([ァィゥェォ])(?![ァ-ヺ])"
)
_SMALL_TO_FULL = str.maketrans("ぁぃぅぇぉァィゥェォ", "あいうえおアイウエオ")
# つらいつらいつらい → つらい; keep a doubled phrase (いろいろ, まあまあ) untouched.
_REPEATED_PHRASE = re.compile(r"(.{2,8}?)\1{2,}")
_REPEATED_CHAR = re.compile(r"(.)\1{3,}")
# What either needs (see _pair_repeats).
# (Either way the first character recurs 2-8 characters on: a look-ahead for that first
# rules out most positions at once, about twice as quick as without it.)
_PAIR_THRICE = re.compile(r"(?s)(.)(?=.{1,7}\1)(?:\1\1\1|(.).{0,6}?\1\2.{0,6}?\1\2)")
_KATAKANA_RUN = re.compile(r"[ァ-ヺー]{2,}")
_LONG_MARKS = frozenset("ー〜~")
_SMALL_VOWELS = frozenset("ぁぃぅぇぉァィゥェォ")
_TRANSLATED_CHARS = re.escape("".join(sorted(map(chr, _TRANSLATE)))) + _SURROGATES
_TRANSLATED = re.compile(f"[{_TRANSLATED_CHARS}]")
# Whether the translation, romaji_to_kana or join_spaced_letters may change a text: a
# character to translate, two Latin letters in a row (romaji), or a letter between two
# spaces (every run of spaced letters has one). Most texts have none, and one search says
# so; it starts with a class of those first characters, so the regex engine skips ahead to
# them, and looks behind to see which one it found.
_MAY_READ = re.compile(
    f"[{_TRANSLATED_CHARS}A-Za-z ]"
    f"(?:(?<=[{_TRANSLATED_CHARS}])|(?<=[A-Za-z])[A-Za-z]|(?<= )[{SPACED_LETTER}] )"
)
# The characters not in NFKC that replies have most often (…, full-width ! ? ~ and space),
# with their NFKC forms (see _nfkc).
_COMMON_COMPATIBILITY = tuple(
    (char, unicodedata.normalize("NFKC", char)) for char in "…！？～\u3000"
)
# What the elongation and small-vowel steps of Normalizer._rewrite need to find: a kana or
# kanji right before a long mark or small vowel. Most texts have none; the first regex,
# a plain character class, is the quicker one to say so.
_ELONGATION_MARK = re.compile("[ー〜~ぁぃぅぇぉァィゥェォ]")
# What the elongation steps and the katakana step (runs of ァ-ヺ and ー) may react to: a text
# without any of these characters needs neither (one search for both).
_KANA_TO_REWRITE = re.compile("[ー〜~ぁぃぅぇぉァ-ヺ]")
_ELONGATION = re.compile("[ぁ-ゖ][ー〜~]|[ぁ-ゖ一-鿿][ぁぃぅぇぉ]|[ア-ヂツ-ヺ][ァィゥェォ]")
_is_normalized = unicodedata.is_normalized
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def drop_long_marks_after_hiragana(text: str) -> str:
    """``text`` without the long marks after hiragana (しにたーい → しにたい), as normalised."""
    return _LONG_MARK_AFTER_HIRAGANA.sub("", text)


def katakana_to_hiragana(text: str) -> str:
    """Map katakana letters to hiragana, one character for one (lengths are kept)."""
    return text.translate(_KATAKANA_TO_HIRAGANA)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalised message: ``text`` for display/spans, ``tokenizer_text`` for MeCab."""

    text: str
    tokenizer_text: str


class Normalizer:
    """Normalises messages with the rewrite rules and katakana prefixes from the lexicon."""

    def __init__(
        self,
        rewrites: list[tuple[re.Pattern[str], str]],
        katakana_prefixes: tuple[str, ...],
        early_rewrites: list[tuple[re.Pattern[str], str]] | None = None,
    ) -> None:
        # Each rewrite with the characters its match can start with (None: always run).
        self._rewrites = [
            (pattern, replacement, first_characters(pattern.pattern, pattern.flags))
            for pattern, replacement in rewrites
        ]
        # Early rewrites run before elongation and small vowels are removed, for casual
        # forms those steps would destroy (a small vowel that is itself the word's ending).
        self._early = [
            (pattern, replacement, first_characters(pattern.pattern, pattern.flags))
            for pattern, replacement in early_rewrites or ()
        ]
        self._katakana_prefixes = katakana_prefixes
        self._run_cache: dict[str, bool] = {}
        # Fast path: most replies need no rewrite at all. Each rewrite (early ones too) has
        # substrings one of which every match contains; one search for all of them tells
        # whether any rewrite can match. If none matches the text as it is, none matches
        # after another either, and the text stays as it is.
        self.gated_patterns: tuple[re.Pattern[str], ...] = (
            *(pattern for pattern, _, _ in self._early),
            *(pattern for pattern, _ in rewrites),
        )
        self._gate = SubstringGate(self.gated_patterns)
        self._own_bits = (1 << len(self.gated_patterns)) - 1
        # The first characters of each rewrite, by its gate bit (see _may_start).
        self._starts_by_bit = [starts for _, _, starts in (*self._early, *self._rewrites)]
        self._late_bits = self._own_bits >> len(self._early) << len(self._early)  # not early

    def __call__(self, raw: str) -> NormalizedText:
        return NormalizedText(*self.normalize(raw))

    def normalize(self, raw: str) -> tuple[str, str]:
        """``(text, tokenizer_text)`` of :class:`NormalizedText`, without building one."""
        text, tokenizer_text, _ = self.normalize_gated(raw, self._gate)
        return text, tokenizer_text

    def normalize_gated(self, raw: str, gate: SubstringGate) -> tuple[str, str, int | None]:
        """:meth:`normalize`, with ``gate`` as the rewrites' gate, and its mask of ``text``.

        ``gate``'s first patterns must be :attr:`gated_patterns`, in order; a caller adds
        its own after them, so that one pass over the text gates both. The mask is None if
        normalising changed the text after it was gated (the caller asks ``gate`` again).
        """
        text = raw if _is_normalized("NFKC", raw) else _nfkc(raw)
        if _MAY_READ.search(text) is not None:  # rare: one search for the three steps
            if _TRANSLATED.search(text):
                # A few str.replace calls are quicker than str.translate, which would look
                # every character of a Japanese text up in the table.
                for char in set(_TRANSLATED.findall(text)):
                    text = text.replace(char, _TRANSLATE.get(ord(char), "\ufffd"))
            text = join_spaced_letters(romaji_to_kana(text))
        chars = set(text)  # for the gate and the repetition test
        mask = gate.mask(text, chars)
        gated = text
        kana = _KANA_TO_REWRITE.search(text) is not None
        own = mask & self._own_bits
        if (own and self._may_start(own, chars)) or (kana and _may_elongate(text)):
            # Rewriting asks this normaliser's own gate again after each change: in a long
            # text that changes often, a smaller gate than ``gate`` (rewrites only).
            rewritten, _ = self._rewrite_gated(text, own, self._gate, chars)
            if rewritten != text:
                text, chars = rewritten, set(rewritten)
                kana = _KANA_TO_REWRITE.search(text) is not None
        # Either change needs at least three characters that repeat an earlier one (a
        # phrase three times, or a character four times), and a pair of characters that
        # recurs twice close by (the phrase's first two), or a character four times: a
        # cheap test, then a closer one that rules out most texts the first lets through.
        # (Collapsing keeps one copy of what it removes: the characters stay the same.)
        if len(text) - len(chars) >= 3 and _pair_repeats(text):
            text = _REPEATED_PHRASE.sub(r"\1", text)
            text = _REPEATED_CHAR.sub(r"\1\1\1", text)
        tokenizer_text = self._hiraganise_katakana_words(text) if kana else text
        return text, tokenizer_text, mask if text == gated else None

    def _may_start(self, mask: int, chars: set[str]) -> bool:
        """False only if no rewrite whose bit ``mask`` sets can start with one of ``chars``.

        :meth:`_rewrite_gated` runs only such rewrites (and the elongation steps): if there
        is none, and no elongation, it changes nothing, and is not called. The gate often
        lets a rewrite through that cannot start in the text (one for ?ない finds ない).
        """
        starts_by_bit = self._starts_by_bit
        while mask:
            lowest = mask & -mask
            starts = starts_by_bit[lowest.bit_length() - 1]
            if starts is None or not starts.isdisjoint(chars):
                return True
            mask ^= lowest
        return False

    def _may_rewrite(self, text: str) -> bool:
        """False only if no step of :meth:`_rewrite` would change ``text``."""
        return _may_elongate(text) or self._gate.any(text)

    def _rewrite(self, text: str, mask: int | None = None) -> str:
        """Every rewrite step; ``mask``: the gate's answer for ``text`` (None: ask it)."""
        if mask is None:
            mask = self._gate.mask(text)
        return self._rewrite_gated(text, mask, self._gate)[0]

    def _rewrite_gated(
        self, text: str, mask: int, gate: SubstringGate, chars: set[str] | None = None
    ) -> tuple[str, int]:
        """Every rewrite step, and ``gate``'s mask of the result; ``mask``: that of ``text``.

        ``chars``: the characters of ``text``, if known.

        ``gate``: this normaliser's own gate, or one whose first patterns are
        :attr:`gated_patterns` (see :meth:`normalize_gated`). A rewrite runs if one of its
        first characters is in the text (as it was before the elongation steps: later
        rewrites may depend on that, or as an earlier rewrite left it) and the gate says it
        may match the text as it is now;
        the gate is asked again after each change. A rewrite the gate rules out would change
        nothing, so the result is the same as running them all.
        """
        # Cheap character checks first: most replies need few of the regexes below.
        if chars is None:
            chars = set(text)
        early = self._early
        count = len(early)  # gate bits: early rewrites first, then the others
        if mask & ((1 << count) - 1):
            text, mask = self._run(early, 0, text, mask, chars, gate)
            chars = set(text)
        before = text
        if not _LONG_MARKS.isdisjoint(chars):
            text = drop_long_marks_after_hiragana(text)
        if not _SMALL_VOWELS.isdisjoint(chars):
            text = _SMALL_VOWEL_INSIDE.sub(_inside_small_vowel, text)
            text = _SMALL_VOWEL_END.sub(_end_small_vowels, text)
            text = _SMALL_KATAKANA_END.sub(_full_vowel, text)
        if text != before:
            mask = gate.mask(text)
        if mask & self._late_bits:
            text, mask = self._run(self._rewrites, count, text, mask, chars, gate)
        return text, mask

    def _run(
        self,
        rewrites: list[tuple[re.Pattern[str], str, frozenset[str] | None]],
        offset: int,
        text: str,
        mask: int,
        chars: set[str],
        gate: SubstringGate,
    ) -> tuple[str, int]:
        """Run ``rewrites`` (gate bits from ``offset`` on) in order: ``(text, mask)`` after.

        Only the rewrites whose bit is set are visited (a few of dozens): the loop jumps
        from one set bit to the next, reading the mask again after each change.
        """
        index = 0
        end = len(rewrites)
        while index < end:
            rest = mask >> (offset + index)
            if not rest:
                break
            index += (rest & -rest).bit_length() - 1  # the next rewrite the gate lets through
            if index >= end:
                break
            pattern, replacement, starts = rewrites[index]
            if starts is None or not starts.isdisjoint(chars):
                rewritten = pattern.sub(replacement, text)
                if rewritten != text:
                    text = rewritten
                    mask = gate.mask(text)
                    # A later rewrite may start with what this one wrote (すいどう → 水道,
                    # then 水道とまった → 水道止まった).
                    chars = chars | set(text)
            index += 1
        return text, mask

    def _hiraganise_katakana_words(self, text: str) -> str:
        # Only katakana runs that spell a known distress word (キエタイ, シニタイ, ツラ) are
        # rewritten; loanwords (ナイフ, バイト) stay, so they never turn into ない or ば.
        if not _KATAKANA_RUN.search(text):
            return text
        if katakana_only(text):
            return katakana_to_hiragana(text)  # ハハガ タオレテ: all of it is Japanese
        return _KATAKANA_RUN.sub(self._maybe_hiragana, text)

    def _maybe_hiragana(self, match: re.Match[str]) -> str:
        run = match.group(0)
        convert = self._run_cache.get(run)
        if convert is None:
            hiragana = katakana_to_hiragana(run).replace("ー", "")
            convert = hiragana.startswith(self._katakana_prefixes)
            if len(self._run_cache) > 10_000:
                self._run_cache.clear()
            self._run_cache[run] = convert
        return katakana_to_hiragana(run) if convert else run


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, quicker for the usual characters not in NFKC.

    A character replaced by its own NFKC form leaves the text's NFKC as it was (both have
    the same compatibility decomposition), so once the common ones are replaced, a text
    already in NFKC is the answer; only others (half-width kana, full-width letters) need
    the full normalisation, which costs several times more.
    """
    for char, form in _COMMON_COMPATIBILITY:
        text = text.replace(char, form)
    return text if _is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _may_elongate(text: str) -> bool:
    """False only if the elongation and small-vowel steps would not change ``text``."""
    return _ELONGATION_MARK.search(text) is not None and _ELONGATION.search(text) is not None


def _pair_repeats(text: str) -> bool:
    """False only if neither repetition regex would change ``text``.

    A phrase of 2-8 characters three times has its first two characters three times, each
    time at most 6 characters after the last; a character four times is itself. One search
    (with DOTALL, so it lets through whatever the two regexes' ``.`` can match), quicker than
    listing the text's pairs, and it lets fewer texts through.
    """
    return _PAIR_THRICE.search(text) is not None


def _inside_small_vowel(match: re.Match[str]) -> str:
    before = match.string[match.start() - 1]
    small = match.group()
    vowel = _VOWEL_OF.get(before)
    if vowel is None:
        # After a kanji, an adjective's い written small (辛ぃよ); after ん or っ, elongation.
        return "い" if small[0] == "ぃ" and before >= "一" else ""
    if vowel == _VOWEL_OF[small[0]]:
        return ""  # the same vowel again: elongation
    return small[0].translate(_SMALL_TO_FULL)


def _end_small_vowels(match: re.Match[str]) -> str:
    """Small vowels ending a word, written full: the first that does not repeat the vowel
    before it (しにたぁぃ: たぁ is long, ぃ is the word's い), else the first (いてぇ)."""
    vowel = _VOWEL_OF.get(match.string[match.start() - 1])
    for small in match.group():
        if _VOWEL_OF[small] != vowel:
            return small.translate(_SMALL_TO_FULL)
    return match.group(1).translate(_SMALL_TO_FULL)


def _full_vowel(match: re.Match[str]) -> str:
    return match.group(1).translate(_SMALL_TO_FULL)
