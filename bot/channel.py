"""The seam between the core and a chat network: send a text with choices, edit it.

Telegram implements it today (`handlers.telegram_channel`); a LINE adapter can implement the
same protocol later without the core changing. Failures are reported as the small set of
exceptions below, so the sender's retry policy does not know any network's error types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Choice:
    """A one-tap answer: what the person sees and the opaque data the button carries."""

    label: str
    data: str


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    # Rows of buttons.
    choices: tuple[tuple[Choice, ...], ...] = field(default_factory=tuple)

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [[[c.label, c.data] for c in row] for row in self.choices],
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> OutgoingMessage:
        rows = tuple(
            tuple(Choice(label, data) for label, data in row) for row in payload.get("choices", [])
        )
        return cls(text=payload["text"], choices=rows)


class DeliveryError(Exception):
    """A message could not be delivered. Subclasses say what to do about it."""


class RecipientBlocked(DeliveryError):
    """The person blocked the bot (or the chat is gone): stop sending, tell the team."""


class RetryLater(DeliveryError):
    """The network asked everyone to wait (Telegram 429)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class TransientFailure(DeliveryError):
    """Timeouts, network trouble, 5xx: try again with backoff."""


class PermanentFailure(DeliveryError):
    """The request itself is wrong (400): retrying will not help."""


class Channel(Protocol):
    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        """Deliver a message; return the network's message id."""
        ...

    async def edit(self, chat_id: int, message_id: int, message: OutgoingMessage) -> None: ...
