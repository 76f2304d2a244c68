"""Benchmark (issue 5): planning N enrolled people who all come due at once.

Run ``python -m tests.bench.bench_planning [--people 100000] [--backend sqlite|postgresql]``.

Seeds ``--people`` active people whose check-in (slot 10:00 JST, Tuesday, schedule 「火金 10:00」)
is due at a clock set to 10:05 JST, plus ``--repliers`` people who are *not* due; seeding runs
in a child process. Then, in this process, ``Services.sweep()`` plans everyone into
``checkin`` + ``outbox`` while two other tasks run on the same event loop:

* a ticker sleeping 1 ms that records its lateness (the event loop's stalls) and samples
  RssAnon every 5 ms;
* replies handled the way the bot handles a text message (``handle_reply``): journalled,
  claimed, stored (``services.record_message``), assessed (``services.queue.assess_reply``)
  and marked processed, as ``handlers/intake.py`` and ``handlers/person.py`` do — one every
  ``--reply-every`` seconds from the not-due people (one after another: a reply slower than
  that delays the next); each reply's latency, arrival to handled, is recorded.

The longest stall is also split into the time the loop's thread was on a CPU (our own code
holding the loop) and the rest (the thread waiting for a core or for the GIL).

After the warm-up (engine connected, the distress tokenizer loaded by three replies) the
start-up heap is frozen, as ``bansou run`` does once the bot has started (``bot/heap.py``).
On PostgreSQL the seeding ends with ``ANALYZE person``, the statistics autovacuum keeps on a
database whose people enrolled over time (see ``tests/bench/common.py``).

Memory: RssAnon is read right after the imports ("bare imports"), again after the warm-up
and sampled during planning. The figure for the target is the peak during planning minus
the bare imports; the peak minus the warm-up shows what planning itself adds.

Targets: stall < 50 ms, reply p99 < 100 ms, RssAnon peak < 30 MB over bare imports.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import math
import statistics
import time
from datetime import timedelta

from sqlalchemy import func, select

from bot.config import Settings
from bot.heap import freeze_startup_heap
from bot.services import Services
from storage import repo
from storage.db import Database
from storage.models import Checkin, Outbox
from tests.bench.common import (
    BASE_USER_ID,
    SLOT_1000_JST,
    TUESDAY_1005_JST,
    LoopProbe,
    RunningClock,
    add_backend_arguments,
    bench_database,
    ms,
    percentile,
    rss_anon_mb,
    seed_people,
)
from tests.fakes import TEST_TOKEN

# After every import this process needs, before any database or work.
BARE_RSS_ANON_MB = rss_anon_mb()

# The seeded team has no staff, so every escalation a worried reply opens logs that nobody
# can be alerted: thousands of identical lines that would hide the figures.
logging.getLogger("bot.queue").addFilter(
    lambda record: not str(record.msg).startswith("escalation %s has nobody to alert")
)

REPLY_TEXTS = (
    "おはようございます。今日は少し疲れています",
    "元気です!昨日は散歩に行きました",
    "あまり眠れなかった",
    "ご飯はちゃんと食べてます",
    "今日は雨なので家にいます",
    "ありがとう、大丈夫です",
    "病院の予約を忘れてしまった",
    "友達と電話しました",
)


async def handle_reply(services: Services, update_id: int, user_id: int, text: str) -> None:
    """One text message from arrival to handled, the way the bot's durable intake and
    person handler do it (handlers/intake.py, handlers/person.py), minus Telegram itself:
    journal it, claim it, store it as contact, assess it, mark it processed."""
    db, clock = services.db, services.clock
    payload = {"update_id": update_id, "message": {"message_id": update_id, "text": text}}
    async with db.transaction() as session:
        await repo.journal_store(session, [(update_id, payload)], clock.now(), {update_id: user_id})

    async def handle() -> None:
        await services.record_message(
            update_id=update_id,
            telegram_user_id=user_id,
            chat_id=user_id,
            message_id=update_id,
            kind="text",
            text=text,
        )
        await services.queue.assess_reply(update_id)

    if db.dialect == "postgresql":
        # The intake holds the claimed journal row's lock while the handler runs.
        async with db.transaction() as session:
            claimed = await repo.journal_claim_next(session)
            await handle()
            if claimed is not None:
                await repo.journal_mark_processed(session, claimed[0], clock.now())
        return
    async with db.transaction() as session:
        claimed = await repo.journal_claim_next(session)
    await handle()
    if claimed is not None:
        async with db.transaction() as session:
            await repo.journal_mark_processed(session, claimed[0], clock.now())


async def _replies(
    services: Services,
    repliers: list[int],
    every: float,
    latencies: list[float],
    update_ids: itertools.count[int],
    failures: list[tuple[float, str]],
) -> None:
    texts = itertools.cycle(REPLY_TEXTS)
    people = itertools.cycle(repliers)
    next_at = time.perf_counter()
    while True:
        start = time.perf_counter()
        try:
            await handle_reply(services, next(update_ids), next(people), next(texts))
        except Exception as error:  # e.g. SQLite "database is locked": count it, go on
            failures.append((time.perf_counter() - start, f"{type(error).__name__}: {error}"))
        latencies.append(time.perf_counter() - start)
        next_at += every
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


async def run_once(args: argparse.Namespace, url: str) -> dict[str, float]:
    clock = RunningClock(TUESDAY_1005_JST)
    settings = Settings(telegram_token=TEST_TOKEN, database_url=url)
    db = Database.from_url(url)
    services = Services(db, clock, settings)
    repliers = [BASE_USER_ID + args.people + i for i in range(args.repliers)]
    update_ids = itertools.count(1)
    try:
        # Warm-up: connections open, tokenizer loaded, statements compiled and cached.
        warm: list[float] = []
        for user_id in repliers[:3]:
            start = time.perf_counter()
            await handle_reply(services, next(update_ids), user_id, REPLY_TEXTS[0])
            warm.append(time.perf_counter() - start)
        # What `bansou run` does once the bot has started (see bot/heap.py).
        freeze_startup_heap()
        warm_rss = rss_anon_mb()

        # The machine's own noise: the same ticker on an otherwise idle loop (other jobs on
        # the host, GC), to read the stall under planning against.
        baseline = LoopProbe()
        baseline.start()
        await asyncio.sleep(args.baseline_seconds)
        await baseline.stop()

        probe = LoopProbe()
        probe.start()
        latencies: list[float] = []
        failures: list[tuple[float, str]] = []
        replier = None
        if args.repliers and args.reply_every > 0:
            replier = asyncio.create_task(
                _replies(services, repliers, args.reply_every, latencies, update_ids, failures)
            )
        start = time.perf_counter()
        queued = await services.sweep()
        elapsed = time.perf_counter() - start
        if replier is not None:
            replier.cancel()
            try:
                await replier
            except asyncio.CancelledError:
                pass
        await probe.stop()

        async with db.transaction() as session:
            checkins = await session.scalar(select(func.count()).select_from(Checkin))
            outbox = await session.scalar(
                select(func.count()).select_from(Outbox).where(Outbox.kind == "checkin")
            )
    finally:
        await db.dispose()

    figures = {
        "planned": float(queued),
        "seconds": elapsed,
        "rows_per_s": queued / elapsed if elapsed else 0.0,
        "max_stall": probe.max_stall,
        "max_stall_cpu": probe.max_stall_cpu,
        "max_busy": probe.max_busy,
        "idle_loop_max_stall": baseline.max_stall,
        "stall_p99": percentile(probe.lateness, 99),
        "stalls_over_50ms": float(probe.stalls_over_50ms),
        "replies": float(len(latencies)),
        "reply_p50": percentile(latencies, 50),
        "reply_p99": percentile(latencies, 99),
        "reply_max": max(latencies, default=float("nan")),
        "reply_failures": float(len(failures)),
        "warm_rss": warm_rss,
        "peak_rss": probe.peak_rss_anon_mb,
    }
    print(
        f"  planned {queued} (checkin rows {checkins}, outbox checkins {outbox}) "
        f"in {elapsed:.2f} s = {figures['rows_per_s']:.0f} people/s\n"
        f"  event loop: longest stall {ms(probe.max_stall)} (loop thread on a CPU for "
        f"{ms(probe.max_stall_cpu)} of it; longest on-CPU stretch {ms(probe.max_busy)}), "
        "p99 lateness "
        f"{ms(figures['stall_p99'])}, stalls > 50 ms: {probe.stalls_over_50ms} "
        f"(same ticker on an idle loop for {args.baseline_seconds:g} s before: longest "
        f"{ms(baseline.max_stall)}, > 50 ms: {baseline.stalls_over_50ms})\n"
        f"  replies meanwhile: {len(latencies)} ({len(latencies) / elapsed:.0f}/s, one every "
        f"{args.reply_every * 1000:g} ms asked), latency p50 {ms(figures['reply_p50'])}, "
        f"p99 {ms(figures['reply_p99'])}, max {ms(figures['reply_max'])} "
        f"(warm-up {', '.join(ms(w) for w in warm)})\n"
        f"  replies failed: {len(failures)}"
        + "".join(f"\n    after {ms(t)}: {why.splitlines()[0][:120]}" for t, why in failures[:5])
        + "\n"
        f"  RssAnon: bare imports {BARE_RSS_ANON_MB:.1f} MB, after warm-up {warm_rss:.1f} MB, "
        f"peak during planning {probe.peak_rss_anon_mb:.1f} MB → "
        f"+{probe.peak_rss_anon_mb - BARE_RSS_ANON_MB:.1f} MB over bare imports, "
        f"+{probe.peak_rss_anon_mb - warm_rss:.1f} MB over warm-up"
    )
    return figures


async def main_async(args: argparse.Namespace) -> None:
    results: list[dict[str, float]] = []
    for run in range(1, args.runs + 1):
        with bench_database(args.backend, args.pg_url) as url:
            start = time.perf_counter()
            seed_people(url, args.people, next_at=SLOT_1000_JST)
            seed_people(
                url,
                args.repliers,
                next_at=SLOT_1000_JST + timedelta(days=3),
                first=args.people,
            )
            print(
                f"run {run}/{args.runs} [{args.backend}]: seeded {args.people} due + "
                f"{args.repliers} not-due people in {time.perf_counter() - start:.1f} s "
                "(child process)"
            )
            results.append(await run_once(args, url))
    if len(results) > 1:
        print(f"median of {len(results)} runs [{args.backend}]:")
        for key in results[0]:
            print(f"  {key}: {statistics.median(r[key] for r in results):.4g}")
    best = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(
        "targets: stall < 50 ms: "
        + ("met" if best["max_stall"] < 0.050 else "MISSED")
        + "; reply p99 < 100 ms: "
        + (
            "not measured (no replies)"
            if math.isnan(best["reply_p99"])
            else "met"
            if best["reply_p99"] < 0.100
            else "MISSED"
        )
        + "; RssAnon < +30 MB over bare imports: "
        + ("met" if best["peak_rss"] - BARE_RSS_ANON_MB < 30 else "MISSED")
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_planning", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repliers", type=int, default=200, help="not-due people who reply")
    parser.add_argument("--reply-every", type=float, default=0.020, help="seconds; 0 = none")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--baseline-seconds", type=float, default=3.0, help="idle-loop stall probe first"
    )
    add_backend_arguments(parser)
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
