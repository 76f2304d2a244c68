"""Score the distress assessor on a labelled corpus (JSONL: text, level, categories).

Usage: ``python -m tests.tools.score_distress [path] [--errors]``. Prints per-level
precision/recall/F1, the confusion matrix, macro-F1, urgent recall and the false-alarm rate on
``none`` (share of ``none`` replies assessed as anything else). The functions are imported by
the corpus threshold test.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

LEVELS: tuple[str, ...] = ("urgent", "high", "watch", "none")
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "data" / "distress_corpus.jsonl"


@dataclass(frozen=True)
class Example:
    """One labelled reply."""

    id: str
    text: str
    level: str
    categories: tuple[str, ...] = ()
    note: str = ""


@dataclass
class Scores:
    """Level confusion counts and the figures derived from them."""

    confusion: dict[str, dict[str, int]] = field(
        default_factory=lambda: {gold: dict.fromkeys(LEVELS, 0) for gold in LEVELS}
    )
    errors: list[tuple[Example, str]] = field(default_factory=list)
    category_true_positive: int = 0
    category_predicted: int = 0
    category_gold: int = 0

    def add(self, example: Example, predicted: str, categories: Iterable[str]) -> None:
        self.confusion[example.level][predicted] += 1
        if predicted != example.level:
            self.errors.append((example, predicted))
        predicted_set, gold_set = set(categories), set(example.categories)
        self.category_true_positive += len(predicted_set & gold_set)
        self.category_predicted += len(predicted_set)
        self.category_gold += len(gold_set)

    def precision(self, level: str) -> float:
        predicted = sum(self.confusion[gold][level] for gold in LEVELS)
        return self.confusion[level][level] / predicted if predicted else 0.0

    def recall(self, level: str) -> float:
        gold = sum(self.confusion[level].values())
        return self.confusion[level][level] / gold if gold else 0.0

    def f1(self, level: str) -> float:
        precision, recall = self.precision(level), self.recall(level)
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    @property
    def macro_f1(self) -> float:
        return sum(self.f1(level) for level in LEVELS) / len(LEVELS)

    @property
    def urgent_recall(self) -> float:
        return self.recall("urgent")

    @property
    def none_false_alarm_rate(self) -> float:
        row = self.confusion["none"]
        total = sum(row.values())
        return (total - row["none"]) / total if total else 0.0

    @property
    def category_f1(self) -> float:
        precision = (
            self.category_true_positive / self.category_predicted
            if self.category_predicted
            else 0.0
        )
        recall = self.category_true_positive / self.category_gold if self.category_gold else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def load_corpus(path: Path = DEFAULT_CORPUS) -> list[Example]:
    """Read a JSONL corpus; raises ValueError naming the line of a malformed entry."""
    examples: list[Example] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                example = Example(
                    id=str(raw["id"]),
                    text=raw["text"],
                    level=raw["level"],
                    categories=tuple(raw.get("categories", ())),
                    note=raw.get("note", ""),
                )
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{number}: malformed entry ({error})") from None
            if example.level not in LEVELS:
                raise ValueError(f"{path}:{number}: unknown level {example.level!r}")
            examples.append(example)
    return examples


Assess = Callable[[str], tuple[str, Iterable[str]]]


def _default_assess(text: str) -> tuple[str, Iterable[str]]:
    from bot.domain.distress import assess

    assessment = assess(text)
    return assessment.level.value, assessment.categories


def score(examples: Iterable[Example], assess: Assess = _default_assess) -> Scores:
    """Assess every example and count agreements."""
    scores = Scores()
    for example in examples:
        level, categories = assess(example.text)
        scores.add(example, level, categories)
    return scores


def report(scores: Scores, show_errors: bool = False) -> str:
    """A human-readable summary of ``scores``."""
    lines = ["level     precision  recall     F1    n"]
    for level in LEVELS:
        lines.append(
            f"{level:8s}  {scores.precision(level):9.3f}  {scores.recall(level):6.3f}  "
            f"{scores.f1(level):5.3f}  {sum(scores.confusion[level].values()):3d}"
        )
    lines.append("")
    lines.append("confusion (rows = gold, columns = predicted)")
    lines.append("          " + "".join(f"{level:>8s}" for level in LEVELS))
    for gold in LEVELS:
        row = "".join(f"{scores.confusion[gold][predicted]:8d}" for predicted in LEVELS)
        lines.append(f"{gold:8s}  {row}")
    lines.append("")
    lines.append(f"macro-F1             {scores.macro_f1:.3f}")
    lines.append(f"urgent recall        {scores.urgent_recall:.3f}")
    lines.append(f"none false-alarm     {scores.none_false_alarm_rate:.3f}")
    lines.append(f"category micro-F1    {scores.category_f1:.3f}")
    if show_errors and scores.errors:
        lines.append("")
        lines.append("errors (gold -> predicted):")
        for example, predicted in scores.errors:
            lines.append(f"  {example.id}  {example.level} -> {predicted}  {example.text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--errors", action="store_true", help="list misclassified replies")
    args = parser.parse_args(argv)
    scores = score(load_corpus(args.path))
    print(report(scores, show_errors=args.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
