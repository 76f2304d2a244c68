"""A scriptable in-memory `Channel` for sender tests: records sends, raises what it is told."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from bot.channel import OutgoingMessage, RecipientBlocked


@dataclass(frozen=True)
class Delivery:
    chat_id: int
    message: OutgoingMessage
    message_id: int


class FakeChannel:
    """Implements `bot.channel.Channel`.

    `fail_next(error, chat_id)` queues an exception for the next send to that chat (or to any
    chat when `chat_id` is None); `block(chat_id)` makes every send to it raise
    `RecipientBlocked`. Every attempt, failed or not, is counted in `attempts`.
    """

    def __init__(self) -> None:
        self.delivered: list[Delivery] = []
        self.attempts: list[int] = []
        self.edits: list[tuple[int, int, OutgoingMessage]] = []
        self._failures: dict[int | None, deque[Exception]] = {}
        self._blocked: set[int] = set()
        self._next_message_id = 500

    def fail_next(self, error: Exception, chat_id: int | None = None, times: int = 1) -> None:
        self._failures.setdefault(chat_id, deque()).extend([error] * times)

    def block(self, chat_id: int) -> None:
        self._blocked.add(chat_id)

    def sent_to(self, chat_id: int) -> list[Delivery]:
        return [d for d in self.delivered if d.chat_id == chat_id]

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        self.attempts.append(chat_id)
        if chat_id in self._blocked:
            raise RecipientBlocked("Forbidden")
        for key in (chat_id, None):
            queue = self._failures.get(key)
            if queue:
                raise queue.popleft()
        self._next_message_id += 1
        self.delivered.append(Delivery(chat_id, message, self._next_message_id))
        return self._next_message_id

    async def edit(self, chat_id: int, message_id: int, message: OutgoingMessage) -> None:
        self.edits.append((chat_id, message_id, message))
