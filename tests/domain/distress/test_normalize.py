"""Normalisation keeps offsets aligned and makes casual spellings dictionary-like."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.distress.lexicon import load_lexicon


def normalize(text: str):
    return load_lexicon().normalizer(text)


def test_nfkc_and_half_width_kana() -> None:
    assert normalize("ｼﾝﾄﾞｲ").text == "シンドイ"


def test_small_kana_and_elongation() -> None:
    assert normalize("きえたぃ").text == "きえたい"
    assert normalize("しにたーい").text == "しにたい"
    assert normalize("しにたぁい").text == "しにたい"  # the same vowel again: elongation


def test_small_vowel_that_is_not_elongation_is_written_full() -> None:
    assert normalize("つらぃよぉ").text == "つらいよお"  # ぃ after ら is a vowel of its own
    assert normalize("しにたぃょぉ").text == "しにたいょお"  # before a small ょ: a word end
    assert normalize("辛ぃよ").text == "辛いよ"  # an adjective's い after a kanji


def test_loanword_small_kana_kept() -> None:
    assert normalize("パーティ").text == "パーティ"


def test_slang_for_death() -> None:
    assert normalize("タヒにたい").text == "死にたい"
    assert normalize("4ね").text == "死ね"
    assert normalize("田中氏に相談").text == "田中氏に相談"


def test_repetition_collapsed_but_doubles_kept() -> None:
    assert normalize("つらいつらいつらい").text == "つらい"
    assert normalize("いろいろ").text == "いろいろ"


def test_katakana_distress_words_read_as_hiragana() -> None:
    normalized = normalize("キエタイ、ナイフ")
    assert normalized.text == "キエタイ、ナイフ"
    assert normalized.tokenizer_text == "きえたい、ナイフ"


@given(st.text(max_size=40))
def test_tokenizer_text_has_the_same_length(text: str) -> None:
    normalized = normalize(text)
    assert len(normalized.text) == len(normalized.tokenizer_text)


def test_repetition_test_lets_every_repetition_through() -> None:
    from bot.domain.distress.normalize import _pair_repeats

    eight = "あいうえおかきく" * 3  # the longest phrase the regex collapses
    for text in ("つらいつらいつらい", "ああああ", "xつらつらつらy", "もうむりむりむり", eight):
        assert _pair_repeats(text)
    assert not _pair_repeats("いろいろ")
    assert normalize("もうむりむりむり").text == "もうむり"


def test_hiragana_spellings_of_listed_words_are_written_back() -> None:
    # Voice input and older writers: MeCab splits these wrongly inside a run of hiragana.
    assert normalize("しゃっきんとりがきた").text == "借金とりがきた"
    assert normalize("ふつか　たべとらん").text == "二日 たべていない"
    assert normalize("やちんはらえん").text == "家賃払えん"
    assert normalize("あさめがさめんかったら").text == "あさ目が覚めんかったら"
    # Only where the spelling cannot be part of another word.
    assert normalize("ゆめがさめた").text == "ゆめがさめた"
    assert normalize("はらわた").text == "はらわた"
    assert normalize("そうだんだん").text == "そうだんだん"


def test_kana_words_must_be_spellings_of_words() -> None:
    import tomllib
    from importlib import resources

    import pytest

    from bot.domain.distress.lexicon import LexiconError, parse

    source = resources.files("bot.domain.distress").joinpath("lexicon.toml").read_text("utf-8")
    document = tomllib.loads(source)
    document["normalize"]["kana_words"] = {"しゃっきん": ""}
    with pytest.raises(LexiconError, match="kana_words"):
        parse(document)
