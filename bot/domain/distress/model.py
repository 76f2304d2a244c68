"""A learned second opinion on urgency: logistic regression over a reply's lemmas.

The rules in ``lexicon.toml`` read what they were written for precisely, but blind rounds of
fresh replies showed them missing risk to life said in words no rule names (a third to a
half of urgent replies in sets written to be indirect). A linear model over lemma unigrams
and bigrams, trained on every labelled reply, recognises many of those from the company the
words keep. It only ever *raises* a reply to ``urgent`` (see ``Assessor``): it never lowers
or hides what the rules found, and the rules' contextual readings (negation, idiom, someone
else's words) stay in charge of the words they matched.

The weights live in ``urgent_model.tsv`` beside the lexicon, written by
``python -m tests.tools.train_distress_model`` from the labelled corpora (whose digest the
file records, so a test notices when the corpora change and the model was not retrained).
Features are binary, weighted by inverse document frequency and scaled to unit length; the
probability is the logistic function of the weighted sum. Columns after the urgency
weights are one-vs-rest models, trained on urgent replies only, for which kind of urgency it
is (the categories an alert shows).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from operator import itemgetter

__all__ = [
    "MODEL_FILE",
    "URGENT_KINDS",
    "ModelError",
    "Opinion",
    "UrgencyModel",
    "features",
    "load_model",
    "logistic",
    "parse_model",
]

MODEL_FILE = "urgent_model.tsv"
# The categories of urgency the model tells apart (the definition of urgent).
URGENT_KINDS: tuple[str, ...] = ("suicide", "self_harm", "violence", "medical")
# Joins the two lemmas of a bigram feature; lemmas never contain a space (MeCab splits there).
BIGRAM_JOIN = " "
_first = itemgetter(0)
_second = itemgetter(1)


class ModelError(ValueError):
    """The model file is malformed; the message names the line at fault."""


def features(lemmas: Sequence[str]) -> set[str]:
    """The model's features of a lemma sequence: each lemma and each adjacent pair."""
    found = set(lemmas)
    found.update(map(BIGRAM_JOIN.join, pairwise(lemmas)))
    return found


def logistic(score: float) -> float:
    if score < -40.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-score))


@dataclass(frozen=True, slots=True)
class Opinion:
    """The model's view of one reply."""

    probability: float  # that the reply is urgent
    # The probability without the strongest few contributions towards urgent: high only
    # when urgency does not hang on one or two words (ドア, 灯油 also live in everyday life).
    without_strongest: float
    # The features that pushed hardest towards urgent, strongest first.
    reasons: tuple[str, ...]


class UrgencyModel:
    """Scores lemma sequences; built from the model file by :func:`parse_model`."""

    def __init__(
        self,
        threshold: float,
        robustness: tuple[int, float],
        digest: str,
        idf: dict[str, float],
        weights: dict[str, tuple[float, ...]],
        bias: tuple[float, ...],
    ) -> None:
        self.threshold = threshold  # probability from which the model raises to urgent
        # (k, floor): the probability without the k strongest contributions must reach floor.
        self.robustness = robustness
        self.digest = digest  # sha256 of the corpora it was trained on
        self.idf = idf
        self.weights = weights  # feature -> (urgency weight, one weight per URGENT_KINDS)
        self.bias = bias
        # feature -> (idf squared, idf x urgency weight): the two sums the score needs.
        self._terms = {
            feature: (value * value, value * weights[feature][0]) for feature, value in idf.items()
        }

    def probability(self, lemmas: Sequence[str]) -> float:
        """How likely the model finds it that a reply with these lemmas is urgent."""
        found = set(lemmas)
        found.update(map(BIGRAM_JOIN.join, pairwise(lemmas)))
        # C-level passes: most replies are scored and few are raised, so this is the hot path.
        present = list(filter(None, map(self._terms.get, found)))
        if not present:
            return logistic(self.bias[0])
        norm = sum(map(_first, present))
        return logistic(self.bias[0] + sum(map(_second, present)) / math.sqrt(norm))

    def opinion(self, lemmas: Sequence[str], reasons: int = 3) -> Opinion:
        """The probability, how it stands without its strongest support, and the reasons."""
        present = [feature for feature in features(lemmas) if feature in self.idf]
        norm = math.sqrt(sum(self.idf[feature] ** 2 for feature in present)) or 1.0
        contributions = sorted(
            ((self.idf[f] * self.weights[f][0] / norm, f) for f in present), reverse=True
        )
        score = self.bias[0] + sum(value for value, _ in contributions)
        strongest = sum(value for value, _ in contributions[: self.robustness[0]] if value > 0)
        return Opinion(
            logistic(score),
            logistic(score - strongest),
            tuple(f for value, f in contributions[:reasons] if value > 0),
        )

    def raises(self, opinion: Opinion) -> bool:
        """Whether the model is sure enough, on broad enough grounds, to say urgent."""
        return (
            opinion.probability >= self.threshold
            and opinion.without_strongest >= self.robustness[1]
        )

    def kinds(self, lemmas: Sequence[str]) -> tuple[str, ...]:
        """Which kinds of urgency (``URGENT_KINDS``) the reply most likely is: at least one."""
        present = [feature for feature in features(lemmas) if feature in self.idf]
        norm = math.sqrt(sum(self.idf[feature] ** 2 for feature in present)) or 1.0
        scores = []
        for column, kind in enumerate(URGENT_KINDS, start=1):
            score = self.bias[column] + sum(
                self.idf[f] * self.weights[f][column] / norm for f in present
            )
            scores.append((logistic(score), kind))
        likely = tuple(kind for probability, kind in scores if probability >= 0.5)
        return likely or (max(scores)[1],)


def _floats(fields: Iterable[str], line_number: int) -> tuple[float, ...]:
    try:
        return tuple(float(field) for field in fields)
    except ValueError:
        raise ModelError(f"line {line_number}: expected numbers") from None


def parse_model(text: str) -> UrgencyModel:
    """Build the model from the text of a model file (see ``write_model`` in the trainer).

    Lines: ``#`` comments; ``@threshold<TAB>p``, ``@robustness<TAB>k<TAB>floor``,
    ``@digest<TAB>hex``, ``@bias<TAB>b...``; then one ``feature<TAB>idf<TAB>weight...``
    line per feature.
    """
    threshold: float | None = None
    robustness: tuple[int, float] | None = None
    digest = ""
    bias: tuple[float, ...] | None = None
    idf: dict[str, float] = {}
    weights: dict[str, tuple[float, ...]] = {}
    columns = 1 + len(URGENT_KINDS)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if fields[0] == "@threshold" and len(fields) == 2:
            threshold = _floats(fields[1:], number)[0]
        elif fields[0] == "@robustness" and len(fields) == 3:
            count, floor = _floats(fields[1:], number)
            robustness = int(count), floor
        elif fields[0] == "@digest" and len(fields) == 2:
            digest = fields[1]
        elif fields[0] == "@bias" and len(fields) == 1 + columns:
            bias = _floats(fields[1:], number)
        elif len(fields) == 2 + columns and not fields[0].startswith("@"):
            values = _floats(fields[1:], number)
            idf[fields[0]] = values[0]
            weights[fields[0]] = values[1:]
        else:
            raise ModelError(f"line {number}: expected {2 + columns} tab-separated fields")
    if threshold is None or robustness is None or bias is None:
        raise ModelError("the model file needs @threshold, @robustness and @bias lines")
    if not 0.0 < threshold < 1.0 or not 0.0 <= robustness[1] < 1.0:
        raise ModelError("the model's threshold and robustness floor are probabilities")
    return UrgencyModel(threshold, robustness, digest, idf, weights, bias)


@cache
def load_model() -> UrgencyModel:
    """The packaged model (parsed once per process)."""
    source = resources.files(__package__).joinpath(MODEL_FILE)
    return parse_model(source.read_text(encoding="utf-8"))
