"""The learned model: its file format, its arithmetic, and how the assessor uses it."""

from __future__ import annotations

import math

import pytest

from bot.domain.distress import CATEGORIES, Level, assess, default_assessor
from bot.domain.distress.assessor import MODEL_RULES
from bot.domain.distress.lexicon import load_lexicon
from bot.domain.distress.model import (
    COLUMNS,
    URGENT_KINDS,
    ModelError,
    features,
    load_model,
    parse_model,
)
from tests.tools.score_distress import DEFAULT_CORPUS, Example, load_corpus
from tests.tools.train_distress_model import (
    MODEL_PATH,
    corpora_digest,
    fit,
    model_text,
    recorded_digest,
    train,
)

# Column numbers of a feature's weights (see bot.domain.distress.model).
URGENT, HIGH, WATCH = 0, 1, 2
KIND = {kind: 3 + k for k, kind in enumerate(URGENT_KINDS)}
CATEGORY = {category: 3 + len(URGENT_KINDS) + k for k, category in enumerate(CATEGORIES)}


def weights(**columns: float) -> tuple[float, ...]:
    """One weight per column: ``urgent=6.0, violence=5.0``; the rest 0."""
    row = [0.0] * COLUMNS
    for name, value in columns.items():
        column = {"urgent": URGENT, "high": HIGH, "watch": WATCH}.get(name)
        row[column if column is not None else KIND.get(name, CATEGORY.get(name, -1))] = value
    return tuple(row)


def tiny_model(
    table: dict[str, tuple[float, ...]],
    bias: float = -4.0,
    thresholds: tuple[float, float, float] = (0.8, 0.9, 0.9),
    robustness: tuple[int, float] = (2, 0.3),
) -> str:
    """A model file with every feature's idf 1.0 (so each present feature counts alike);
    every bias but the first three is -1."""
    biases = (bias, bias, bias, *([-1.0] * (COLUMNS - 3)))
    lines = [
        "@thresholds\t" + "\t".join(map(str, thresholds)),
        f"@robustness\t{robustness[0]}\t{robustness[1]}",
        "@digest\tnone",
        "@bias\t" + "\t".join(map(str, biases)),
    ]
    for feature, row in table.items():
        lines.append(feature + "\t1.0\t" + "\t".join(map(str, row)))
    return "\n".join(lines) + "\n"


def test_features_are_lemmas_and_adjacent_pairs() -> None:
    assert features(["薬", "を", "飲む"]) == {"薬", "を", "飲む", "薬 を", "を 飲む"}
    assert features([]) == set()


def test_probabilities_are_logistics_of_the_scaled_sums() -> None:
    model = parse_model(
        tiny_model(
            {"薬": weights(urgent=3.0, high=1.0), "飲む": weights(urgent=1.0), "薬 を": weights()}
        )
    )
    # Three present features with idf 1: unit length divides each by sqrt(3).
    urgent, high, watch = model.probabilities(["薬", "を", "飲む"])
    assert urgent == pytest.approx(1.0 / (1.0 + math.exp(-(-4.0 + 4.0 / math.sqrt(3)))))
    assert high == pytest.approx(1.0 / (1.0 + math.exp(-(-4.0 + 1.0 / math.sqrt(3)))))
    assert watch == pytest.approx(1.0 / (1.0 + math.exp(4.0)))
    # Nothing known: the biases alone.
    assert model.probabilities(["猫"])[0] == pytest.approx(1.0 / (1.0 + math.exp(4.0)))


def test_opinion_names_the_strongest_reasons_and_the_support_without_them() -> None:
    model = parse_model(
        tiny_model(
            {
                "a": weights(urgent=9.0),
                "b": weights(urgent=8.0),
                "c": weights(urgent=-1.0),
                "a b": weights(urgent=0.2),
            },
            bias=-2.0,
        )
    )
    opinion = model.opinion(["a", "b", "c"], Level.URGENT)
    assert opinion.reasons == ("a", "b", "a b")
    assert opinion.probability > 0.99
    # Without a and b only "a b" and "c" are left: far from sure.
    assert opinion.without_strongest < 0.3
    assert not model.raises(opinion)
    assert model.second_opinion(["a", "b", "c"], Level.NONE) is None


def test_a_single_word_cannot_raise_a_reply() -> None:
    model = parse_model(tiny_model({"灯油": weights(urgent=40.0, high=40.0, watch=40.0)}))
    opinion = model.opinion(["灯油"], Level.URGENT)
    assert opinion.probability > 0.99
    assert not model.raises(opinion)
    assert model.second_opinion(["灯油"], Level.NONE) is None


def test_the_highest_level_the_model_is_sure_of_wins() -> None:
    words = ("a", "b", "c", "d", "e", "f")
    model = parse_model(tiny_model({word: weights(high=6.0, watch=6.0) for word in words}))
    opinion = model.second_opinion(list(words), Level.NONE)
    assert opinion is not None and opinion.level is Level.HIGH
    # Never to the level the reply already has, or below it.
    assert model.second_opinion(list(words), Level.HIGH) is None
    sure = parse_model(tiny_model({word: weights(urgent=6.0) for word in words}))
    raised = sure.second_opinion(list(words), Level.HIGH)
    assert raised is not None and raised.level is Level.URGENT


def test_categories_name_at_least_one() -> None:
    model = parse_model(tiny_model({"a": weights(violence=5.0, loneliness=5.0)}))
    assert model.categories(["a"], Level.URGENT) == ("violence",)
    assert model.categories(["a"], Level.WATCH) == ("loneliness",)
    assert model.categories(["unknown"], Level.URGENT)[0] in URGENT_KINDS
    assert model.categories(["unknown"], Level.HIGH)[0] in CATEGORIES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@bias" + "\t0" * COLUMNS + "\n", "@thresholds"),
        ("@thresholds\t0.8\t0.9\t0.9\n@robustness\t2\t0.3\n@bias\t0\t0\n", "line 3"),
        (tiny_model({}, thresholds=(1.5, 0.9, 0.9)), "probabilities"),
        (tiny_model({}) + "word\t1.0\tx" + "\t0" * (COLUMNS - 1) + "\n", "line 5"),
        (tiny_model({}) + "word\t1.0\n", "line 5"),
    ],
)
def test_malformed_model_files_are_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        parse_model(text)


def test_the_packaged_model_was_trained_on_the_corpora_as_they_are() -> None:
    # Fails when a corpus changed and the model was not retrained:
    # python -m tests.tools.train_distress_model
    assert recorded_digest() == corpora_digest()
    model = load_model()
    assert model.digest == corpora_digest()
    assert all(0.5 <= value < 1.0 for value in model.thresholds.values())
    assert len(model.idf) > 1000


def test_no_lexicon_rule_is_named_like_the_model() -> None:
    assert not set(MODEL_RULES.values()) & {rule.id for rule in load_lexicon().rules}
    assert MODEL_PATH.exists()


# -- fitting --------------------------------------------------------------------------------


def test_fit_separates_what_it_was_shown() -> None:
    rows = [[("danger", 1.0)]] * 20 + [[("fine", 1.0)]] * 60
    fitted = fit(rows, [True] * 20 + [False] * 60)
    assert fitted.weights["danger"] > 1.0 > 0.0 > fitted.weights["fine"]


def test_fit_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both classes"):
        fit([[("a", 1.0)]], [True])


def test_a_trained_model_survives_its_file() -> None:
    def example(i: int, level: str, *categories: str) -> Example:
        return Example(id=f"{level}{i}", text="", level=level, categories=categories)

    examples = [example(i, "urgent", "suicide") for i in range(6)]
    examples += [example(i, "watch", "loneliness") for i in range(6)]
    examples += [example(i, "none") for i in range(12)]
    lemmas = [["もう", "消える", "たい"]] * 3 + [["薬", "全部", "飲む"]] * 3
    lemmas += [["ずっと", "一人", "寂しい"]] * 3 + [["誰", "も", "いない"]] * 3
    lemmas += [["今日", "は", "晴れ"]] * 6 + [["ご飯", "食べる", "た"]] * 6
    idf, models = train(examples, lemmas)
    model = parse_model(model_text(idf, models, digest="test"))
    assert model.digest == "test"
    assert model.probabilities(["もう", "消える", "たい"])[0] > 0.8
    assert model.probabilities(["ずっと", "一人", "寂しい"])[0] < 0.2
    assert model.probabilities(["ずっと", "一人", "寂しい"])[2] > 0.8
    assert model.probabilities(["ご飯", "食べる", "た"])[2] < 0.2
    assert model.categories(["もう", "消える", "たい"], Level.URGENT) == ("suicide",)
    assert model.categories(["ずっと", "一人", "寂しい"], Level.WATCH) == ("loneliness",)


# -- in the assessor ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules():
    """The packaged assessor without its model (sharing its compiled lexicon: compiling
    one takes about a second)."""
    return default_assessor().with_model(None)


def _strong(words: tuple[str, ...], **columns: float) -> dict[str, tuple[float, ...]]:
    """Weights that make a reply with all of ``words`` urgent, of the kind in ``columns``."""
    return {word: weights(urgent=6.0, **columns) for word in words}


SEA = ("窓", "海", "方", "見る", "てる")


def test_the_model_raises_what_the_rules_found_nothing_in(rules) -> None:
    text = "窓から海の方を見てる"
    assert rules.assess(text).level is Level.NONE
    model = parse_model(tiny_model(_strong(SEA, suicide=6.0)))
    result = rules.with_model(model).assess(text)
    assert result.level is Level.URGENT
    assert result.categories == ("suicide",)
    first = result.evidence[0]
    assert first.rule == MODEL_RULES[Level.URGENT] == "model.urgent"
    assert first.note.startswith("model p=")
    assert first.span in {"窓", "海", "方", "見", "てる"}
    assert text[first.start : first.end] == first.span


def test_the_model_raises_to_watch_with_its_categories(rules) -> None:
    text = "窓から海の方を見てる"
    table = {word: weights(watch=6.0, loneliness=6.0) for word in SEA}
    result = rules.with_model(parse_model(tiny_model(table))).assess(text)
    assert result.level is Level.WATCH
    assert result.categories == ("loneliness",)
    assert result.evidence[0].rule == "model.watch"


def test_the_model_keeps_the_rules_evidence_and_categories(rules) -> None:
    text = "もう疲れた。窓から海の方を見てる"
    verdict = rules.assess(text)
    assert verdict.level < Level.URGENT and verdict.evidence
    model = parse_model(tiny_model(_strong(SEA, suicide=6.0)))
    result = rules.with_model(model).assess(text)
    assert result.level is Level.URGENT
    assert result.evidence[1:] == verdict.evidence
    assert set(verdict.categories) | {"suicide"} == set(result.categories)


def test_below_its_threshold_the_model_changes_nothing(rules) -> None:
    text = "窓から海の方を見てる"
    model = parse_model(tiny_model(_strong(("窓",))))
    assert rules.with_model(model).assess(text) == rules.assess(text)


def test_the_model_never_lowers(rules) -> None:
    text = "死にたい"
    model = parse_model(tiny_model({"死ぬ": weights(urgent=-50.0), "たい": weights(urgent=-50.0)}))
    assert rules.with_model(model).assess(text) == rules.assess(text)


@pytest.mark.parametrize(
    "text",
    [
        "死ぬほど眠い",  # an urgent rule read as an idiom
        "死にたいなんて思ったことない",  # an urgent rule negated
        "お酒と薬は一緒に飲まないようにしてる",  # a high rule negated
    ],
)
def test_the_model_does_not_overrule_the_rules_reading_of_risk_words(rules, text) -> None:
    lemmas = rules.lemmas(text)
    model = parse_model(tiny_model({lemma: weights(urgent=8.0) for lemma in lemmas}))
    assert model.second_opinion(lemmas, Level.NONE) is not None
    assert rules.with_model(model).assess(text) == rules.assess(text)


def test_per_morpheme_terms_are_the_features_of_the_lemmas() -> None:
    # The assessor looks the model's terms up per morpheme (cached), not by building the
    # feature strings: the two must agree, repeated words and pairs counted once.
    from bot.domain.distress.assessor import _model_terms

    assessor = default_assessor()
    model = assessor.model
    assert model is not None
    texts = [example.text for example in load_corpus(DEFAULT_CORPUS)]
    texts += ["つらいつらいつらい", "薬 薬 薬を飲む飲む", "もう疲れた。もう疲れた"]
    for text in texts:
        _, tokenizer_text, _ = assessor._normalize(text, assessor._shared_gate)
        tokens = assessor._tokens(tokenizer_text)
        by_morpheme = model.scores_of(_model_terms(tokens))
        by_features = model._level_scores([token.lemma for token in tokens])
        assert by_morpheme == pytest.approx(by_features, abs=1e-12), text


def test_lemmas_are_what_the_assessor_reads(rules) -> None:
    assessor = rules
    assert assessor.lemmas("ｷｴﾀｲ") == assessor.lemmas("消えたい")
    assert assessor.lemmas("") == []


# -- the packaged model on replies no rule was written for -------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "残りの薬、全部今夜の分にする",  # the rules: none
        "インコのこと、頼みます。えさは戸棚の上です",  # the rules: none
        "今夜、あの橋まで歩いてみる。もう疲れたから",  # the rules: watch
    ],
)
def test_the_packaged_model_finds_indirect_risk(rules, text: str) -> None:
    assert rules.assess(text).level < Level.URGENT
    assert assess(text).level is Level.URGENT
