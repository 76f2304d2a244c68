"""Benchmark: replies/second of ``assess`` on one core vs bare fugashi tokenisation.

Run ``python -m tests.bench.bench_assess [count] [runs]``. Replies are built from the
development corpus: corpus texts combined with each other and with names, times, amounts and
greetings, so that every reply is a distinct text (a cache keyed by whole texts gains
nothing; caches keyed by words legitimately do, as they would on real traffic). Each timed
run gets its own fresh ``count`` replies (default 20,000), never seen before in the process;
bare tokenisation and ``assess`` are timed on the same replies in the same run, in
alternating order, after a warm-up on another set of replies. Single-threaded, so one core;
timed in process CPU time, so other jobs on the machine skew the figures less (they still
do, through shared caches). The median over ``runs`` (default 5) is reported. A second
reference is fugashi tokenisation reading every token's lemma (``word.feature.lemma``), the
issue's other figure: the least any lemma-based assessor must do with fugashi's objects.
``assess_many`` (what ``bansou assess`` uses on a file) is timed on the same replies too:
the same verdicts, stage by stage over batches of replies.

Then ``assess``'s stages are timed one by one on the same replies, each on the previous
stage's output: normalising, MeCab's parse (the C call alone), splitting its output into
lines and looking the morphemes up in the per-line cache, the rules (matching and judging)
and the learned model's second opinion (on the replies the rules did not find urgent). In
``assess`` the stages take longer than alone: run back to back, each evicts
the others' data from the CPU caches (MeCab's dictionary and connection matrix are large),
so the difference is printed as its own line.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.domain.distress import Assessor, Level
from bot.domain.distress.lexicon import load_lexicon
from bot.domain.distress.model import load_model
from bot.domain.distress.tokenizer import bare_tokenize, get_tagger

CORPUS = Path(__file__).resolve().parents[1] / "data" / "distress_corpus.jsonl"

_NAMES = (
    "田中", "佐藤", "鈴木", "高橋", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "ゆき",
    "はると", "さくら", "けんた", "みさき", "あおい", "ひなた", "りく", "ママ", "じいじ",
)  # fmt: skip
_OPENERS = (
    "おはよう", "こんばんは", "お疲れさま", "ありがとう", "ごめんね", "あのね", "えっと",
    "返信遅れました", "今起きた", "了解です", "うーん", "そうだね", "はい", "ただいま",
)  # fmt: skip
_JOINERS = ("。", "、", " ", "…", "! ", "。 ", "\n")
_NUMBERED = (
    "{n}時に起きた", "{n}時まで働いた", "あと{n}日", "{n}円しかない", "{n}日目",
    "{n}回目", "体温{n}度", "{n}分歩いた", "{n}人で会った", "{n}時間寝た", "{n}kmくらい",
    "今月{n}回", "{n}個食べた", "{n}階に住んでる", "{n}番線", "{n}歳になった",
)  # fmt: skip
_TAILS = ("", "", "", "", "!", "w", "笑", "…", "😢", "🙂", "?", "ね", "よ", "な")


def _corpus() -> list[str]:
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()]


def make_replies(count: int, seed: int, exclude: set[str] | None = None) -> list[str]:
    """``count`` distinct, realistic short replies (none of them in ``exclude``)."""
    corpus = _corpus()
    rng = random.Random(seed)
    seen = set() if exclude is None else exclude
    replies: list[str] = []
    while len(replies) < count:
        shape = rng.random()
        text = rng.choice(corpus)
        if shape < 0.30:
            text = rng.choice(corpus) + rng.choice(_JOINERS) + text
        elif shape < 0.50:
            text = rng.choice(_NAMES) + "です" + rng.choice(_JOINERS) + text
        elif shape < 0.65:
            text = rng.choice(_OPENERS) + rng.choice(_JOINERS) + text
        elif shape < 0.85:
            numbered = rng.choice(_NUMBERED).format(n=rng.randint(1, 2000))
            text = text + rng.choice(_JOINERS) + numbered
        text += rng.choice(_TAILS)
        while text in seen:  # keep every reply distinct: add a varying detail
            text += rng.choice(_JOINERS) + rng.choice(_NUMBERED).format(n=rng.randint(1, 9999))
        seen.add(text)
        replies.append(text)
    return replies


def _lemma_tokenize(text: str) -> list[str]:
    """fugashi tokenisation reading every token's UniDic lemma (the issue's second figure)."""
    return [word.feature.lemma for word in get_tagger()(text)]


def _time(work: Callable[[str], object], texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        work(text)
    return time.process_time() - start


def _time_items(work: Callable[..., object], items: list[tuple[Any, ...]]) -> float:
    start = time.process_time()
    for item in items:
        work(*item)
    return time.process_time() - start


def _stage_times(assessor: Assessor, texts: list[str]) -> dict[str, float]:
    """CPU seconds of each stage of ``assessor.assess`` alone, on ``texts``.

    Uses the assessor's stage methods (private, but this is their benchmark), as
    ``assess`` calls them: normalising also gates the regex rules (one substring search
    for both), and the rules get that mask.
    """
    gate = assessor._shared_gate
    shift = assessor._regex_shift

    def normalize(text: str) -> tuple[str, str, int | None]:
        return assessor._normalize(text, gate)

    parse = get_tagger().parse
    normalized = [normalize(text) for text in texts if text and not text.isspace()]
    tokens = [assessor._tokens(tokenizer_text) for _, tokenizer_text, _ in normalized]
    times = {
        "normalise": _time_items(assessor._normalize, [(text, gate) for text in texts]),
        "MeCab parse": _time(parse, [tokenizer_text for _, tokenizer_text, _ in normalized]),
        "lines + cache lookup": _time_items(
            assessor._tokens, [(tokenizer_text,) for _, tokenizer_text, _ in normalized]
        ),
        "rules (match + judge)": _time_items(
            assessor._assess_tokens,
            [
                (text, tokenizer_text, morphemes, None if mask is None else mask >> shift)
                for (text, tokenizer_text, mask), morphemes in zip(normalized, tokens, strict=True)
            ],
        ),
    }
    times["lines + cache lookup"] -= times["MeCab parse"]  # _tokens parses too
    model = assessor.model
    if model is not None:
        judged = [
            (text, tokenizer_text, morphemes)
            for (text, tokenizer_text, mask), morphemes in zip(normalized, tokens, strict=True)
        ]
        verdicts = [assessor._assess_tokens(text, tt, morphemes) for text, tt, morphemes in judged]
        times["learned model"] = _time_items(
            assessor._second_opinion,
            [
                (model, verdict, text, tokenizer_text, morphemes)
                for verdict, (text, tokenizer_text, morphemes) in zip(verdicts, judged, strict=True)
                if verdict.level is not Level.URGENT
            ],
        )
    return times


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else 20_000
    runs = int(args[1]) if len(args) > 1 else 5
    seen: set[str] = set()
    warm_up = make_replies(2_000, seed=0, exclude=seen)
    batches = [make_replies(count, seed=run + 1, exclude=seen) for run in range(runs)]
    # What assess() does, with its stages at hand.
    assessor = Assessor(load_lexicon(), load_model())
    for text in warm_up:  # tagger, lexicon, word-level caches
        assessor.assess(text)
        bare_tokenize(text)
    bare_times: list[float] = []
    lemma_times: list[float] = []
    full_times: list[float] = []
    many_times: list[float] = []
    stage_times: list[dict[str, float]] = []
    for run, texts in enumerate(batches):
        if run % 2:
            full_times.append(_time(assessor.assess, texts))
            bare_times.append(_time(bare_tokenize, texts))
        else:
            bare_times.append(_time(bare_tokenize, texts))
            full_times.append(_time(assessor.assess, texts))
        lemma_times.append(_time(_lemma_tokenize, texts))
        start = time.process_time()
        assessor.assess_many(texts)
        many_times.append(time.process_time() - start)
        stage_times.append(_stage_times(assessor, texts))
    bare = statistics.median(bare_times)
    full = statistics.median(full_times)
    ratio = statistics.median(f / b for f, b in zip(full_times, bare_times, strict=True))
    mean_length = sum(map(len, batches[0])) / count
    print(f"replies: {count} distinct per run, {runs} runs, mean {mean_length:.1f} characters")
    for label, seconds in (("bare fugashi tokenisation", bare), ("assess", full)):
        each = seconds / count * 1e6
        print(f"{label:26s} {count / seconds:9,.0f} replies/s ({each:.1f} µs each, median)")
    print(f"{'ratio assess / bare time':26s} {ratio:9.2f}x (median of per-run ratios)")
    many = statistics.median(many_times)
    many_ratio = statistics.median(m / b for m, b in zip(many_times, bare_times, strict=True))
    print(
        f"{'assess_many (in bulk)':26s} {count / many:9,.0f} replies/s "
        f"({many / count * 1e6:.1f} µs each; {many_ratio:.2f}x bare)"
    )
    lemma = statistics.median(lemma_times)
    print(
        f"{'tokenisation + lemmas':26s} {count / lemma:9,.0f} replies/s "
        f"({lemma / count * 1e6:.1f} µs each; {lemma / bare:.2f}x bare, "
        f"assess {full / lemma:.2f}x of it)"
    )
    print("stages of assess, each timed alone (µs per reply, median; x bare):")
    stages = {
        name: statistics.median(times[name] for times in stage_times) for name in stage_times[0]
    }
    stages["stages evicting each other"] = full - sum(stages.values())
    for name, seconds in stages.items():
        each = seconds / count * 1e6
        print(f"  {name:26s} {each:6.1f} µs  {seconds / bare:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
