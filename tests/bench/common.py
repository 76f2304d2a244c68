"""Shared pieces of the issue-5 benchmarks: databases, fast seeding, memory and loop probes,
and a Bot API stand-in in its own process.

Not collected by pytest and asserting nothing about time: the benchmarks print figures.

Seeding writes rows directly with SQLAlchemy Core (executemany in chunks) from a *separate
process* (``python -m tests.bench.common seed …``), so its memory never shows in the
benchmark's own RSS figures.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import math
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text

from storage.db import sync_url
from storage.migrate import upgrade
from storage.models import Person, Team
from storage.repo import DEFAULT_TEAM_NAME
from tests.fakes import TEST_TOKEN, pg_schema_url

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# A Tuesday, 10:05 in Tokyo: the default schedule 「火金 10:00」 has a slot five minutes ago.
TUESDAY_1005_JST = datetime(2026, 11, 24, 1, 5, tzinfo=UTC)
SLOT_1000_JST = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
# Seeded people are told apart from real Telegram ids: user id = chat id = BASE_USER_ID + n.
BASE_USER_ID = 10_000_000
SEED_CHUNK = 5_000


# --- arguments and databases ----------------------------------------------------------------


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BANSOU_TEST_DATABASE_URL") or DEFAULT_PG_URL,
        help="PostgreSQL server to create a throw-away schema in (default: %(default)s)",
    )


@contextlib.contextmanager
def bench_database(backend: str, pg_url: str = DEFAULT_PG_URL) -> Iterator[str]:
    """A migrated, empty database: a temp SQLite file, or a PostgreSQL schema dropped after."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bansou-bench-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            yield url
        return
    with pg_schema_url(pg_url) as url:
        upgrade(url)
        yield url


def seed_people(
    url: str, count: int, *, next_at: datetime, first: int = 0, slot_at: datetime | None = None
) -> None:
    """Insert `count` active, consented people numbered from `first` (in a child process)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.common",
            "seed",
            url,
            str(count),
            next_at.isoformat(),
            str(first),
            (slot_at or next_at).isoformat(),
        ],
        check=True,
    )


def _seed(url: str, count: int, next_at: datetime, first: int, slot_at: datetime) -> None:
    engine = create_engine(sync_url(url))
    # Consented and last heard from three days before the given next check-in.
    now = next_at - timedelta(days=3)
    anchor = (now + timedelta(hours=9)).date()
    with engine.begin() as connection:
        team_id = connection.scalar(select(Team.id).where(Team.name == DEFAULT_TEAM_NAME))
        if team_id is None:
            connection.execute(
                insert(Team).values(
                    name=DEFAULT_TEAM_NAME, created_at=now, share_text_in_team_chat=False
                )
            )
            team_id = connection.scalar(select(Team.id).where(Team.name == DEFAULT_TEAM_NAME))
    for start in range(first, first + count, SEED_CHUNK):
        rows = [
            {
                "telegram_user_id": BASE_USER_ID + n,
                "chat_id": BASE_USER_ID + n,
                "display_name": f"本人{n}",
                "team_id": team_id,
                "timezone": "Asia/Tokyo",
                "status": "active",
                "consent_version": "v1",
                "consented_at": now,
                "schedule_anchor": anchor,
                "next_slot_at": slot_at,
                "next_checkin_at": next_at,
                "last_contact_at": now,
                "checkins_sent": 0,
                "checkins_answered": 0,
                "messages_received": 0,
                "created_at": now,
            }
            for n in range(start, min(start + SEED_CHUNK, first + count))
        ]
        with engine.begin() as connection:
            connection.execute(insert(Person), rows)
    if engine.dialect.name == "postgresql":
        # A real database gained its people over months and autovacuum keeps statistics on
        # them; straight after a bulk load the planner has none, guesses that a handful of
        # people are due and sorts all 100k due rows for every batch of the sweep. Only
        # `person` changed, so only it is analysed (as autovacuum would): analysing the
        # still-empty checkin table would make every new connection plan its foreign-key
        # checks as scans of a table believed empty.
        with engine.connect() as connection:
            connection.execute(text("ANALYZE person"))
            connection.commit()
    engine.dispose()


class RunningClock:
    """Starts at a chosen instant and then runs at real speed (retry delays do pass)."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


# --- measuring ------------------------------------------------------------------------------


def proc_status_kb(key: str) -> int:
    """A field of /proc/self/status in kB (RssAnon, VmHWM, VmRSS …); 0 if unavailable."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_anon_mb() -> float:
    return proc_status_kb("RssAnon") / 1024


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[rank]


@dataclass
class LoopProbe:
    """Measures event-loop stalls (a 1 ms ticker's lateness) and samples RssAnon.

    Each tick also reads the loop thread's CPU time: a stall during which the thread was on
    the CPU was our own code holding the loop; one during which it was not was the thread
    waiting for a core (other processes, the database server) or for the GIL (driver
    threads). `max_stall_cpu` is the CPU part of the longest stall, `max_busy` the longest
    CPU time of any one late tick.
    """

    tick: float = 0.001
    rss_every: float = 0.005
    max_stall: float = 0.0
    max_stall_cpu: float = 0.0
    max_busy: float = 0.0
    stalls_over_50ms: int = 0
    lateness: list[float] = field(default_factory=list)
    peak_rss_anon_mb: float = 0.0
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.peak_rss_anon_mb = rss_anon_mb()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.peak_rss_anon_mb = max(self.peak_rss_anon_mb, rss_anon_mb())

    async def _run(self) -> None:
        clock = time.perf_counter
        cpu = time.thread_time
        next_rss = clock()
        while True:
            before, cpu_before = clock(), cpu()
            await asyncio.sleep(self.tick)
            after, busy = clock(), cpu() - cpu_before
            late = after - before - self.tick
            self.lateness.append(late)
            if late > self.max_stall:
                self.max_stall, self.max_stall_cpu = late, min(busy, late)
            self.max_busy = max(self.max_busy, min(busy, late))
            if late > 0.050:
                self.stalls_over_50ms += 1
            if after >= next_rss:
                self.peak_rss_anon_mb = max(self.peak_rss_anon_mb, rss_anon_mb())
                next_rss = after + self.rss_every


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --- the Bot API stand-in in another process --------------------------------------------------


def _standin_main(conn: Any, users: Sequence[int], enforce_limits: bool) -> None:
    from tests.standin import BotApiStandin

    standin = BotApiStandin(TEST_TOKEN, enforce_limits=enforce_limits)
    for user_id in users:
        standin.user(user_id)
    with standin:
        conn.send(standin.base_url)
        while True:
            command = conn.recv()
            if command == "stop":
                break
            if command == "stats":
                times = [call.time for call in standin.calls("sendMessage")]
                conn.send(
                    {
                        "max_in_1s": standin.max_sends_in_window(1.0),
                        "max_per_chat_in_1s": _max_per_chat(standin),
                        "violations": standin.limit_violations,
                        "sent": len(standin.sent_messages()),
                        "send_times": [m.sent_at for m in standin.sent_messages()],
                        "send_calls": len(times),
                        "internal_errors": len(standin.internal_errors()),
                        "calls_by_method": dict(
                            collections.Counter(call.method for call in standin.calls())
                        ),
                    }
                )
    conn.send("stopped")


def _max_per_chat(standin: Any) -> int:
    per_chat: dict[int, list[float]] = {}
    for message in standin.sent_messages():
        per_chat.setdefault(message.chat_id, []).append(message.sent_at)
    best = 0
    for times in per_chat.values():
        first = 0
        for last, moment in enumerate(times):
            while moment - times[first] >= 1.0:
                first += 1
            best = max(best, last - first + 1)
    return best


class StandinProcess:
    """`BotApiStandin` served from a child process, so its CPU is not the bot's CPU.

    Send times are `time.monotonic()` of the child: the same clock as the parent's on Linux.
    """

    def __init__(self, users: Sequence[int] = (), enforce_limits: bool = True) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_standin_main, args=(child, list(users), enforce_limits), daemon=True
        )
        self._process.start()
        self.base_url: str = self._conn.recv()

    def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        result: dict[str, Any] = self._conn.recv()
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self._conn.send("stop")
            self._conn.recv()
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)

    def __enter__(self) -> StandinProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "seed":
        _seed(
            sys.argv[2],
            int(sys.argv[3]),
            datetime.fromisoformat(sys.argv[4]),
            int(sys.argv[5]),
            datetime.fromisoformat(sys.argv[6]),
        )
    else:
        sys.exit("usage: python -m tests.bench.common seed URL COUNT NEXT_AT FIRST SLOT_AT")
