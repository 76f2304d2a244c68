"""The Telegram implementation of the core's `Channel`: PTB calls in, channel errors out."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channel import (
    OutgoingMessage,
    PermanentFailure,
    RecipientBlocked,
    RetryLater,
    TransientFailure,
)


def keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    if not message.choices:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(c.label, callback_data=c.data) for c in row]
            for row in message.choices
        ]
    )


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        try:
            sent = await self.bot.send_message(
                chat_id, message.text, reply_markup=keyboard(message)
            )
        except TelegramError as error:
            raise _translate(error) from None
        return sent.message_id

    async def edit(self, chat_id: int, message_id: int, message: OutgoingMessage) -> None:
        try:
            await self.bot.edit_message_text(
                message.text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard(message)
            )
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return
            raise _translate(error) from None
        except TelegramError as error:
            raise _translate(error) from None


def _translate(error: TelegramError) -> Exception:
    """Map PTB's errors onto the channel's; only class names travel on (never text)."""
    if isinstance(error, RetryAfter):
        return RetryLater(retry_seconds(error))
    if isinstance(error, Forbidden):
        return RecipientBlocked(type(error).__name__)
    if isinstance(error, BadRequest):
        # "chat not found" means the chat is gone: as final as a block.
        if "chat not found" in error.message.lower():
            return RecipientBlocked("ChatNotFound")
        return PermanentFailure(type(error).__name__)
    if isinstance(error, NetworkError):  # includes TimedOut and 5xx answers
        return TransientFailure(type(error).__name__)
    return PermanentFailure(type(error).__name__)
