"""Benchmark (issue 5): CPU cost of the whole bot with N people enrolled and nothing due.

Run ``python -m tests.bench.bench_idle [--people 100000] [--backend sqlite|postgresql]
[--seconds 60] [--sweep-seconds S]``.

Seeds ``--people`` active people whose next check-in is three days away (child process),
then runs the whole bot — ``build_application`` + ``BansouRunner``: durable intake
long-polling the stand-in, outbox sender, JobQueue jobs (check-in sweep, SLA sweep, journal
prune) — with the production defaults (``Settings()``: sweep every 60 s, SLA every 30 s,
sender idle 1 s, poll timeout 30 s) against a ``BotApiStandin`` in a child process (so its
CPU is not counted). After ``--warmup`` seconds (start-up, first sweeps) it measures
``--seconds`` of CPU time of this process (all threads, ``resource.getrusage``) against wall
time. ``--sweep-seconds`` overrides the check-in sweep interval (try the one you deploy with).

What dominates is shown by counting, during the window, the SQL statements the bot ran
(grouped by their first words, with the time spent executing them) and the Bot API calls the
stand-in received.

Target: < 1 % CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import resource
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from bot.app import BansouRunner, build_application
from bot.config import Settings
from tests.bench.common import (
    StandinProcess,
    add_backend_arguments,
    bench_database,
    seed_people,
)
from tests.fakes import TEST_TOKEN


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class StatementCounter:
    """Counts statements by kind (e.g. "SELECT person", "UPDATE outbox") and times them."""

    def __init__(self, engine: Any) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.seconds: collections.Counter[str] = collections.Counter()
        self.active = False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    @staticmethod
    def _kind(statement: str) -> str:
        words = statement.split()
        if not words:
            return "?"
        verb = words[0].upper()
        table = ""
        upper = [w.upper() for w in words]
        for marker in ("FROM", "INTO", "UPDATE"):
            if marker in upper:
                index = upper.index(marker)
                if index + 1 < len(words):
                    table = words[index + 1].strip('"')
                    break
        return f"{verb} {table}".strip()

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not self.active:
            return
        kind = self._kind(statement)
        self.counts[kind] += 1
        self.seconds[kind] += time.perf_counter() - conn.info.get("bench_started", 0.0)


async def run(args: argparse.Namespace, url: str) -> float:
    with StandinProcess(users=(), enforce_limits=True) as standin:
        settings = Settings(
            telegram_token=TEST_TOKEN, database_url=url, telegram_base_url=standin.base_url
        )
        if args.sweep_seconds is not None:
            settings = replace(settings, checkin_sweep_seconds=args.sweep_seconds)
        runner = BansouRunner(build_application(settings))
        counter = StatementCounter(runner.state.db.engine.sync_engine)
        await runner.start()
        try:
            await asyncio.sleep(args.warmup)
            calls_before = standin.stats()["calls_by_method"]
            counter.active = True
            wall0, cpu0 = time.perf_counter(), _cpu_seconds()
            await asyncio.sleep(args.seconds)
            wall1, cpu1 = time.perf_counter(), _cpu_seconds()
            counter.active = False
            calls_after = standin.stats()["calls_by_method"]
        finally:
            await runner.stop()
    cpu_percent = 100 * (cpu1 - cpu0) / (wall1 - wall0)
    calls = {
        method: calls_after[method] - calls_before.get(method, 0)
        for method in calls_after
        if calls_after[method] - calls_before.get(method, 0)
    }
    print(
        f"  CPU {cpu1 - cpu0:.3f} s over {wall1 - wall0:.1f} s wall = {cpu_percent:.2f} % "
        f"(check-in sweep every {settings.checkin_sweep_seconds:g} s, SLA sweep every "
        f"{settings.sla_sweep_seconds:g} s, sender idle {settings.sender_idle_seconds:g} s, "
        f"poll timeout {settings.poll_timeout_seconds} s)"
    )
    print(f"  Bot API calls in the window: {calls}")
    print("  SQL statements in the window (count, total execution time):")
    for kind, count in counter.counts.most_common(12):
        print(f"    {count:6d}  {counter.seconds[kind] * 1000:9.1f} ms  {kind}")
    return cpu_percent


async def main_async(args: argparse.Namespace) -> None:
    results = []
    for run_number in range(1, args.runs + 1):
        with bench_database(args.backend, args.pg_url) as url:
            start = time.perf_counter()
            next_at = datetime.now(UTC) + timedelta(days=3)
            seed_people(url, args.people, next_at=next_at)
            print(
                f"run {run_number}/{args.runs} [{args.backend}]: seeded {args.people} people, "
                f"nothing due, in {time.perf_counter() - start:.1f} s (child process)"
            )
            results.append(await run(args, url))
    median = sorted(results)[len(results) // 2]
    print(
        f"CPU% median of {len(results)}: {median:.2f} %; target < 1 %: "
        + ("met" if median < 1.0 else "MISSED")
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_idle", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--sweep-seconds", type=float, default=None)
    parser.add_argument("--runs", type=int, default=1)
    add_backend_arguments(parser)
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
