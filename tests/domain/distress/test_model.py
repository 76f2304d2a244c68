"""The urgency model: its file format, its arithmetic, and how the assessor uses it."""

from __future__ import annotations

import math

import pytest

from bot.domain.distress import Assessor, Level, assess
from bot.domain.distress.assessor import MODEL_RULE
from bot.domain.distress.lexicon import load_lexicon
from bot.domain.distress.model import (
    URGENT_KINDS,
    ModelError,
    features,
    load_model,
    parse_model,
)
from tests.tools.score_distress import Example
from tests.tools.train_distress_model import (
    MODEL_PATH,
    corpora_digest,
    fit,
    model_text,
    recorded_digest,
    train,
)

# Weights per feature: urgency, then suicide, self_harm, violence, medical.
_ZERO_KINDS = (0.0, 0.0, 0.0, 0.0)


def tiny_model(
    weights: dict[str, tuple[float, ...]],
    bias: float = -4.0,
    threshold: float = 0.8,
    robustness: tuple[int, float] = (2, 0.3),
) -> str:
    """A model file with every feature's idf 1.0 (so each present feature counts alike)."""
    lines = [
        f"@threshold\t{threshold}",
        f"@robustness\t{robustness[0]}\t{robustness[1]}",
        "@digest\tnone",
        "@bias\t" + "\t".join(str(value) for value in (bias, -1.0, -1.0, -1.0, -1.0)),
    ]
    for feature, values in weights.items():
        row = (*values, *_ZERO_KINDS[len(values) - 1 :]) if len(values) < 5 else values
        lines.append(feature + "\t1.0\t" + "\t".join(str(value) for value in row))
    return "\n".join(lines) + "\n"


def test_features_are_lemmas_and_adjacent_pairs() -> None:
    assert features(["薬", "を", "飲む"]) == {"薬", "を", "飲む", "薬 を", "を 飲む"}
    assert features([]) == set()


def test_probability_is_the_logistic_of_the_scaled_sum() -> None:
    model = parse_model(tiny_model({"薬": (3.0,), "飲む": (1.0,), "薬 を": (0.5,)}))
    # Three present features with idf 1: unit length divides each by sqrt(3).
    expected = 1.0 / (1.0 + math.exp(-(-4.0 + (3.0 + 1.0 + 0.5) / math.sqrt(3))))
    assert model.probability(["薬", "を", "飲む"]) == pytest.approx(expected)
    # Nothing known: the bias alone.
    assert model.probability(["猫"]) == pytest.approx(1.0 / (1.0 + math.exp(4.0)))


def test_opinion_names_the_strongest_reasons_and_the_support_without_them() -> None:
    model = parse_model(
        tiny_model({"a": (9.0,), "b": (8.0,), "c": (-1.0,), "a b": (0.2,)}, bias=-2.0)
    )
    opinion = model.opinion(["a", "b", "c"])
    assert opinion.reasons == ("a", "b", "a b")
    assert opinion.probability > 0.99
    # Without a and b only "a b" and "c" are left: far from sure.
    assert opinion.without_strongest < 0.3
    assert not model.raises(opinion)


def test_a_single_word_cannot_make_a_reply_urgent() -> None:
    model = parse_model(tiny_model({"灯油": (40.0,)}))
    opinion = model.opinion(["灯油"])
    assert opinion.probability > 0.99
    assert not model.raises(opinion)


def test_broad_support_raises() -> None:
    words = {word: (6.0,) for word in ("a", "b", "c", "d", "e", "f")}
    model = parse_model(tiny_model(words))
    assert model.raises(model.opinion(list(words)))


def test_kinds_always_name_at_least_one_kind() -> None:
    model = parse_model(tiny_model({"a": (1.0, 0.0, 0.0, 5.0, 0.0)}))
    assert model.kinds(["a"]) == ("violence",)
    assert model.kinds(["unknown"])[0] in URGENT_KINDS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@bias\t0\t0\t0\t0\t0\n", "@threshold"),
        ("@threshold\t0.8\n@robustness\t2\t0.3\n@bias\t0\t0\n", "line 3"),
        ("@threshold\t1.5\n@robustness\t2\t0.3\n@bias\t0\t0\t0\t0\t0\n", "probabilities"),
        (tiny_model({}) + "word\t1.0\tx\t0\t0\t0\t0\n", "line 5"),
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
    assert 0.5 <= model.threshold < 1.0
    assert len(model.idf) > 1000


def test_no_lexicon_rule_is_named_like_the_model() -> None:
    assert MODEL_RULE not in {rule.id for rule in load_lexicon().rules}
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
    examples = [
        Example(id=f"u{i}", text="", level="urgent", categories=("suicide",)) for i in range(6)
    ] + [Example(id=f"n{i}", text="", level="none") for i in range(12)]
    lemmas = [["もう", "消える", "たい"]] * 3 + [["薬", "全部", "飲む"]] * 3
    lemmas += [["今日", "は", "晴れ"]] * 6 + [["ご飯", "食べる", "た"]] * 6
    idf, models = train(examples, lemmas)
    model = parse_model(model_text(idf, models, digest="test"))
    assert model.digest == "test"
    assert model.probability(["もう", "消える", "たい"]) > 0.8
    assert model.probability(["ご飯", "食べる", "た"]) < 0.2
    assert model.kinds(["もう", "消える", "たい"]) == ("suicide",)


# -- in the assessor ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


def _strong(words: tuple[str, ...], kind_column: int = 1) -> dict[str, tuple[float, ...]]:
    """Weights that make a reply with all of ``words`` urgent, of one kind."""
    kinds = [0.0, 0.0, 0.0, 0.0]
    kinds[kind_column - 1] = 6.0
    return {word: (6.0, *kinds) for word in words}


def test_the_model_raises_what_the_rules_found_nothing_in(lexicon) -> None:
    text = "窓から海の方を見てる"
    rules = Assessor(lexicon).assess(text)
    assert rules.level is Level.NONE
    model = parse_model(tiny_model(_strong(("窓", "海", "方", "見る", "てる"))))
    result = Assessor(lexicon, model).assess(text)
    assert result.level is Level.URGENT
    assert result.categories == ("suicide",)
    first = result.evidence[0]
    assert first.rule == MODEL_RULE
    assert first.note.startswith("model p=")
    assert first.span in {"窓", "海", "方", "見", "てる"}
    assert text[first.start : first.end] == first.span


def test_the_model_keeps_the_rules_evidence_and_categories(lexicon) -> None:
    text = "もう疲れた。窓から海の方を見てる"
    rules = Assessor(lexicon).assess(text)
    assert rules.level < Level.URGENT and rules.evidence
    model = parse_model(tiny_model(_strong(("窓", "海", "方", "見る", "てる"))))
    result = Assessor(lexicon, model).assess(text)
    assert result.level is Level.URGENT
    assert result.evidence[1:] == rules.evidence
    assert set(rules.categories) | {"suicide"} == set(result.categories)


def test_below_its_threshold_the_model_changes_nothing(lexicon) -> None:
    text = "窓から海の方を見てる"
    model = parse_model(tiny_model(_strong(("窓",))))
    assert Assessor(lexicon, model).assess(text) == Assessor(lexicon).assess(text)


def test_the_model_never_lowers(lexicon) -> None:
    text = "死にたい"
    model = parse_model(tiny_model({"死ぬ": (-50.0,), "たい": (-50.0,)}))
    assert Assessor(lexicon, model).assess(text) == Assessor(lexicon).assess(text)


@pytest.mark.parametrize(
    "text",
    [
        "死ぬほど眠い",  # an urgent rule read as an idiom
        "死にたいなんて思ったことない",  # an urgent rule negated
        "お酒と薬は一緒に飲まないようにしてる",  # a high rule negated
    ],
)
def test_the_model_does_not_overrule_the_rules_reading_of_risk_words(lexicon, text) -> None:
    lemmas = Assessor(lexicon).lemmas(text)
    model = parse_model(tiny_model({lemma: (8.0,) for lemma in lemmas}))
    assert model.raises(model.opinion(lemmas))
    assert Assessor(lexicon, model).assess(text) == Assessor(lexicon).assess(text)


def test_lemmas_are_what_the_assessor_reads(lexicon) -> None:
    assessor = Assessor(lexicon)
    assert assessor.lemmas("ｷｴﾀｲ") == assessor.lemmas("消えたい")
    assert assessor.lemmas("") == []


# -- the packaged model on replies no rule was written for -------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "明日の分の薬も、あさっての分も、今まとめて飲んだ",  # the rules: none
        "誰にも見つからない場所に行きたい。もう疲れたから",  # the rules: high
    ],
)
def test_the_packaged_model_finds_indirect_risk(lexicon, text: str) -> None:
    assert Assessor(lexicon).assess(text).level < Level.URGENT
    assert assess(text).level is Level.URGENT
