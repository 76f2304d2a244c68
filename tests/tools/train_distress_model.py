"""Train the assessor's learned model (``bot/domain/distress/distress_model.tsv``).

Usage: ``python -m tests.tools.train_distress_model [--check]``. Reads every labelled reply
(the development corpus and the held-out corpus), reads each one's lemmas the way the
assessor does, fits the models and writes the file. ``--check`` only says whether the file
was trained on the corpora as they are now (the test suite checks the same).

The fit is plain logistic regression with an L2 penalty, by stochastic gradient descent with
per-feature step sizes (AdaGrad), classes weighted to count equally; the shuffling is seeded,
so the same corpora give the same file. Hand-written because the model is small (a few
thousand sparse features) and the product must not need numerical libraries to run it: a
fit takes a few seconds. ``fit`` is shared with the cross-validation tool.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.domain.distress import Assessor, Level
from bot.domain.distress.levels import CATEGORIES
from bot.domain.distress.lexicon import load_lexicon
from bot.domain.distress.model import MODEL_FILE, RAISED_LEVELS, URGENT_KINDS, features
from tests.tools.score_distress import DEFAULT_CORPUS, Example, load_corpus

HELDOUT_CORPUS = DEFAULT_CORPUS.with_name("distress_heldout.jsonl")
CORPORA: tuple[Path, ...] = (DEFAULT_CORPUS, HELDOUT_CORPUS)
MODEL_PATH = Path(__file__).resolve().parents[2] / "bot" / "domain" / "distress" / MODEL_FILE

# Per RAISED_LEVELS (urgent, high, watch), from leave-one-round-out cross-validation over
# the held-out rounds (crossval_distress_model). Urgent at 0.8: the model found 5 in 10 of
# the urgent replies the rules of the day missed, while making about 1 in 80 of the other
# replies urgent; 0.75 finds a little more and raises more, 0.9 loses a fifth of the gain.
# High and watch at 0.9: serious needs and low moods the rules missed, for few false alarms.
THRESHOLDS = (0.8, 0.9, 0.9)
# ... and only when the probability without the two strongest contributions is at least 0.3:
# in the same cross-validation this halved the development corpus's tricky negatives raised
# to urgent (17 to 9 of 703) and cost 1 of the 1,028 urgent replies.
ROBUSTNESS = (2, 0.3)
# A feature must occur in this many training replies: rarer ones are noise.
MIN_DOCUMENTS = 2
# Inverse strength of the L2 penalty, epochs and base step size: chosen by the same
# cross-validation (C from 1 to 16; 20 epochs are past where the scores stop moving).
PENALTY_C = 4.0
EPOCHS = 20
STEP = 0.3
SEED = 0
# The bias of a kind model that has nothing to learn from: its probability is ~0.
NEVER = -10.0


@dataclass(frozen=True)
class Fitted:
    """One logistic regression: a weight per feature and a bias."""

    weights: dict[str, float]
    bias: float


def corpora_digest(paths: Sequence[Path] = CORPORA) -> str:
    """sha256 over the corpora's bytes: what the model file records it was trained on."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inverse_document_frequencies(documents: Sequence[set[str]]) -> dict[str, float]:
    """Smoothed idf of each feature found in at least MIN_DOCUMENTS documents."""
    counts: dict[str, int] = {}
    for document in documents:
        for feature in document:
            counts[feature] = counts.get(feature, 0) + 1
    total = len(documents)
    return {
        feature: math.log((1 + total) / (1 + count)) + 1.0
        for feature, count in counts.items()
        if count >= MIN_DOCUMENTS
    }


def vectors(documents: Sequence[set[str]], idf: dict[str, float]) -> list[list[tuple[str, float]]]:
    """Each document as (feature, value) pairs: idf-weighted, scaled to unit length."""
    result = []
    for document in documents:
        present = [(feature, idf[feature]) for feature in sorted(document) if feature in idf]
        norm = math.sqrt(sum(value * value for _, value in present)) or 1.0
        result.append([(feature, value / norm) for feature, value in present])
    return result


def fit(rows: Sequence[list[tuple[str, float]]], labels: Sequence[bool]) -> Fitted:
    """Logistic regression of ``labels`` on ``rows`` (see the module docstring)."""
    count = len(rows)
    positives = sum(labels)
    if not 0 < positives < count:
        raise ValueError("both classes are needed to fit")
    class_weight = {True: count / (2 * positives), False: count / (2 * (count - positives))}
    penalty = 1.0 / (PENALTY_C * count)  # each step's share of the L2 term
    weights: dict[str, float] = {}
    squares: dict[str, float] = {}
    bias = 0.0
    bias_squares = 1e-8
    order = list(range(count))
    shuffle = random.Random(SEED).shuffle
    for _ in range(EPOCHS):
        shuffle(order)
        for i in order:
            row = rows[i]
            score = bias + sum(weights.get(feature, 0.0) * value for feature, value in row)
            probability = 1.0 / (1.0 + math.exp(-score)) if score > -40.0 else 0.0
            error = class_weight[labels[i]] * (probability - labels[i])
            bias_squares += error * error
            bias -= STEP * error / math.sqrt(bias_squares)
            for feature, value in row:
                weight = weights.get(feature, 0.0)
                gradient = error * value + penalty * weight
                squares[feature] = accumulated = squares.get(feature, 1e-8) + gradient**2
                weights[feature] = weight - STEP * gradient / math.sqrt(accumulated)
    return Fitted(weights, bias)


def read_lemmas(examples: Sequence[Example], assessor: Assessor) -> list[list[str]]:
    """Each example's lemmas, read exactly as the assessor reads them at run time."""
    return [assessor.lemmas(example.text) for example in examples]


def _fit_or_constant(rows: Sequence[list[tuple[str, float]]], labels: list[bool]) -> Fitted:
    if any(labels) and not all(labels):
        return fit(rows, labels)
    # Nothing to learn (no example has it, or every one has): a constant answer.
    return Fitted({}, NEVER if not any(labels) else -NEVER)


def train(
    examples: Sequence[Example], lemmas: Sequence[Sequence[str]], categories: bool = True
) -> tuple[dict[str, float], list[Fitted]]:
    """The idf table and the fitted models, one per column of the model file: at least
    each of RAISED_LEVELS, then each of URGENT_KINDS (among urgent replies), then each of
    CATEGORIES (among replies of at least watch). ``categories=False`` fits only the level
    models and leaves the others constant (what cross-validation needs, four times faster).

    ``lemmas``: each example's lemmas (:func:`read_lemmas`).
    """
    documents = [features(sequence) for sequence in lemmas]
    idf = inverse_document_frequencies(documents)
    rows = vectors(documents, idf)
    rank = {"none": 0, "watch": 1, "high": 2, "urgent": 3}
    models = [
        fit(rows, [rank[example.level] >= rank[level.value] for example in examples])
        for level in RAISED_LEVELS
    ]
    for level, names in ((Level.URGENT, URGENT_KINDS), (Level.WATCH, CATEGORIES)):
        chosen = [i for i, example in enumerate(examples) if rank[example.level] >= rank[level]]
        for name in names:
            labels = [name in examples[i].categories for i in chosen] if categories else []
            models.append(_fit_or_constant([rows[i] for i in chosen], labels))
    return idf, models


def model_text(idf: dict[str, float], models: Sequence[Fitted], digest: str) -> str:
    """The model file's text (read by ``bot.domain.distress.model.parse_model``)."""
    lines = [
        "# The distress assessor's learned model: written by",
        "# `python -m tests.tools.train_distress_model` from the labelled corpora. Do not edit:",
        "# retrain. Columns: feature (a lemma, or two lemmas joined by a space), idf, then a",
        "# weight for: at least " + ", ".join(level.value for level in RAISED_LEVELS) + ";",
        "# " + ", ".join(URGENT_KINDS) + " (among urgent replies);",
        "# " + ", ".join(CATEGORIES) + " (among replies of at least watch).",
        "@thresholds\t" + "\t".join(str(value) for value in THRESHOLDS),
        f"@robustness\t{ROBUSTNESS[0]}\t{ROBUSTNESS[1]}",
        f"@digest\t{digest}",
        "@bias\t" + "\t".join(f"{model.bias:.3f}" for model in models),
    ]
    for feature in sorted(idf):
        weights = "\t".join(_weight(model.weights.get(feature, 0.0)) for model in models)
        lines.append(f"{feature}\t{idf[feature]:.3f}\t{weights}")
    return "\n".join(lines) + "\n"


def _weight(value: float) -> str:
    """Three decimals, and a bare 0 for the many weights that round to nothing (file size)."""
    text = f"{value:.3f}"
    return "0" if text in ("0.000", "-0.000") else text


def recorded_digest(path: Path = MODEL_PATH) -> str:
    """The corpora digest the model file says it was trained on ("" if none)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("@digest\t"):
            return line.split("\t", 1)[1]
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the file is current")
    args = parser.parse_args(argv)
    digest = corpora_digest()
    if args.check:
        current = MODEL_PATH.exists() and recorded_digest() == digest
        print("model is current" if current else "model is stale: retrain")
        return 0 if current else 1
    examples = [example for path in CORPORA for example in load_corpus(path)]
    idf, models = train(examples, read_lemmas(examples, Assessor(load_lexicon())))
    MODEL_PATH.write_text(model_text(idf, models, digest), encoding="utf-8")
    print(f"wrote {MODEL_PATH.name}: {len(idf)} features from {len(examples)} replies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
