"""The speed-ups (gates, caches, shared tokens) never change a result."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.distress import assess
from bot.domain.distress.lexicon import load_lexicon
from bot.domain.distress.prefilter import required_literal
from bot.domain.distress.tokenizer import mecab_lines, parse_line, tokenize

# Characters the normalisation rules and the rules react to, plus some plain ones.
_ALPHABET = "死にたいしきえかなとうくじゃはがもつれ辛ひんちぃぁーwｗW4氏タヒキエ。、 !?ab1"


def test_required_literal() -> None:
    assert required_literal("タヒ") == "タヒ"
    assert required_literal("(?<=[いき])とう(?=な|て)") == "とう"
    assert required_literal("(つ|辛)れ[えぇ]+") == "れ"
    assert required_literal("a|bc") is None
    assert required_literal("(?i)ww+") is None
    assert required_literal("ab", re.IGNORECASE) is None


@given(st.text(alphabet=_ALPHABET, max_size=12), st.text(alphabet=_ALPHABET, max_size=3))
def test_required_literal_is_in_every_match(text: str, literal_source: str) -> None:
    for pattern in ("タヒ", "(?<=[いき])とう(?=な|て)", "(つ|辛)れ[えぇ]+", "x" + literal_source):
        literal = required_literal(pattern)
        if re.search(pattern, text) and literal is not None:
            assert literal in text


@given(st.text(alphabet=_ALPHABET, max_size=20))
def test_normalizer_fast_path_changes_nothing(text: str) -> None:
    normalizer = load_lexicon().normalizer
    if not normalizer._may_rewrite(text):
        assert normalizer._rewrite(text) == text


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
