"""Running the real bot (PTB application, durable intake, sender, jobs) against the stand-in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot import texts
from bot.app import BansouRunner, build_application
from bot.config import Settings
from bot.domain.invites import deep_link
from storage.db import Database
from storage.models import Person
from tests.fakes import FakeClock, make_settings
from tests.standin import AnsweredCallback, BotApiStandin, FakeUser, SentMessage, UpdateRef


@asynccontextmanager
async def running_bot(settings: Settings, clock: FakeClock) -> AsyncIterator[BansouRunner]:
    runner = BansouRunner(build_application(settings, clock=clock))
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


def code_from_link(text: str) -> str:
    """The start payload of the first t.me deep link in a message."""
    marker = "?start="
    start = text.index(marker) + len(marker)
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] in "-_"):
        end += 1
    return text[start:end]


async def next_message(
    standin: BotApiStandin, chat_id: int, after: int, within: float = 5.0
) -> SentMessage:
    """Wait for message number `after + 1` to `chat_id` and return it."""
    messages = await standin.await_sent(chat_id, count=after + 1, timeout=within)
    return messages[after]


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 5.0) -> None:
    """Poll an async condition until it holds (work in progress, not time passing)."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.01)


async def say(
    standin: BotApiStandin, user: FakeUser, text: str, within: float = 5.0
) -> SentMessage:
    """Send `text` in the user's private chat and return the bot's next message there."""
    before = len(standin.sent_messages(user.id))
    user.send_text(text)
    return await next_message(standin, user.id, before, within=within)


async def answer_for(
    standin: BotApiStandin, ref: UpdateRef, within: float = 5.0
) -> AnsweredCallback:
    """The bot's answerCallbackQuery for one press."""

    def found() -> AnsweredCallback | None:
        for answer in standin.answered_callbacks():
            if answer.callback_query_id == ref.callback_query_id:
                return answer
        return None

    result = await standin.await_for(found, timeout=within)
    assert result is not None
    return result


COORDINATOR_ID = 5001
PERSON_ID = 6001


@dataclass
class World:
    """The running bot, its clock and store, and the stand-in it talks to."""

    standin: BotApiStandin
    settings: Settings
    clock: FakeClock
    runner: BansouRunner
    db: Database

    async def count(self, model: Any, *where: Any) -> int:
        async with self.db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)))

    async def person(self, telegram_user_id: int) -> Person:
        async with self.db.transaction() as session:
            found = await session.scalar(
                select(Person).where(Person.telegram_user_id == telegram_user_id)
            )
            assert found is not None
            return found

    async def sweep_and_send(self) -> None:
        """Run the sweep now and let the sender drain (the jobs also run on their own)."""
        await self.runner.state.services.sweep()
        assert self.runner.state.sender is not None
        self.runner.state.sender.wake()


@asynccontextmanager
async def world_for(
    standin: BotApiStandin, database_url: str, **overrides: Any
) -> AsyncIterator[World]:
    settings = make_settings(
        database_url=database_url, telegram_base_url=standin.base_url, **overrides
    )
    clock = FakeClock()
    async with running_bot(settings, clock) as runner:
        yield World(standin, settings, clock, runner, runner.state.db)


async def enrol_coordinator(world: World, link: str | None = None) -> FakeUser:
    """Register the first coordinator through an invite link (made directly unless given)."""
    if link is None:
        code = await world.runner.state.services.create_invite("coordinator", "山田")
        link = deep_link(world.standin.bot_username, code)
    assert link.startswith(f"https://t.me/{world.standin.bot_username}?start=")
    coordinator = world.standin.user(COORDINATOR_ID, "山田")
    coordinator.start(code_from_link(link))
    welcome = await next_message(world.standin, COORDINATOR_ID, 0)
    assert "コーディネーター" in (welcome.text or "")
    return coordinator


async def invite_person(world: World, coordinator: FakeUser, name: str = "田中さん") -> str:
    before = len(world.standin.sent_messages(COORDINATOR_ID))
    coordinator.send_text(f"/invite {name}")
    reply = await next_message(world.standin, COORDINATOR_ID, before)
    assert name in (reply.text or "")
    code = code_from_link(reply.text or "")
    assert 16 <= len(code) <= 64
    return code


async def enrol_person(world: World, user_id: int = PERSON_ID) -> FakeUser:
    coordinator = world.standin.user(COORDINATOR_ID, "山田")
    code = await invite_person(world, coordinator)
    person = world.standin.user(user_id, "たなか")
    person.start(code)
    ask = await next_message(world.standin, user_id, 0)
    assert ask.button_labels == [texts.CONSENT_YES, texts.CONSENT_NO]
    person.press_button(ask.message_id, texts.CONSENT_YES)
    await next_message(world.standin, user_id, 1)
    return person
