"""Behaviour of the assessor on the phenomena the issue lists (one or two examples each)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.distress import CATEGORIES, Assessment, Evidence, Level, assess


def level_of(text: str) -> str:
    return assess(text).level.value


@pytest.mark.parametrize(
    "text",
    [
        "死にたくて",
        "死にたかったです",
        "消えちゃいたい",
        "死にとうなる",
        "しにたい",
        "死んでしまいたい",
    ],
)
def test_conjugations_via_lemmas(text: str) -> None:
    assert level_of(text) == "urgent"


@pytest.mark.parametrize(
    "text", ["きえたぃ", "キエタイ", "ﾀﾋにたい", "4にたい", "氏にたい", "しにたーい"]
)
def test_normalised_spellings(text: str) -> None:
    assert level_of(text) == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "みんな元気でね、最後にお礼だけ",
        "朝が来なければいいのに",
        "薬をまとめて飲む",
        "練炭買った",
        "飛び降りる場所を探してる",
        "遺書を書いた",
        "リスカした",
        "アムカしちゃった",
        "ODした",
        "死ぬしかない",
        "いっそ事故にでも遭えばいいのに",
        "明日の朝にはいないと思う",
        "ホームの端に立ってる。次の快速で行く",
        "呼んでも返事しない",
    ],
)
def test_urgent_without_obvious_keyword(text: str) -> None:
    assert level_of(text) == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "死ぬほど眠い",
        "死ぬ気で走った",
        "疲れて死ぬかと思ったw",
        "必死で探した",
        "首を突っ込む",
        "映画で犬が死んで泣いた",
        "終活の本を読んだ",
        "仕事を終わらせたい",
        "辛いラーメン食べた",
        "お疲れさまです",
    ],
)
def test_idioms_and_hyperbole_raise_no_alarm(text: str) -> None:
    assert level_of(text) == "none"


def test_fired_is_money_and_mood_not_self_harm() -> None:
    assessment = assess("首になった")
    assert assessment.level is Level.WATCH
    assert set(assessment.categories) == {"money", "mood"}


@pytest.mark.parametrize(
    "text",
    ["死にたいなんて思ったことない", "寂しくないよ", "寂しくなか", "別に死にたいわけじゃない"],
)
def test_negation_over_the_clause(text: str) -> None:
    assert level_of(text) == "none"


def test_negation_does_not_leak_to_the_next_verb() -> None:
    assert level_of("死にたくて眠れない") == "urgent"


@pytest.mark.parametrize("text", ["寝られへん", "食べられへん", "ねむれん"])
def test_negated_verb_that_is_the_distress(text: str) -> None:
    assert level_of(text) == "watch"


@pytest.mark.parametrize("text", ["しんどいわ", "きつか", "さびしか", "もうあかん"])
def test_dialect(text: str) -> None:
    assert level_of(text) in {"watch", "high"}


def test_past_and_resolved_is_watch() -> None:
    assessment = assess("去年は消えたいと思ってたけど今は平気")
    assert assessment.level is Level.WATCH
    assert "resolved" in assessment.evidence[0].note


def test_recent_past_is_still_high() -> None:
    assert level_of("さっきまで死にたかった") == "high"
    # Calmer now does not make hours ago a thing to merely watch.
    assert level_of("さっきまで死にたかった。今はちょっと落ち着いた") == "high"
    assert level_of("昨日また腕切った。今日は落ち着いてる") == "high"
    assert level_of("さっきまでずっと死にたかった") == "high"  # ずっと until then, not still
    assert level_of("昨日の夜まで死にたくてたまらなかった。今は落ち着いてる") == "high"
    # たまらない is "unbearably", not a denial.
    assert level_of("死にたくてたまらない") == "urgent"
    # Long ago and over now is.
    assert level_of("去年は消えたいと思ってたけど今は平気") == "watch"


def test_someone_elses_words_are_watched_not_dropped() -> None:
    assert level_of("友達が死にたいって言ってて心配") == "watch"


def test_days_without_sleep_or_food_is_high() -> None:
    assert level_of("3日寝てない") == "high"
    assert level_of("お金なくて昨日から食べてない") == "high"


def test_help_request_category() -> None:
    assert "help_request" in assess("話したいです").categories
    assert assess("助けて").level is Level.HIGH


def test_evidence_names_span_and_rule() -> None:
    assessment = assess("もう限界。死にたい")
    assert isinstance(assessment, Assessment)
    top = assessment.evidence[0]
    assert isinstance(top, Evidence)
    assert top.span == "死にたい"
    assert top.rule == "suicide.want_to_die"
    assert top.category == "suicide"
    assert top.level is Level.URGENT
    data = assessment.to_json_dict()
    assert data["level"] == "urgent"
    assert data["evidence"][0]["span"] == "死にたい"


def test_categories_come_from_the_fixed_set() -> None:
    assessment = assess("お金がなくて家賃払えない、眠れないし寂しい")
    assert set(assessment.categories) <= set(CATEGORIES)
    assert {"money", "housing", "sleep", "loneliness"} <= set(assessment.categories)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_is_none(text: str) -> None:
    assert assess(text) == Assessment(Level.NONE)


def test_levels_are_ordered_strings() -> None:
    assert Level.URGENT > Level.HIGH > Level.WATCH > Level.NONE
    assert Level.URGENT.rank == 3
    assert Level("watch") == "watch"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Spaces between words (very simple writing) do not end the clause...
        ("だれとも しゃべらない ひが つづいてます", "watch"),
        ("ははが たおれて よんでも へんじ しません", "urgent"),
        # ...while a space between phrases still does, like a comma.
        ("死にたい 嘘だと思う?", "urgent"),
    ],
)
def test_word_spaced_writing(text: str, level: str) -> None:
    assert level_of(text) == level


@pytest.mark.parametrize(
    "text", ["呼んでも返事しない", "ろれつが回らない", "右手に力が入らない", "出金できない"]
)
def test_a_negation_that_is_the_emergency_is_not_a_denial(text: str) -> None:
    assert level_of(text) in {"urgent", "high"}


@pytest.mark.parametrize(
    "text",
    [
        "お酒と薬は一緒に飲まないようにしてる",
        "ドアの鍵が壊れて開かない",
        "一人で年越しそば食べた、うまかった",
        "駅のホームで友達を待ってる",
        "保険で治療費払えた",
        "薬をひと月分もらってきた",
        "母の手術が無事終わりました",
        "死んでもいいくらい美味いラーメン屋見つけた",
    ],
)
def test_everyday_sentences_with_alarming_words_raise_no_alarm(text: str) -> None:
    assert level_of(text) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "元気です\x00死にたい",  # MeCab would stop reading at the NUL
        "\udcff死にたい",  # undecodable input (surrogateescape)
        "死にたい\ud83d",  # half an emoji from a broken JSON escape
        "\x1b[31m死にたい",
        "\ufeff死にたい",
    ],
)
def test_control_characters_and_broken_text_hide_nothing(text: str) -> None:
    assert level_of(text) == "urgent"


_ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates and controls too


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ANY_CHARACTER, max_size=30))
def test_assess_never_raises(text: str) -> None:
    assert assess(text).level in Level


def test_contextual_takes_true_false_or_time() -> None:
    import tomllib
    from importlib import resources

    from bot.domain.distress.lexicon import LexiconError, parse

    source = resources.files("bot.domain.distress").joinpath("lexicon.toml").read_text("utf-8")
    document = tomllib.loads(source)
    document["rule"][0]["contextual"] = "sometimes"
    with pytest.raises(LexiconError, match="contextual"):
        parse(document)


def test_whose_trouble_is_the_persons_own_is_lexicon_data() -> None:
    """The dependants after whose の a serious need stays high come from [context]."""
    import tomllib
    from importlib import resources

    from bot.domain.distress import Assessor, default_assessor
    from bot.domain.distress.lexicon import dictionary_lemma, parse, split_words

    rules_only = default_assessor().with_model(None)  # the packaged lexicon, compiled once
    assert rules_only.assess("子どもの熱が三日下がらない").level is Level.HIGH
    assert rules_only.assess("姪の熱が三日下がらない").level is Level.WATCH
    source = resources.files("bot.domain.distress").joinpath("lexicon.toml").read_text("utf-8")
    document = tomllib.loads(source)
    document["context"]["dependants"].append("姪")
    extended = Assessor(parse(document, dictionary_lemma, split_words), None)
    assert extended.assess("姪の熱が三日下がらない").level is Level.HIGH


def test_assess_many_gives_the_verdicts_of_assess(monkeypatch: pytest.MonkeyPatch) -> None:
    """In bulk, stage by stage, the same verdicts as one by one: across batch boundaries,
    with empty and blank messages among them, with and without the learned model."""
    from bot.domain.distress import assessor as assessor_module
    from bot.domain.distress import default_assessor
    from tests.tools.score_distress import DEFAULT_CORPUS, load_corpus

    texts = [example.text for example in load_corpus(DEFAULT_CORPUS)]
    texts[5:5] = ["", " ", "\n", "　"]  # a full-width space is blank too
    monkeypatch.setattr(assessor_module, "_BATCH", 7)  # many boundaries, a short last batch
    with_model = default_assessor()
    for assessor in (with_model, with_model.with_model(None)):
        assert assessor.assess_many(texts) == [assessor.assess(text) for text in texts]
    assert with_model.assess_many([]) == []
