"""Running the real bot (PTB application, durable intake, sender, jobs) against the stand-in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from bot.app import BansouRunner, build_application
from bot.config import Settings
from tests.fakes import FakeClock
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


def texts_to(standin: BotApiStandin, chat_id: int) -> list[str]:
    return [m.text or "" for m in standin.sent_messages(chat_id)]


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
