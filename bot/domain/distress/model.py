"""A learned second opinion on the level: logistic regression over a reply's lemmas.

The rules in ``lexicon.toml`` read what they were written for precisely, but blind rounds of
fresh replies showed them missing what is said in words no rule names (a third to a half of
urgent replies in sets written to be indirect; a quarter of serious needs and of low moods
in natural mixes). Linear models over lemma unigrams and bigrams, trained on every labelled
reply, recognise many of those from the company the words keep. They only ever *raise* a
reply (see ``Assessor``): never lower it or hide what the rules found, and the rules'
readings of the risk words they matched (negation, idiom, someone else's words) stand.

Three ordinal models say how likely a reply is to be at least ``watch``, at least ``high``
and ``urgent``; each raises only when sure (its threshold) on broad grounds (still fairly
sure without its two strongest words). Four more tell which kind of urgency it is (trained
on urgent replies only), and one per category which categories a raised reply is about
(trained on replies of at least ``watch``): the categories an alert shows.

The weights live in ``distress_model.tsv`` beside the lexicon, written by
``python -m tests.tools.train_distress_model`` from the labelled corpora (whose digest the
file records, so a test notices when the corpora change and the model was not retrained).
Features are binary, weighted by inverse document frequency and scaled to unit length; a
probability is the logistic function of a weighted sum.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

from .levels import CATEGORIES, Level

__all__ = [
    "MODEL_FILE",
    "RAISED_LEVELS",
    "URGENT_KINDS",
    "DistressModel",
    "ModelError",
    "Opinion",
    "features",
    "load_model",
    "logistic",
    "parse_model",
]

MODEL_FILE = "distress_model.tsv"
# The levels the model can raise a reply to, in the order of its first columns.
RAISED_LEVELS: tuple[Level, ...] = (Level.URGENT, Level.HIGH, Level.WATCH)
# The categories of urgency the model tells apart (the definition of urgent).
URGENT_KINDS: tuple[str, ...] = ("suicide", "self_harm", "violence", "medical")
# Column layout of a feature's weights: the levels, the kinds of urgency, the categories.
_KIND_COLUMN = len(RAISED_LEVELS)
_CATEGORY_COLUMN = _KIND_COLUMN + len(URGENT_KINDS)
COLUMNS = _CATEGORY_COLUMN + len(CATEGORIES)
# Joins the two lemmas of a bigram feature; lemmas never contain a space (MeCab splits there).
BIGRAM_JOIN = " "


class ModelError(ValueError):
    """The model file is malformed; the message names the line at fault."""


def features(lemmas: Sequence[str]) -> set[str]:
    """The model's features of a lemma sequence: each lemma and each adjacent pair."""
    found = set(lemmas)
    found.update(map(BIGRAM_JOIN.join, pairwise(lemmas)))
    return found


def logistic(score: float) -> float:
    """The logistic function, safe for very negative scores."""
    if score < -40.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-score))


@dataclass(frozen=True, slots=True)
class Opinion:
    """One model's view of one reply."""

    level: Level  # the level this model speaks for
    probability: float  # that the reply is at least at ``level``
    # The probability without the strongest few contributions towards it: high only when
    # the reading does not hang on one or two words (ドア, 灯油 also live in everyday life).
    without_strongest: float
    # The features that pushed hardest towards the level, strongest first.
    reasons: tuple[str, ...]


class DistressModel:
    """Scores lemma sequences; built from the model file by :func:`parse_model`."""

    def __init__(
        self,
        thresholds: tuple[float, ...],
        robustness: tuple[int, float],
        digest: str,
        idf: dict[str, float],
        weights: dict[str, tuple[float, ...]],
        bias: tuple[float, ...],
    ) -> None:
        # Per RAISED_LEVELS: the probability from which the model raises to that level.
        self.thresholds = dict(zip(RAISED_LEVELS, thresholds, strict=True))
        # (k, floor): the probability without the k strongest contributions must reach floor.
        self.robustness = robustness
        self.digest = digest  # sha256 of the corpora it was trained on
        self.idf = idf
        self.weights = weights  # feature -> one weight per column (see COLUMNS)
        self.bias = bias
        self._log_odds_thresholds = tuple(
            math.log(value / (1.0 - value)) for value in self.thresholds.values()
        )
        # Per level: (score index, log-odds threshold) of each raised level above it, in
        # RAISED_LEVELS order, for may_raise: comparing Levels is a Python call each.
        self._bars_above = {
            level: tuple(
                (index, bar)
                for index, (raised, bar) in enumerate(
                    zip(RAISED_LEVELS, self._log_odds_thresholds, strict=True)
                )
                if raised > level
            )
            for level in Level
        }
        # feature -> (idf squared, idf x weight for urgent, high, watch): the sums the
        # level probabilities need, for the hot path.
        self._terms = {
            feature: (value * value, *(value * weight for weight in weights[feature][:3]))
            for feature, value in idf.items()
        }
        # first lemma -> second lemma -> the bigram feature's terms (the same tuples), so
        # the assessor can look bigrams up per morpheme without building their strings.
        # The lemmas are interned, as the assessor's morphemes' lemmas are: a lookup by
        # one finds its key by identity.
        self._pairs: dict[str, dict[str, tuple[float, ...]]] = {}
        for feature, terms in self._terms.items():
            first, join, second = feature.partition(BIGRAM_JOIN)
            if join:
                self._pairs.setdefault(sys.intern(first), {})[sys.intern(second)] = terms

    def term(self, lemma: str) -> tuple[float, ...] | None:
        """The lemma's own feature terms (for :meth:`scores_of`), if it is a feature."""
        return self._terms.get(lemma)

    def terms_after(self, lemma: str) -> dict[str, tuple[float, ...]] | None:
        """The terms of the bigram features starting with ``lemma``, by the second lemma."""
        return self._pairs.get(lemma)

    def scores_of(self, terms: Collection[tuple[float, ...]]) -> tuple[float, float, float]:
        """The urgent, high and watch models' scores (log-odds) of a reply whose distinct
        present features have these terms (see :meth:`term`, :meth:`terms_after`)."""
        bias = self.bias
        if not terms:
            return bias[0], bias[1], bias[2]
        squares, urgent, high, watch = map(sum, zip(*terms, strict=True))
        scale = 1.0 / math.sqrt(squares)
        return bias[0] + urgent * scale, bias[1] + high * scale, bias[2] + watch * scale

    def _level_scores(self, lemmas: Sequence[str]) -> tuple[float, float, float]:
        """The urgent, high and watch models' scores (log-odds) for these lemmas."""
        found = set(lemmas)
        found.update(map(BIGRAM_JOIN.join, pairwise(lemmas)))
        return self.scores_of(list(filter(None, map(self._terms.get, found))))

    def may_raise(self, scores: tuple[float, float, float], level: Level) -> bool:
        """Whether some level above ``level`` passes its threshold with these scores (the
        cheap test before :meth:`second_opinion` looks at the reasons)."""
        for index, bar in self._bars_above[level]:
            if scores[index] >= bar:
                return True
        return False

    def probabilities(self, lemmas: Sequence[str]) -> tuple[float, float, float]:
        """How likely a reply with these lemmas is urgent, at least high, at least watch."""
        urgent, high, watch = self._level_scores(lemmas)
        return logistic(urgent), logistic(high), logistic(watch)

    def _values(self, lemmas: Sequence[str]) -> list[tuple[str, float]]:
        """Each present feature with its value: its idf, scaled to unit length overall."""
        present = [feature for feature in features(lemmas) if feature in self.idf]
        norm = math.sqrt(sum(self.idf[feature] ** 2 for feature in present)) or 1.0
        return [(feature, self.idf[feature] / norm) for feature in present]

    def _scores(self, lemmas: Sequence[str], column: int) -> list[tuple[float, str]]:
        """Each present feature's contribution to ``column``'s score, largest first."""
        return sorted(
            ((value * self.weights[f][column], f) for f, value in self._values(lemmas)),
            reverse=True,
        )

    def opinion(self, lemmas: Sequence[str], level: Level, reasons: int = 3) -> Opinion:
        """The level model's probability, how it stands without its strongest support, and
        the reasons."""
        column = RAISED_LEVELS.index(level)
        contributions = self._scores(lemmas, column)
        score = self.bias[column] + sum(value for value, _ in contributions)
        strongest = sum(value for value, _ in contributions[: self.robustness[0]] if value > 0)
        return Opinion(
            level,
            logistic(score),
            logistic(score - strongest),
            tuple(f for value, f in contributions[:reasons] if value > 0),
        )

    def raises(self, opinion: Opinion) -> bool:
        """Whether the model is sure enough, on broad enough grounds, to say its level."""
        return (
            opinion.probability >= self.thresholds[opinion.level]
            and opinion.without_strongest >= self.robustness[1]
        )

    def second_opinion(
        self,
        lemmas: Sequence[str],
        level: Level,
        scores: tuple[float, float, float] | None = None,
    ) -> Opinion | None:
        """The highest level above ``level`` the model raises this reply to, or None.

        ``scores``: the reply's :meth:`scores_of`, if known.
        """
        if scores is None:
            scores = self._level_scores(lemmas)
        # Compared as log-odds: no exp() for the many replies that stay as they are.
        for raised, score, bar in zip(
            RAISED_LEVELS, scores, self._log_odds_thresholds, strict=True
        ):
            if raised <= level:
                return None
            if score >= bar:
                opinion = self.opinion(lemmas, raised)
                if self.raises(opinion):
                    return opinion
        return None

    def _likely(self, lemmas: Sequence[str], first: int, names: tuple[str, ...]) -> list[str]:
        values = self._values(lemmas)
        scores = []
        for column, name in enumerate(names, start=first):
            score = self.bias[column] + sum(value * self.weights[f][column] for f, value in values)
            scores.append((logistic(score), name))
        likely = [name for probability, name in scores if probability >= 0.5]
        return likely or [max(scores)[1]]

    def categories(self, lemmas: Sequence[str], level: Level) -> tuple[str, ...]:
        """What a reply raised to ``level`` is about (in CATEGORIES order): at least one.

        Urgent: the kinds of urgency (URGENT_KINDS); otherwise any category.
        """
        if level is Level.URGENT:
            found = self._likely(lemmas, _KIND_COLUMN, URGENT_KINDS)
        else:
            found = self._likely(lemmas, _CATEGORY_COLUMN, CATEGORIES)
        return tuple(category for category in CATEGORIES if category in found)


def _floats(fields: Iterable[str], line_number: int) -> tuple[float, ...]:
    try:
        return tuple(float(field) for field in fields)
    except ValueError:
        raise ModelError(f"line {line_number}: expected numbers") from None


def parse_model(text: str) -> DistressModel:
    """Build the model from the text of a model file (see ``model_text`` in the trainer).

    Lines: ``#`` comments; ``@thresholds<TAB>urgent<TAB>high<TAB>watch``,
    ``@robustness<TAB>k<TAB>floor``, ``@digest<TAB>hex``, ``@bias<TAB>b...`` (one per
    column); then one ``feature<TAB>idf<TAB>weight...`` line per feature.
    """
    thresholds: tuple[float, ...] | None = None
    robustness: tuple[int, float] | None = None
    digest = ""
    bias: tuple[float, ...] | None = None
    idf: dict[str, float] = {}
    weights: dict[str, tuple[float, ...]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if fields[0] == "@thresholds" and len(fields) == 1 + len(RAISED_LEVELS):
            thresholds = _floats(fields[1:], number)
        elif fields[0] == "@robustness" and len(fields) == 3:
            count, floor = _floats(fields[1:], number)
            robustness = int(count), floor
        elif fields[0] == "@digest" and len(fields) == 2:
            digest = fields[1]
        elif fields[0] == "@bias" and len(fields) == 1 + COLUMNS:
            bias = _floats(fields[1:], number)
        elif len(fields) == 2 + COLUMNS and not fields[0].startswith("@"):
            values = _floats(fields[1:], number)
            idf[fields[0]] = values[0]
            weights[fields[0]] = values[1:]
        else:
            raise ModelError(f"line {number}: expected {2 + COLUMNS} tab-separated fields")
    if thresholds is None or robustness is None or bias is None:
        raise ModelError("the model file needs @thresholds, @robustness and @bias lines")
    if not all(0.0 < value < 1.0 for value in thresholds) or not 0.0 <= robustness[1] < 1.0:
        raise ModelError("the model's thresholds and robustness floor are probabilities")
    return DistressModel(thresholds, robustness, digest, idf, weights, bias)


@cache
def load_model() -> DistressModel:
    """The packaged model (parsed once per process)."""
    source = resources.files(__package__).joinpath(MODEL_FILE)
    return parse_model(source.read_text(encoding="utf-8"))
