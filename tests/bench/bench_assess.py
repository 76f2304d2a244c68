"""Benchmark: replies/second of ``assess`` on one core vs bare fugashi tokenisation.

Run ``python -m tests.bench.bench_assess [count]``. Uses the development corpus texts,
cycled to ``count`` replies (default 20,000), and times both in the same run after a
warm-up pass.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.domain.distress import assess
from bot.domain.distress.tokenizer import bare_tokenize

CORPUS = Path(__file__).resolve().parents[1] / "data" / "distress_corpus.jsonl"


def _texts(count: int) -> list[str]:
    with CORPUS.open(encoding="utf-8") as lines:
        corpus = [json.loads(line)["text"] for line in lines if line.strip()]
    return list(itertools.islice(itertools.cycle(corpus), count))


def _best_of(runs: int, work: Callable[[str], object], texts: list[str]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for text in texts:
            work(text)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else 20_000
    texts = _texts(count)
    for text in texts[:1000]:  # warm up: tagger, lexicon, caches
        assess(text)
        bare_tokenize(text)
    bare = _best_of(3, bare_tokenize, texts)
    full = _best_of(3, assess, texts)
    print(f"replies: {count}")
    for label, seconds in (("bare fugashi tokenisation", bare), ("assess", full)):
        each = seconds / count * 1e6
        print(f"{label:26s} {count / seconds:9,.0f} replies/s ({each:.1f} µs each)")
    print(f"{'ratio assess / bare time':26s} {full / bare:9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
