"""Plain records the stand-in hands to tests (always snapshots, never live state)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["AnsweredCallback", "Call", "SentMessage", "UpdateRef"]


class UpdateRef(NamedTuple):
    """What a driven user action produced.

    ``update_id`` is ``None`` when Telegram would not have delivered the update to the bot
    (group privacy mode). ``message_id`` is set for new/edited messages and for button presses
    (the pressed message); ``callback_query_id`` for button presses.
    """

    update_id: int | None
    message_id: int | None = None
    callback_query_id: str | None = None


@dataclass
class SentMessage:
    """A message the bot sent, with its later edits.

    ``text``/``reply_markup`` are as first sent (text after ``parse_mode`` was applied, i.e.
    without markup, as Telegram stores it); ``current_text``/``current_markup`` reflect edits.
    ``edits`` lists the texts of later ``editMessageText`` calls, in order.
    """

    chat_id: int
    message_id: int
    text: str | None
    reply_markup: dict[str, Any] | None
    date: int
    edits: list[str] = field(default_factory=list)
    current_text: str | None = None
    current_markup: dict[str, Any] | None = None
    method: str = "sendMessage"
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    markup_edits: int = 0
    deleted: bool = False
    document: dict[str, Any] | None = None
    sent_at: float = 0.0

    @property
    def buttons(self) -> list[list[str]]:
        """Labels of the current inline keyboard, row by row."""
        markup = self.current_markup or {}
        return [
            [button.get("text", "") for button in row] for row in markup.get("inline_keyboard", [])
        ]

    @property
    def button_labels(self) -> list[str]:
        """Labels of the current inline keyboard, flattened."""
        return [label for row in self.buttons for label in row]

    def callback_data_for(self, label: str) -> str:
        """The callback_data of the current inline button labelled ``label``."""
        markup = self.current_markup or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if button.get("text") == label and "callback_data" in button:
                    return str(button["callback_data"])
        raise KeyError(f"no callback button labelled {label!r} on message {self.message_id}")


@dataclass(frozen=True)
class Call:
    """One request the bot made: method name as sent, decoded parameters, monotonic time."""

    method: str
    params: dict[str, Any]
    time: float


@dataclass(frozen=True)
class AnsweredCallback:
    """An ``answerCallbackQuery`` the bot made, joined with the press it answered."""

    callback_query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    time: float
