"""Benchmark (issue 5): draining N check-ins through the Bot API stand-in under the limits.

Run ``python -m tests.bench.bench_sending [--count 10000] [--backend sqlite|postgresql]``.

The real path: ``--count`` people are seeded due (child process), ``Services.sweep()`` plans
them into the outbox, then an ``OutboxSender`` with the default ``SendLimiter`` (30/s overall,
1/s per chat), the real ``TelegramChannel`` and the real PTB bot (built by
``ApplicationBuilder`` as the bot builds it) drains the outbox into a ``BotApiStandin`` with
``enforce_limits=True`` that runs in a child process (its CPU is not ours). Figures:

* achieved messages/s: overall (first to last accepted send, as the stand-in recorded them)
  and sustained (whole seconds strictly inside, i.e. without the first and last second);
* the most sends the stand-in saw in any rolling second (limit 30) and per chat;
* 429s (``limit_violations``): every one of them is caused by the bot itself here;
* time-to-empty: from ``sender.start()`` until every row is ``sent`` in the database.

Targets: ≥ 28.5/s sustained, ≤ 30 in any one-second window, zero 429s.
10,000 messages take ≈ 6 minutes at 30/s.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import math
import statistics
import time

from sqlalchemy import func, select
from telegram.ext import ApplicationBuilder

from bot.config import Settings
from bot.services import Services
from handlers.telegram_channel import TelegramChannel
from schedules.ratelimit import SendLimiter
from schedules.sender import OutboxSender
from storage.db import Database
from storage.models import Outbox
from tests.bench.common import (
    BASE_USER_ID,
    SLOT_1000_JST,
    TUESDAY_1005_JST,
    LoopProbe,
    RunningClock,
    StandinProcess,
    add_backend_arguments,
    bench_database,
    ms,
    seed_people,
)
from tests.fakes import TEST_TOKEN


async def _outbox_counts(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(Outbox.status, func.count())
            .where(Outbox.kind == "checkin")
            .group_by(Outbox.status)
        )
        return {status: count for status, count in rows.all()}


def rate_figures(send_times: list[float]) -> dict[str, float]:
    """Overall and sustained rates from the stand-in's accepted-send instants."""
    if len(send_times) < 2:
        return {"overall": math.nan, "sustained": math.nan, "min_full_second": math.nan}
    times = sorted(send_times)
    first, last = times[0], times[-1]
    overall = (len(times) - 1) / (last - first)
    # Whole seconds after the first one and before the last one.
    seconds = collections.Counter(int(t - first) for t in times)
    inner = [seconds.get(s, 0) for s in range(1, int(last - first))]
    sustained = statistics.fmean(inner) if inner else math.nan
    return {
        "overall": overall,
        "sustained": sustained,
        "min_full_second": float(min(inner)) if inner else math.nan,
        "first_second": float(seconds.get(0, 0)),
    }


async def run(args: argparse.Namespace, url: str) -> None:
    clock = RunningClock(TUESDAY_1005_JST)
    chats = [BASE_USER_ID + n for n in range(args.count)]
    with StandinProcess(users=chats, enforce_limits=True) as standin:
        settings = Settings(
            telegram_token=TEST_TOKEN, database_url=url, telegram_base_url=standin.base_url
        )
        db = Database.from_url(url)
        services = Services(db, clock, settings)
        start = time.perf_counter()
        planned = await services.sweep()
        print(f"  planned {planned} check-ins in {time.perf_counter() - start:.1f} s")

        application = (
            ApplicationBuilder().token(TEST_TOKEN).base_url(standin.base_url).updater(None).build()
        )
        bot = application.bot
        await bot.initialize()
        limiter = SendLimiter(
            per_second=settings.send_rate_per_second,
            per_chat_interval=settings.per_chat_interval_seconds,
            group_per_minute=settings.group_messages_per_minute,
        )
        sender = OutboxSender(
            services,
            TelegramChannel(bot),
            limiter,
            idle_seconds=settings.sender_idle_seconds,
            lease_seconds=settings.sender_lease_seconds,  # as `bansou run` does
        )
        probe = LoopProbe()
        probe.start()
        started = time.perf_counter()
        sender.start()
        next_report = started + args.report_every
        deadline = started + args.count / 25 + 120
        try:
            while True:
                await asyncio.sleep(0.25)
                now = time.perf_counter()
                if sender.sent_count >= planned:
                    counts = await _outbox_counts(db)
                    if counts.get("sent", 0) >= planned:
                        break
                if now >= next_report:
                    elapsed = now - started
                    print(
                        f"  … {sender.sent_count} sent after {elapsed:.0f} s "
                        f"({sender.sent_count / elapsed:.2f}/s)"
                    )
                    next_report += args.report_every
                if now > deadline:
                    print("  gave up waiting: the outbox did not empty in time")
                    break
            time_to_empty = time.perf_counter() - started
        finally:
            await sender.stop()
            await probe.stop()
            await bot.shutdown()
        counts = await _outbox_counts(db)
        await db.dispose()
        stats = standin.stats()

    rates = rate_figures(stats["send_times"])
    print(
        f"  time-to-empty {time_to_empty:.1f} s for {planned} "
        f"({planned / time_to_empty:.2f}/s from sender start)\n"
        f"  achieved: overall {rates['overall']:.2f}/s, sustained {rates['sustained']:.2f}/s "
        f"(slowest full second {rates['min_full_second']:.0f}, first second "
        f"{rates['first_second']:.0f})\n"
        f"  stand-in: {stats['sent']} accepted, max in any 1 s window {stats['max_in_1s']} "
        f"(limit 30), max per chat in 1 s {stats['max_per_chat_in_1s']}, 429s "
        f"{stats['violations']}, sendMessage calls {stats['send_calls']}, "
        f"internal errors {stats['internal_errors']}\n"
        f"  outbox rows by status: {counts}\n"
        f"  event loop while sending: longest stall {ms(probe.max_stall)}"
    )
    sustained_ok = rates["sustained"] >= 28.5
    print(
        "targets: ≥ 28.5/s sustained: "
        + ("met" if sustained_ok else "MISSED")
        + "; ≤ 30 in any 1 s: "
        + ("met" if stats["max_in_1s"] <= 30 else "MISSED")
        + "; zero 429s: "
        + ("met" if stats["violations"] == 0 else "MISSED")
    )


async def main_async(args: argparse.Namespace) -> None:
    with bench_database(args.backend, args.pg_url) as url:
        start = time.perf_counter()
        seed_people(url, args.count, next_at=SLOT_1000_JST)
        print(
            f"[{args.backend}] seeded {args.count} due people in "
            f"{time.perf_counter() - start:.1f} s (child process)"
        )
        await run(args, url)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_sending", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--report-every", type=float, default=30.0, help="progress, seconds")
    add_backend_arguments(parser)
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
