"""The speed-ups (gates, caches, shared tokens) never change a result."""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.distress import assess
from bot.domain.distress.lexicon import load_lexicon
from bot.domain.distress.normalize import Normalizer
from bot.domain.distress.prefilter import (
    SubstringGate,
    leading_characters,
    required_substring_sets,
    required_substrings,
)
from bot.domain.distress.tokenizer import mecab_lines, parse_line, tokenize

# Characters the normalisation rules and the rules react to, plus some plain ones.
_ALPHABET = "死にたいしきえかなとうくじゃはがもつれ辛ひんちぃぁーwｗW4氏タヒキエ。、 !?ab1"


def test_required_substrings() -> None:
    assert required_substrings("タヒ") == {"タヒ"}
    # Look-arounds that spell out their text extend the substrings.
    assert required_substrings("(?<=[いき])とう(?=な|て)") == {
        "いとうな",
        "いとうて",
        "きとうな",
        "きとうて",
    }
    assert required_substrings("(?<![いき])とう(?!な)") == {"とう"}
    assert required_substrings("(つ|辛)れ[えぇ]+") == {"つれえ", "つれぇ", "辛れえ", "辛れぇ"}
    assert required_substrings("a|bc") == {"a", "bc"}
    assert required_substrings("(?i)ww+") == {"ww"}
    assert required_substrings("x(ab)?y") == {"xaby", "xy"}
    assert required_substrings("a.b|c") == {"a", "c"}
    assert required_substrings("x*|c") is None
    assert required_substrings(r"(a)\1") == {"a"}
    # Strings containing another one are dropped (を消し contains 消し), so a rarer set
    # can win over a common one (たい).
    assert required_substrings("(を|も)?(消し|けし|抹消し)") == {"消し", "けし"}
    erase_self = (
        "(自分|私|俺|僕|存在|自身)(のこと|自身|の存在)?(を|も)?(消し|けし|抹消し)"
        "(て(しまい|しまえ|ほし|くれ)|ちゃい|たい)"
    )
    needles = required_substrings(erase_self)
    assert needles  # not たい, ちゃい, ... but 消し or けし with what follows
    assert all(needle[:2] in ("消し", "けし") for needle in needles)
    # A repetition's last round is followed by what comes next.
    assert required_substrings("(?<=[あ-ん])[ \t]+(?=ない)") == {" ない", "\tない"}
    # Too many combinations: the left strings are cut to their last characters.
    assert required_substrings("(?<=[きしちにひみりぎじびぴえけせてねへめれげべ]た)[みひ]") == {
        "たみ",
        "たひ",
    }


def test_leading_characters() -> None:
    assert leading_characters("^\\s*(もう|私)?\\s*(消え|きえ)\\s*$") == {"も", "私", "消", "き"}
    assert leading_characters("^[ \t]*死", re.IGNORECASE) == {"死"}
    # Unknown: a first character that may be a space, a match of spaces only, cased letters.
    assert leading_characters("^\\s*.死") is None
    assert leading_characters("^\\s*$") is None
    assert leading_characters("^\\s*ok", re.IGNORECASE) is None


def test_required_substring_sets() -> None:
    # Each set is required by itself: a look-ahead's text counts even when it is not
    # spelt out exactly (\\s* before が).
    assert required_substring_sets("(?<=[ 、])ち(?=\\s*が\\s*(で|出))")[:2] == [
        {" ち", "、ち"},
        {"が"},
    ]
    assert required_substring_sets("タヒ") == [{"タヒ"}]
    assert required_substring_sets("x*") == []
    # The first set is the one required_substrings gives.
    for pattern in _PATTERNS:
        sets = required_substring_sets(pattern)
        assert (sets[0] if sets else None) == required_substrings(pattern)


# Patterns with the constructs the analysis handles: alternatives, optional and repeated
# groups, classes, look-arounds, anchors, ignoring case, and things it must give up on.
_PATTERNS = (
    "タヒ",
    "(?<=[いき])とう(?=な|て)",
    "(つ|辛)れ[えぇ]+",
    "x(ab)?y",
    "(?i)ww+|ｗｗ+",
    "(?i)(?<![a-z])od(?![a-z])|死",
    "^(むり|つら)(だ|や)?$",
    "(しに|死に){2,3}た",
    "(?:(?<=く)|(?<=じゃ))なか(?=と|ね|$)",
    "き.い|たく?",
    "(?i:W)a|b",
    # Two substring sets (ち and が), the second from a look-ahead that spells nothing out.
    "(?<=[ 、])ち(?=\\s*が)",
    "[ー〜](?= *ね)",
    # Whole-message patterns: gated by the first non-space character (or not at all).
    "^\\s*(もう|私)?\\s*(死|し)に?[ \t]*[。…]*\\s*$",
    "^\\s+つら|^\\s*.死",
    "(?i)^\\s*ok|^死",
    "(?i:死に)|ばい",
)


@given(st.text(alphabet=_ALPHABET + "xyOoDdxyab", max_size=16))
def test_required_substrings_are_in_every_match(text: str) -> None:
    for pattern in _PATTERNS:
        needles = required_substrings(pattern)
        match = re.search(pattern, text)
        if match is not None and needles is not None:
            if re.compile(pattern).flags & re.IGNORECASE:
                assert any(re.search(re.escape(needle), text, re.I) for needle in needles)
            else:
                assert any(needle in text for needle in needles)


@given(st.text(alphabet=_ALPHABET + "xyOoDdxyab", max_size=16))
def test_substring_gate_never_misses(text: str) -> None:
    patterns = [re.compile(pattern) for pattern in _PATTERNS]
    gates = [SubstringGate(patterns), SubstringGate(patterns, sets=1), SubstringGate(patterns, 3)]
    for gate in gates:
        for mask in (gate.mask(text), gate.mask(text, set(text))):
            for position, pattern in enumerate(patterns):
                if pattern.search(text):
                    assert mask >> position & 1
                    assert gate.any(text)


# Patterns ignoring case whose letters match other characters too (k: the Kelvin sign K,
# s: the long s ſ, i: the dotted İ), beside case-sensitive ones.
_FOLDED_PATTERNS = (*_PATTERNS, "(?i)kill|sos", "(?i)(?<![a-z])ok|İt", "(?i)ｗｗ|死にSo", "ks")
_FOLDED_GATE_PATTERNS = [re.compile(pattern) for pattern in _FOLDED_PATTERNS]
_FOLDED_GATE = SubstringGate(_FOLDED_GATE_PATTERNS)


@given(st.text(alphabet="kKKsSſiIİıoOlLwWｗＷtT 死にxyab", max_size=16))
def test_substring_gate_finds_exactly_its_substrings(text: str) -> None:
    # Bit k is set exactly when the text has a substring of each of pattern k's searched
    # sets (ignoring case where the pattern does): the gate's quick searches lose nothing
    # and add nothing.
    from bot.domain.distress.prefilter import _anchored, _worth_searching

    expected = 0
    for position, pattern in enumerate(_FOLDED_GATE_PATTERNS):
        flags = pattern.flags & re.IGNORECASE
        if _anchored(pattern):
            leading = leading_characters(pattern.pattern, pattern.flags)
            may = leading is None or text.lstrip()[:1] in leading
        else:
            sets = _worth_searching(pattern)[:2]
            may = all(any(re.search(re.escape(n), text, flags) for n in ns) for ns in sets)
        if may:
            expected |= 1 << position
    assert _FOLDED_GATE.mask(text) == expected
    assert _FOLDED_GATE.mask(text, set(text)) == expected


# No deadline: the first example loads the lexicon and the tagger.
@settings(deadline=None)
@given(st.text(alphabet=_ALPHABET + "ァカナシイーぁ〜", max_size=20))
def test_normalizer_fast_path_changes_nothing(text: str) -> None:
    normalizer = load_lexicon().normalizer
    if not normalizer._may_rewrite(text):
        assert normalizer._rewrite(text) == text


def _rewrite_without_gate(normalizer: Normalizer, text: str) -> str:
    # Every rewrite step, gated by first characters only (as before the substring gate).
    from bot.domain.distress import normalize as module

    chars = set(text)
    for pattern, replacement, starts in normalizer._early:
        if starts is None or not starts.isdisjoint(chars):
            text = pattern.sub(replacement, text)
    chars = set(text)
    if not module._LONG_MARKS.isdisjoint(chars):
        text = module._LONG_MARK_AFTER_HIRAGANA.sub("", text)
    if not module._SMALL_VOWELS.isdisjoint(chars):
        text = module._SMALL_VOWEL_INSIDE.sub(module._inside_small_vowel, text)
        text = module._SMALL_VOWEL_END.sub(module._end_small_vowels, text)
        text = module._SMALL_KATAKANA_END.sub(module._full_vowel, text)
    for pattern, replacement, starts in normalizer._rewrites:
        if starts is None or not starts.isdisjoint(chars):
            text = pattern.sub(replacement, text)
    return text


@settings(deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "死にて",
                "ぇ",
                "え",
                "ー",
                "タヒ",
                "4",
                "ね",
                "とう",
                "な",
                "かった",
                "寂しか",
                "と",
                "なか",
                "らく",
                "が",
                "れん",
                "つれ",
                "え",
                "w",
                "ww",
                "首",
                "つ",
                "る",
                "しぬ",
                "たい",
                "い",
                "ぃ",
                "っ",
                "、",
                " ",
                "いき",
                "て",
                "る",
                "でかん",
                "わ",
            ]
        ),
        max_size=8,
    )
)
def test_gated_rewrites_change_what_every_rewrite_would(pieces: list[str]) -> None:
    # _rewrite runs only the rewrites the substring gate lets through, asking the gate
    # again after each change: the result must be that of running every rewrite.
    text = "".join(pieces)
    normalizer = load_lexicon().normalizer
    assert normalizer._rewrite(text) == _rewrite_without_gate(normalizer, text)


@given(st.text(alphabet=_ALPHABET, max_size=20))
def test_mecab_lines_match_tokenize(text: str) -> None:
    text = text.replace("\n", " ")
    surfaces = [parse_line(line)[0] for line in mecab_lines(text)]
    assert surfaces == [token.surface for token in tokenize(text)]


def test_regex_ties_keep_lexicon_order() -> None:
    # Two regex rules at the same position and level: evidence follows the lexicon, not
    # the (per-process) hash order of the text's characters.
    rules = [item.rule for item in assess("死ねって言われた").evidence]
    assert rules == ["suicide.imperative_self", "abuse.told_to_die"]


def test_spaces_and_compounds_keep_offsets() -> None:
    assessment = assess("寝不足 で 死にたい")
    spans = {item.rule: (item.span, item.start, item.end) for item in assessment.evidence}
    assert spans["suicide.want_to_die"] == ("死にたい", 6, 10)
    assert spans["sleep.insomnia"] == ("寝不足", 0, 3)


def test_short_mecab_format_matches_default_format() -> None:
    # The tagger prints only the columns we read (tokenizer.MECAB_OPTIONS); they must parse
    # to the same tokens as unidic-lite's default format, for known and unknown words.
    import fugashi

    default = fugashi.Tagger()
    text = "死にたいなんてｗ、ほげぴよ🙂キエタイ EOS 寝不足でつらかった"
    expected = []
    for line in default.parse(text).split("\n"):
        if line == "EOS" or not line:
            break
        fields = line.split("\t")
        pos = fields[4].split("-")
        lemma = fields[3] if fields[3] and fields[3] != "*" else fields[0]
        lemma = lemma[: lemma.find("-")] if lemma.find("-") > 0 else lemma
        expected.append((fields[0], lemma, pos[0], pos[1] if len(pos) > 1 else "", fields[6]))
    assert [parse_line(line) for line in mecab_lines(text)] == expected
    assert [token[:5] for token in tokenize(text)] == expected


def test_nai_shi_before_a_comma_is_read_as_a_negation() -> None:
    # UniDic takes ないし before a comma for the conjunction 乃至 ("or"); a reply means
    # ない + し, and the negation is the distress (生きる理由ないし、…).
    lines = mecab_lines("生きる理由ないし、もう決めた")
    assert [parse_line(line)[1:3] for line in lines][2] == ("ない", "形容詞")
    assert assess("生きる理由ないし、しんどい").level.value == "high"
    assert assess("死にたくないし、大丈夫").level.value == "none"


def test_precomputed_candidates_only_hold_rules_that_can_start_there() -> None:
    # _Tok.candidates drops word rules whose first element needs another conjugation form,
    # so the per-message loop no longer checks it; every rule kept must still match.
    from bot.domain.distress import assessor

    assess("死ね。死ぬ。死んだ。死にたい。消えたい。もう無理")
    default = assessor._default
    assert default is not None
    checked = 0
    for token in default._toks.values():
        for compiled in token.candidates or ():
            if compiled.rule.words:
                # The lemma decides if it is a key, else the surface; then its forms.
                element = compiled.rule.words[0]
                key = token.lemma if token.lemma in element.keys else token.surface
                assert key in element.keys
                forms = element.cforms.get(key)
                assert forms is None or token.cform.startswith(forms)
                assert compiled.first in token.elements
                checked += 1
    assert checked


def _found_offsets(tokenizer_text: str, surfaces: list[str]) -> tuple[list[int], list[int]]:
    # The plain way: find each surface after the previous one.
    starts, ends, position = [], [], 0
    for surface in surfaces:
        start = tokenizer_text.find(surface, position)
        position = start + len(surface)
        starts.append(start)
        ends.append(position)
    return starts, ends


@given(
    st.lists(
        st.sampled_from(["寝不足", "で", "死にたい", "お", "金", "ない", "w", "😢", "。"]),
        max_size=8,
    ),
    st.lists(st.sampled_from(["", "", " ", "  "]), min_size=9, max_size=9),
)
def test_offsets_with_spaces_match_finding_each_token(words: list[str], spaces: list[str]) -> None:
    # Offsets come from the positions of space runs in the packed text (MeCab drops
    # spaces); they must be where each token is found in the text, compounds merged.
    from bot.domain.distress import assessor

    assess("x")
    default = assessor._default
    assert default is not None
    text = "".join(space + word for space, word in zip(spaces, words, strict=False)) + spaces[-1]
    tokens = default._tokens(text)
    present = 0
    for token in tokens:
        present |= token.flags
    message = default._message(text, text, tokens, present)
    # Merged compounds never span a space, so their surfaces are found like any other.
    expected = _found_offsets(text, [token.surface for token in message.tokens])
    assert message.offsets() == expected
    for i in range(message.n):
        assert message.span(i, i) == (expected[0][i], expected[1][i])


def test_offsets_when_mecab_drops_more_than_spaces() -> None:
    # If MeCab ever drops other characters, offsets fall back to finding each token.
    from bot.domain.distress import assessor

    assess("x")
    default = assessor._default
    assert default is not None
    tokens = default._tokens("寝不足で 死にたい")
    present = 0
    for token in tokens:
        present |= token.flags
    text = "寝不足で\u00a0 死にたい"  # as if MeCab had dropped the no-break space
    message = default._message(text, text, tokens, present)
    surfaces = [token.surface for token in message.tokens]
    assert surfaces[0] == "寝不足"
    assert message.offsets() == _found_offsets(text, surfaces)
    assert message.gaps  # the dropped characters separate clauses like a space


def test_per_word_flags_say_exactly_what_the_checks_look_for() -> None:
    # A reply skips a check when no morpheme in it has the check's flag: a flag missing
    # from a morpheme that the check would react to is a silent miss. Every morpheme of
    # both corpora (and every merged compound) must carry exactly the flags of the word
    # lists and grammar facts it belongs to.
    import json
    from pathlib import Path

    from bot.domain.distress import assessor as module

    data = Path(__file__).resolve().parents[2] / "data"
    for name in ("distress_corpus.jsonl", "distress_heldout.jsonl"):
        with (data / name).open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    assess(json.loads(line)["text"])
    default = module._default
    assert default is not None
    lists: dict[int, frozenset[str]] = {}
    rules = [*(rule for rules in default.index.values() for rule in rules)]
    for compiled in {id(rule): rule for rule in (*rules, *default._regex_rules_all)}.values():
        rule = compiled.rule
        for bit, words in (
            (compiled.unless_clause, rule.unless_clause),
            (compiled.unless_message, rule.unless_message),
            (compiled.soften_clause, rule.soften_clause),
            (compiled.boost, rule.boost),
        ):
            assert bool(bit) == bool(words) or (words and rule.boost_level is None)
            if bit:
                assert lists.setdefault(bit, words) == words
    assert lists
    facts = (
        (module._NEGATION, "negation"),
        (module._DIALECT, "dialect"),
        (module._JOKE, "joke"),
        (module._OTHER_PERSON, "other_person"),
        (module._SPEECH_VERB, "speech_verb"),
        (module._CONJUNCTION, "conjunction"),
        (module._CANDIDATES, "candidates"),
        (module._COMPOUND, "compound"),
    )
    tokens = [*default._toks.values(), *default._merged.values()]
    assert len(tokens) > 1000
    # Each word's list bits: a token must carry exactly the bits of the lists holding one
    # of its words (the same check as list by list, without 16k x 1,500 set tests).
    bits_of_word: dict[str, int] = {}
    for bit, listed in lists.items():
        for word in listed:
            bits_of_word[word] = bits_of_word.get(word, 0) | bit
    all_list_bits = reduce(or_, lists)
    seen = 0
    for token in tokens:
        words = {token.lemma, token.surface}
        # A merged compound is also in its parts' rule word lists (食べすぎ: 食べる), not in
        # their context lists.
        listed_as = words | set(token.parts)
        expected = reduce(or_, (bits_of_word.get(word, 0) for word in listed_as), 0)
        assert token.flags & all_list_bits == expected, token.surface
        seen += expected != 0
        for bit, attribute in facts:
            assert bool(token.flags & bit) == bool(getattr(token, attribute)), token.surface
        cue = token.conditional or (token.negation and token.cform.startswith("仮定形"))
        assert bool(token.flags & module._OBLIGATION_CUE) == cue, token.surface
        markers = token.markers | token.pair_first
        for bit, marker_words in default.marker_lists:
            assert token.flags & bit == markers & bit
            if bit != module._MEDIA or token.pos1 != "接尾辞":
                assert bool(token.markers & bit) == (not marker_words.isdisjoint(words))
    assert seen


@pytest.mark.parametrize(
    ("text", "rule", "level", "note"),
    [
        ("消えたいって友達に言われた", "suicide.vanish", "watch", "someone else"),
        ("眠れないことはない", "sleep.cannot_sleep", "none", "double negation"),
        ("昔は死にたかったけど今は幸せ", "suicide.want_to_die", "watch", "past, resolved"),
        ("詐欺のドラマを見た", "legal.scam", "none", "media topic"),
        ("子供の頃、死にたいと思ってた", "suicide.want_to_die", "high", "distant past"),
        ("死にたい夜にって本を読んだ", "suicide.want_to_die", "watch", "media"),
    ],
)
def test_checks_behind_flags_still_fire(text: str, rule: str, level: str, note: str) -> None:
    # Each of these checks runs only when the reply has a word with its flag (a speech
    # verb, a negation, a "now" word, a distant-past word, a media word).
    evidence = {item.rule: item for item in assess(text).evidence}
    assert evidence[rule].level.value == level
    assert evidence[rule].note == note


def test_fast_constructors_build_the_same_objects() -> None:
    from bot.domain.distress.assessor import Assessment, Evidence, _assessment, _evidence
    from bot.domain.distress.levels import Level

    fields = ("死にたい", "suicide.wish", "suicide", Level.URGENT, "joke", 3, 7, ("suicide",))
    item = _evidence(*fields)
    assert item == Evidence(*fields)
    assert hash(item) == hash(Evidence(*fields))
    assert _assessment(Level.URGENT, ("suicide",), (item,)) == Assessment(
        Level.URGENT, ("suicide",), (Evidence(*fields),)
    )


def test_element_bits_cover_every_needed_element() -> None:
    # A word or all_of rule is skipped when a message lacks the bit of an element it
    # needs; each morpheme must carry the bit of every needed element it matches, and
    # each needed element has a bit of its own.
    from bot.domain.distress import assessor as module

    assess("お金がない。眠れない夜が続いて死にたい")
    default = module._default
    assert default is not None
    bits = default.element_bits
    assert len(set(bits.values())) == len(bits)
    assert all(bit & default._element_mask == bit for bit in bits.values())
    for token in (*default._toks.values(), *default._merged.values()):
        expected = 0
        for element in token.elements:
            expected |= bits.get(element, 0)
        assert token.flags & default._element_mask == expected, token.surface
    rules = {id(rule): rule for rules in default.index.values() for rule in rules}.values()
    for compiled in rules:
        for element, negation, optional in (*compiled.words[1:], *compiled.all_of):
            if not (negation or optional):
                assert compiled.needs & bits[element]


def test_case_variants_match_where_ignoring_case_does() -> None:
    # The folded gate searches case-sensitively: each character of a substring becomes the
    # class of every character it matches ignoring case (k: also the Kelvin sign).
    import sys

    from bot.domain.distress.prefilter import _case_variant_sets

    every = "".join(map(chr, range(sys.maxunicode + 1)))
    for chars in ("LOabcdehkloswＳ", "ikmnstwｗ", "ßµΣ"):
        variants = _case_variant_sets(set(chars), re.IGNORECASE)
        for char in chars:
            ignoring_case = set(re.findall(re.escape(char), every, re.IGNORECASE))
            assert variants[char] == ignoring_case, char


@given(st.text(alphabet="つらいあむりx", max_size=24))
def test_pair_test_never_skips_a_repetition(text: str) -> None:
    from bot.domain.distress import normalize as module

    if not module._pair_repeats(text):
        collapsed = module._REPEATED_PHRASE.sub(r"\1", text)
        assert module._REPEATED_CHAR.sub(r"\1\1\1", collapsed) == text


def test_shared_gate_gives_the_regex_gates_mask() -> None:
    # Normalising gates the rewrites and the regex rules in one pass; its mask (when the
    # text came out unchanged) must be exactly what the regex rules' own gate says.
    import json
    from pathlib import Path

    from bot.domain.distress import assessor as module

    assess("x")
    default = module._default
    assert default is not None
    data = Path(__file__).resolve().parents[2] / "data" / "distress_corpus.jsonl"
    with data.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    shared = 0
    for raw in texts:
        text, tokenizer_text, mask = default._normalize(raw, default._shared_gate)
        assert (text, tokenizer_text) == default.lexicon.normalizer.normalize(raw)
        if mask is not None:
            assert mask >> default._regex_shift == default._regex_gate.mask(text)
            shared += 1
    assert shared > len(texts) // 2


def test_a_run_of_one_symbol_has_that_symbol_as_its_lemma() -> None:
    # MeCab reads 😭😭😭 as one unknown word; word lists name the emoji once.
    assert [token.lemma for token in tokenize("😭😭😭")] == ["😭"]
    assert [token.lemma for token in tokenize("もう無理💀💀")][-1] == "💀"
    assert [token.lemma for token in tokenize("😭😂")] == ["😭😂"]  # not one symbol
