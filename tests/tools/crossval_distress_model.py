"""How much the learned model adds on replies it has never seen: leave-one-round-out.

Usage: ``python -m tests.tools.crossval_distress_model``. The held-out corpus was written in
rounds, each by a writer who saw neither the rules nor the other rounds. For each round with
a recorded first verdict (``tests/data/distress_first_rules.json``: the level the rules gave
each reply when its round arrived, before the lexicon was fixed for it), a model is trained on
everything else exactly as the trainer trains the packaged one, written and parsed back as
the model file, and the rules' first verdicts are combined with it as the assessor combines
them (raise to the highest level the model is sure of on broad grounds, unless the rules
read the risk words there themselves: an urgent rule judged lower in its context, or a
serious one negated). Printed: urgent recall, the share of non-urgent replies made urgent,
the false-alarm rate on ``none``, recall and precision of high and watch, and macro-F1,
without and with the model, over all those rounds, over the rounds that mix all four
levels, and per round.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from bot.domain.distress import Assessor, Level
from bot.domain.distress.lexicon import load_lexicon
from bot.domain.distress.model import DistressModel, parse_model
from tests.tools.score_distress import DEFAULT_CORPUS, Example, Scores, load_corpus
from tests.tools.train_distress_model import CORPORA, model_text, read_lemmas, train

FIRST_RULES = DEFAULT_CORPUS.with_name("distress_first_rules.json")


def round_of(example: Example) -> str:
    """The round a held-out example belongs to: held-out ids are the round's prefix (one
    letter, or several once single letters ran out), the level's letter and a number."""
    return example.id[:-4]


def fold_model(
    examples: Sequence[Example], lemmas: Sequence[list[str]], rounds: Sequence[str], fold: str
) -> DistressModel:
    """The model trained on every example outside round ``fold`` (``rounds``: each one's);
    levels only (the category models do not change a level)."""
    train_on = [i for i, name in enumerate(rounds) if name != fold]
    idf, models = train(
        [examples[i] for i in train_on], [lemmas[i] for i in train_on], categories=False
    )
    return parse_model(model_text(idf, models, digest=""))


def verdicts(
    examples: Sequence[Example],
    first: dict[str, str],
    read_by_rules: set[str],
    raised: dict[str, str],
) -> tuple[Scores, int, int]:
    """Scores of the first verdicts with the ids in ``raised`` raised to the level there
    (unless the rules read the risk words there), the count of non-urgent replies that end
    up urgent, and the count of non-urgent replies."""
    scores = Scores()
    wrongly = non_urgent = 0
    for example in examples:
        level = first[example.id]
        if example.id in raised and example.id not in read_by_rules:
            level = raised[example.id]
        scores.add(example, level, ())
        if example.level != "urgent":
            non_urgent += 1
            wrongly += level == "urgent"
    return scores, wrongly, non_urgent


def _line(label: str, scores: Scores, wrongly: int, non_urgent: int) -> str:
    return (
        f"{label:<8s} urgent recall {scores.urgent_recall:.3f}, made urgent "
        f"{wrongly / non_urgent if non_urgent else 0.0:.3f} ({wrongly}); none false alarms "
        f"{scores.none_false_alarm_rate:.3f}; high R/P {scores.recall('high'):.3f}/"
        f"{scores.precision('high'):.3f}; watch R/P {scores.recall('watch'):.3f}/"
        f"{scores.precision('watch'):.3f}; macro-F1 {scores.macro_f1:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    del argv
    recorded = json.loads(FIRST_RULES.read_text(encoding="utf-8"))
    first: dict[str, str] = recorded["levels"]
    read_by_rules = set(recorded["read_by_rules"])
    development, held_out = (load_corpus(path) for path in CORPORA)
    examples = [*development, *held_out]
    names = ["dev"] * len(development) + [round_of(example) for example in held_out]
    lemmas = read_lemmas(examples, Assessor(load_lexicon()))
    rounds = sorted({round_of(example) for example in held_out if example.id in first})
    raised: dict[str, str] = {}
    for fold in rounds:
        model = fold_model(examples, lemmas, names, fold)
        for i, name in enumerate(names):
            example = examples[i]
            if name == fold and example.id in first:
                opinion = model.second_opinion(lemmas[i], Level(first[example.id]))
                if opinion is not None:
                    raised[example.id] = opinion.level.value
    judged = [example for example in held_out if example.id in first]
    levels_in: dict[str, set[str]] = {}
    for example in judged:
        levels_in.setdefault(round_of(example), set()).add(example.level)
    mixed = {name for name, levels in levels_in.items() if len(levels) == 4}
    print(f"{len(judged)} replies in {len(rounds)} rounds, each judged by a model without it")
    for label, part in (
        ("all rounds", judged),
        ("mixed rounds", [example for example in judged if round_of(example) in mixed]),
    ):
        print(label)
        print(_line("  rules", *verdicts(part, first, read_by_rules, {})))
        print(_line("  +model", *verdicts(part, first, read_by_rules, raised)))
    print("per round (urgent found: rules -> with the model, of all; non-urgent made urgent):")
    for fold in rounds:
        part = [example for example in judged if round_of(example) == fold]
        before, wrongly_before, non_urgent = verdicts(part, first, read_by_rules, {})
        after, wrongly_after, _ = verdicts(part, first, read_by_rules, raised)
        print(
            f"  round {fold}: urgent {before.confusion['urgent']['urgent']} -> "
            f"{after.confusion['urgent']['urgent']} of {sum(before.confusion['urgent'].values())}"
            f"; made urgent {wrongly_before} -> {wrongly_after} of {non_urgent}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
