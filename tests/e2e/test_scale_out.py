"""Scale-out on PostgreSQL: two real `bansou run` processes share one database and one bot.

Both run in webhook mode behind a tiny round-robin proxy standing in for the load balancer
(the stand-in, like Telegram, delivers to one public URL). Shown: every due check-in goes out
exactly once, sent by the one instance holding the sender lease, so the two together never
exceed the bot's rate in any second; updates spread over both instances are handled exactly
once and in order per chat; SIGKILLing the sending instance mid-batch loses no check-in —
the other takes the sender lease over once it has run out, and the dead one's leased rows
once their (short, configurable) outbox lease has.
"""

from __future__ import annotations

import asyncio
import collections
import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, insert, select, update

from bot import texts
from storage.db import sync_url
from storage.migrate import upgrade
from storage.models import Inbound, Outbox, Person, Team, UpdateJournal
from storage.repo import DEFAULT_TEAM_NAME
from tests.fakes import TEST_TOKEN, open_database, pg_schema_url, pg_url
from tests.standin import BotApiStandin

pytestmark = pytest.mark.skipif(
    pg_url() is None, reason="scale-out needs PostgreSQL (set BANSOU_TEST_DATABASE_URL)"
)

PEOPLE = 300
BASE_ID = 20_000_000
SECRET = "scale-out-secret"
# OutboxSender's default: at most this many sends are in flight per instance.
MAX_IN_FLIGHT = 32
# Short, so the kill test's survivor takes the sending role over quickly.
SENDER_LEASE = 2.0
CHECKIN_TEXTS = frozenset(texts.CHECKIN_VARIANTS)


# --- the load balancer ----------------------------------------------------------------------


class RoundRobin(ThreadingHTTPServer):
    """Forwards each POST to the next backend (skipping one that refuses), like a load balancer."""

    daemon_threads = True

    def __init__(self, backends: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.backends = backends
        self._turn = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()

    def order(self) -> list[int]:
        with self._lock:
            first = next(self._turn)
        return self.backends[first:] + self.backends[:first]


class _Forward(BaseHTTPRequestHandler):
    server: RoundRobin

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        status = 502
        for port in self.server.order():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                status = conn.getresponse().status
                break
            except OSError:
                continue  # that instance is down: the balancer tries the next one
            finally:
                conn.close()
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


# --- helpers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def daytime_zone(now: datetime) -> tuple[str, datetime]:
    """A fixed-offset zone where `now` is between 12:00 and 13:00, and that 12:00 in UTC.

    The instances use the real clock, so the people live where it is midday now."""
    offset = 12 - now.hour
    if offset < -12:
        offset += 24
    elif offset > 14:
        offset -= 24
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-9 is UTC+9
    return zone, now.replace(minute=0, second=0, microsecond=0)


def seed_people(url: str, zone: str, now: datetime) -> None:
    """Active, consented people with a daily 12:00 schedule and nothing planned yet."""
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(
            insert(Team).values(
                name=DEFAULT_TEAM_NAME, created_at=now, share_text_in_team_chat=False
            )
        )
        team_id = connection.scalar(select(Team.id))
        connection.execute(
            insert(Person),
            [
                {
                    "telegram_user_id": BASE_ID + n,
                    "chat_id": BASE_ID + n,
                    "display_name": f"本人{n}",
                    "team_id": team_id,
                    "timezone": zone,
                    "status": "active",
                    "consent_version": "v1",
                    "consented_at": now,
                    "active_since": now,
                    "schedule_spec": "毎日 12:00",
                    "last_contact_at": now,
                    "created_at": now,
                }
                for n in range(PEOPLE)
            ],
        )
    engine.dispose()


def make_everyone_due(url: str, slot: datetime) -> None:
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(update(Person).values(next_slot_at=slot, next_checkin_at=slot))
    engine.dispose()


class Instance:
    """One `bansou run` process in webhook mode on its own port."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        self.env = {**env, "BANSOU_WEBHOOK_PORT": str(self.port)}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def instance_id(self) -> str:
        # storage.repo.INSTANCE_ID of that process.
        assert self.process is not None
        return f"{socket.gethostname()}:{self.process.pid}"[:100]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_running(self, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while "bansou is running" not in self.log():
            assert self.process is not None and self.process.poll() is None, self.log()[-2000:]
            assert time.monotonic() < deadline, f"{self.name} did not start"
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def terminate(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode


@asynccontextmanager
async def cluster(
    standin: BotApiStandin, url: str, tmp_path: Path, rate: int, lease: float
) -> AsyncIterator[tuple[Instance, Instance]]:
    """Two running instances behind the round-robin proxy; stopped (or reaped) afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANSOU_")}
    env.update(
        BANSOU_TELEGRAM_TOKEN=TEST_TOKEN,
        BANSOU_TELEGRAM_BASE_URL=standin.base_url,
        BANSOU_DATABASE_URL=url,
        BANSOU_WEBHOOK_LISTEN="127.0.0.1",
        BANSOU_WEBHOOK_SECRET=SECRET,
        BANSOU_OUTBOX_LEASE_SECONDS=str(lease),
        BANSOU_SENDER_LEASE_SECONDS=str(SENDER_LEASE),
        BANSOU_SEND_RATE_PER_SECOND=str(rate),
        BANSOU_PER_CHAT_INTERVAL_SECONDS="0",
        BANSOU_CHECKIN_SWEEP_SECONDS="0.2",
        BANSOU_SENDER_IDLE_SECONDS="0.05",
        BANSOU_ACK_DELAY_SECONDS="0",
        BANSOU_JITTER_MINUTES="0",
        BANSOU_LOG_LEVEL="DEBUG",
    )
    a = Instance("a", env, tmp_path)
    b = Instance("b", env, tmp_path)
    proxy = RoundRobin([a.port, b.port])
    proxy_thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    proxy_thread.start()
    # Every instance registers the same public URL: the balancer's.
    for instance in (a, b):
        instance.env["BANSOU_WEBHOOK_URL"] = f"http://127.0.0.1:{proxy.server_port}/bansou"
    try:
        a.start()
        b.start()
        await a.wait_running()
        await b.wait_running()
        yield a, b
    finally:
        for instance in (a, b):
            instance.terminate()
        proxy.shutdown()
        proxy.server_close()
    for instance in (a, b):
        logged = instance.log()
        # Neither the token, nor the webhook secret, nor anything said ends up in a log.
        assert TEST_TOKEN not in logged and SECRET not in logged
        assert "本人" not in logged and "ひとこと" not in logged and "順番" not in logged


@pytest.fixture
def standin(standin: BotApiStandin) -> BotApiStandin:
    """The shared stand-in, knowing every seeded person's chat."""
    for n in range(PEOPLE):
        standin.user(BASE_ID + n, f"本人{n}")
    return standin


@pytest.fixture
def pg_database() -> Iterator[str]:
    base = pg_url()
    assert base is not None
    with pg_schema_url(base) as url:
        upgrade(url)
        yield url


def checkins_per_chat(standin: BotApiStandin) -> collections.Counter[int]:
    return collections.Counter(
        m.chat_id for m in standin.sent_messages() if (m.text or "") in CHECKIN_TEXTS
    )


async def outbox_state(url: str) -> dict[str, int]:
    async with open_database(url) as db, db.transaction() as session:
        rows = await session.execute(
            select(Outbox.status, func.count())
            .where(Outbox.kind == "checkin")
            .group_by(Outbox.status)
        )
        return {status: int(n) for status, n in rows}


async def sent_by(url: str) -> collections.Counter[str]:
    async with open_database(url) as db, db.transaction() as session:
        rows = await session.execute(
            select(Outbox.claimed_by, func.count())
            .where(Outbox.kind == "checkin", Outbox.status == "sent")
            .group_by(Outbox.claimed_by)
        )
        return collections.Counter({str(who): int(n) for who, n in rows})


async def wait_until(check: Any, what: str, within: float) -> None:
    """Poll for work in progress (the instances run on the real clock)."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


# --- tests ----------------------------------------------------------------------------------


async def test_two_instances_send_every_checkin_once_and_share_updates(
    standin: BotApiStandin, pg_database: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    zone, slot = daytime_zone(now)
    seed_people(pg_database, zone, now - timedelta(days=3))
    # A lease far longer than any send takes here: a lease that runs out while its row still
    # waits for its turn would (rightly) hand the row to the other instance, a duplicate.
    async with cluster(standin, pg_database, tmp_path, rate=100, lease=60) as (a, b):
        assert standin.webhook_url.endswith("/bansou")

        # Updates through the balancer: alternate instances journal them, both process.
        talkers = [standin.user(BASE_ID + n, f"本人{n}") for n in range(10)]
        said = {u.id: [f"順番 {u.id} {i}" for i in range(3)] for u in talkers}
        for i in range(3):
            for user in talkers:
                user.send_text(said[user.id][i])

        # Only now is anyone due, so that both instances are up to share the work.
        make_everyone_due(pg_database, slot)

        async def all_sent() -> bool:
            return len(checkins_per_chat(standin)) >= PEOPLE and (
                await outbox_state(pg_database)
            ) == {"sent": PEOPLE}

        await wait_until(all_sent, "not every check-in went out", within=60)

        async def all_handled() -> bool:
            async with open_database(pg_database) as db, db.transaction() as session:
                pending = await session.scalar(
                    select(func.count())
                    .select_from(UpdateJournal)
                    .where(UpdateJournal.processed_at.is_(None))
                )
                inbound = await session.scalar(select(func.count()).select_from(Inbound))
            return pending == 0 and inbound == 30

        await wait_until(all_handled, "not every update was handled", within=15)
        senders = await sent_by(pg_database)

    per_chat = checkins_per_chat(standin)
    assert len(per_chat) == PEOPLE
    assert set(per_chat.values()) == {1}, "some check-in went out twice"
    # One instance sent them all, so together they kept to the bot's rate (each instance's
    # limiter allows 100/s; two sending at once would have reached about 200).
    assert len(senders) == 1 and set(senders) <= {a.instance_id, b.instance_id}, senders
    assert sum(senders.values()) == PEOPLE
    assert standin.max_sends_in_window(1.0) <= 100
    # The balancer spread deliveries over both, and each update was handled exactly once,
    # in the order each person wrote.
    assert standin.pending_updates() == 0
    async with open_database(pg_database) as db, db.transaction() as session:
        rows = (
            await session.execute(
                select(Inbound.chat_id, Inbound.text, Inbound.update_id).order_by(Inbound.id)
            )
        ).all()
    assert len({update_id for _, _, update_id in rows}) == 30
    for user in talkers:
        assert [t for chat, t, _ in rows if chat == user.id] == said[user.id]


async def test_killing_one_instance_mid_batch_loses_no_checkin(
    standin: BotApiStandin, pg_database: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    zone, slot = daytime_zone(now)
    seed_people(pg_database, zone, now - timedelta(days=3))
    # A slow pace so the kill lands mid-batch.
    async with cluster(standin, pg_database, tmp_path, rate=40, lease=3) as (a, b):
        make_everyone_due(pg_database, slot)

        async def one_is_sending() -> bool:
            return max((await sent_by(pg_database)).values(), default=0) >= 40

        await wait_until(one_is_sending, "no instance got going", within=20)
        [sender] = await sent_by(pg_database)
        killed, survivor = (a, b) if sender == a.instance_id else (b, a)
        killed.kill()
        at_kill = len(checkins_per_chat(standin))
        assert at_kill < PEOPLE, "the kill did not land mid-batch"

        async def all_sent() -> bool:
            return len(checkins_per_chat(standin)) >= PEOPLE and (
                await outbox_state(pg_database)
            ) == {"sent": PEOPLE}

        # The survivor takes the sender lease over once it has run out (2 s), sends the rest,
        # and the rows the killed one held once their 3 s outbox lease has run out.
        await wait_until(all_sent, "check-ins were lost with the killed instance", within=60)
        senders = await sent_by(pg_database)
    assert killed.process is not None and killed.process.returncode == -signal.SIGKILL

    per_chat = checkins_per_chat(standin)
    assert len(per_chat) == PEOPLE  # nobody was forgotten
    duplicated = sum(n - 1 for n in per_chat.values())
    # At-least-once window: a send that reached Telegram but whose "sent" mark a did not
    # commit before the kill cannot be told from one that never left, so b sends it again.
    # Only sends in flight at the kill can be in that window: at most max_in_flight.
    assert duplicated <= MAX_IN_FLIGHT, duplicated
    assert senders[survivor.instance_id] > 0
    assert "now sends the outbox" in survivor.log()
    print(f"sent before kill: {at_kill}/{PEOPLE}; duplicated: {duplicated}; by: {dict(senders)}")
