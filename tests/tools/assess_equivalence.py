"""Freeze the assessor's output on a large text set, and check later versions against it.

Usage::

    python -m tests.tools.assess_equivalence save /tmp/assess_baseline.jsonl
    python -m tests.tools.assess_equivalence check /tmp/assess_baseline.jsonl

The set is the development corpus, the held-out corpus, bench replies from several seeds
(as the benchmark builds them) and random strings over the characters the normaliser and
the rules react to, with spaces and newlines, so fast paths and odd inputs are covered
too. Each output line holds the full assessment, including every evidence field, so a
speed-up that changes any detail of the output (a span, an offset, a note, the evidence
order) is caught.
``check`` prints the first differences and exits 1 if there are any.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from bot.domain.distress import assess
from tests.bench.bench_assess import _corpus, make_replies

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "distress_heldout.jsonl"

# Characters that steer normalisation, negation, jokes and regex rules, plus plain ones.
_ALPHABET = (
    "死にたいしきえかなとうくじゃはがもつれ辛ひんちぃぁーwｗW4氏タヒキエ。、 !?ab1"
    "消寝薬飲るてでけどのに眠ないへん😭💊🔪\n\t　ｶﾅｼｲ〜~"
)


def texts() -> list[str]:
    """The frozen text set, in a fixed order."""
    result = _corpus()
    with HELDOUT.open(encoding="utf-8") as lines:
        result += [json.loads(line)["text"] for line in lines if line.strip()]
    seen: set[str] = set()
    for seed in (101, 202, 303, 404, 505):
        result += make_replies(5_000, seed=seed, exclude=seen)
    rng = random.Random(7)
    for _ in range(5_000):
        result.append("".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 24))))
    return result


def _record(text: str) -> str:
    assessment = assess(text)
    evidence = [
        {
            "span": item.span,
            "rule": item.rule,
            "category": item.category,
            "categories": list(item.categories),
            "level": item.level.value,
            "note": item.note,
            "start": item.start,
            "end": item.end,
        }
        for item in assessment.evidence
    ]
    return json.dumps(
        {
            "text": text,
            "level": assessment.level.value,
            "categories": list(assessment.categories),
            "evidence": evidence,
        },
        ensure_ascii=False,
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("save", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    command, path = args[0], Path(args[1])
    records = [_record(text) for text in texts()]
    if command == "save":
        path.write_text("\n".join(records) + "\n", encoding="utf-8")
        print(f"saved {len(records)} assessments to {path}")
        return 0
    baseline = path.read_text(encoding="utf-8").splitlines()
    if len(baseline) != len(records):
        print(f"different text set: {len(baseline)} saved, {len(records)} now")
        return 1
    differences = [(old, new) for old, new in zip(baseline, records, strict=True) if old != new]
    for old, new in differences[:10]:
        print(f"- {old}\n+ {new}")
    print(f"{len(records)} assessments, {len(differences)} differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
