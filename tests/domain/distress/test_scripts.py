"""Romaji, spaced-out letters and katakana-only messages read as ordinary Japanese."""

from __future__ import annotations

import pytest

from bot.domain.distress import assess
from bot.domain.distress.scripts import join_spaced_letters, katakana_only, romaji_to_kana


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jisatsu no houhou shirabeteru", "じさつ の ほうほう しらべてる"),
        ("okane zero. gohan mo kaenai", "おかね ぜろ. ごはん も かえない"),
        ("kitte kudasai", "きって ください"),
        ("konban wa", "こんばん わ"),
        # One word in five may be a loanword; it stays as written.
        ("slip shita. sannen yameteta kusuri", "slip した. さんねん やめてた くすり"),
    ],
)
def test_romaji_is_read_as_kana(text: str, expected: str) -> None:
    assert romaji_to_kana(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "kill me now lol",  # English
        "feeling kinda down today",  # English words that do not read as romaji
        "Wi-Fi調子悪い",  # a name inside a Japanese sentence
        "LINE shitai",  # an acronym is not romaji, and one word is too little
        "Rise and shine!",
    ],
)
def test_english_and_names_stay(text: str) -> None:
    assert romaji_to_kana(text) == text


def test_spaced_letters_are_joined_but_spaced_words_are_not() -> None:
    assert join_spaced_letters("し に た い") == "しにたい"
    assert join_spaced_letters("もう 消 え た い") == "もう 消えたい"
    assert join_spaced_letters("わたし ここで しぬ") == "わたし ここで しぬ"
    assert join_spaced_letters("あ、そう") == "あ、そう"


def test_katakana_only_messages() -> None:
    assert katakana_only("ハハガ タオレテ イキシテナイ")
    assert not katakana_only("オーバードーズ")  # one loanword stays katakana
    assert not katakana_only("ナイフ持ってる")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("shinu houhou shirabeteru", "urgent"),
        ("し に た い", "urgent"),
        ("ﾊﾊｶﾞ ﾀｵﾚﾃ ｲｷｼﾃﾅｲ", "urgent"),
        ("〇にたい", "urgent"),
        ("kill me now lol", "none"),
    ],
)
def test_assessed_through_the_scripts(text: str, level: str) -> None:
    assert assess(text).level.value == level
