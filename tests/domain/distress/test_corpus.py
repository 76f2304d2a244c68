"""The development corpus must meet the quality bar (urgent recall, false alarms, macro-F1)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.tools.score_distress import DEFAULT_CORPUS, load_corpus, score


@pytest.fixture(scope="module")
def examples():
    return load_corpus(DEFAULT_CORPUS)


def test_corpus_meets_minimum_sizes(examples) -> None:
    counts = Counter(example.level for example in examples)
    assert counts["urgent"] >= 80
    assert counts["high"] >= 100
    assert counts["watch"] >= 150
    assert counts["none"] >= 250
    tricky_negatives = [e for e in examples if e.level == "none" and e.note]
    assert len(tricky_negatives) >= 100


def test_corpus_texts_are_unique(examples) -> None:
    texts = [example.text for example in examples]
    assert len(texts) == len(set(texts))


def test_corpus_thresholds(examples) -> None:
    scores = score(examples)
    assert scores.urgent_recall == 1.0, [
        example.text for example, predicted in scores.errors if example.level == "urgent"
    ]
    assert scores.none_false_alarm_rate <= 0.03
    assert scores.macro_f1 >= 0.90
