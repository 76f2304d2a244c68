"""Inbound durability: `kill -9` in the middle of a burst loses nothing and stores nothing twice.

The bot runs as a real `bansou run` process against the stand-in; 200 messages arrive (half
before it starts, half while it works); it is SIGKILLed mid-burst and restarted.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.services import Services
from storage.models import Inbound, UpdateJournal
from tests.fakes import TEST_TOKEN, make_settings, open_database
from tests.standin import BotApiStandin

PERSON_ID = 8101
BURST = 200


def _bot_process(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def _count(url: str, model: type, *where: object) -> int:
    async with open_database(url) as db, db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def _wait_count(url: str, at_least: int, within: float) -> int:
    deadline = time.monotonic() + within
    while True:
        count = await _count(url, Inbound)
        if count >= at_least or time.monotonic() > deadline:
            return count
        await asyncio.sleep(0.005)


async def _enrol_person(url: str) -> None:
    settings = make_settings(database_url=url)
    async with open_database(url) as db:
        services = Services(db, SystemClock(), settings)
        code = await services.create_invite("person", "テスト本人")
        opened = await services.open_invite(code, PERSON_ID, PERSON_ID)
        assert opened.kind == "consent_needed"
        assert (await services.decide_consent(PERSON_ID, granted=True)).kind == "granted"


async def test_kill_9_mid_burst_loses_nothing(
    standin: BotApiStandin, sqlite_url: str, tmp_path: Path
) -> None:
    await _enrol_person(sqlite_url)
    person = standin.user(PERSON_ID, "テスト")
    texts = [f"テストの言葉 {i:03d}" for i in range(BURST)]
    for text in texts[: BURST // 2]:
        person.send_text(text)

    env = {k: v for k, v in os.environ.items() if not k.startswith("BANSOU_")}
    env.update(
        BANSOU_TELEGRAM_TOKEN=TEST_TOKEN,
        BANSOU_TELEGRAM_BASE_URL=standin.base_url,
        BANSOU_DATABASE_URL=sqlite_url,
        BANSOU_POLL_TIMEOUT_SECONDS="1",
        BANSOU_ACK_DELAY_SECONDS="0",
        BANSOU_LOG_LEVEL="DEBUG",
    )
    log_path = tmp_path / "bot.log"

    def later_half() -> None:
        for text in texts[BURST // 2 :]:
            person.send_text(text)
            time.sleep(0.002)

    first = _bot_process(env, log_path)
    try:
        stored_before_kill = await _wait_count(sqlite_url, 40, within=60)
        sender = threading.Thread(target=later_half)
        sender.start()
        stored_before_kill = await _wait_count(sqlite_url, 70, within=60)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        sender.join()
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert first.returncode == -signal.SIGKILL
    assert stored_before_kill < BURST, "the kill did not land mid-burst"
    print(f"stored before kill: {stored_before_kill}/{BURST}")

    second = _bot_process(env, log_path)
    try:
        stored = await _wait_count(sqlite_url, BURST, within=60)
        await asyncio.to_thread(standin.wait_for, lambda: standin.pending_updates() == 0, 30.0)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert second.returncode == 0

    async with open_database(sqlite_url) as db, db.transaction() as session:
        rows = (await session.execute(select(Inbound.update_id, Inbound.text))).all()
        unprocessed = await session.scalar(
            select(func.count())
            .select_from(UpdateJournal)
            .where(UpdateJournal.processed_at.is_(None))
        )
    assert stored == BURST
    assert len(rows) == BURST  # exactly once each
    assert len({update_id for update_id, _ in rows}) == BURST
    assert sorted(text for _, text in rows) == sorted(texts)
    assert unprocessed == 0

    # The process logs (at DEBUG) hold neither the token nor anything the person said.
    logged = log_path.read_text(encoding="utf-8", errors="replace")
    assert "bansou is running" in logged
    assert TEST_TOKEN not in logged
    assert "テストの言葉" not in logged and "テスト本人" not in logged
