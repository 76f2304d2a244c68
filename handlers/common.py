"""Small helpers shared by the handlers: replying with choices, classifying messages."""

from __future__ import annotations

from telegram import Message, Update

from bot.channel import Choice, OutgoingMessage
from handlers.telegram_channel import keyboard


def choices(*rows: tuple[tuple[str, str], ...]) -> tuple[tuple[Choice, ...], ...]:
    """Rows of (label, callback data) into channel choices."""
    return tuple(tuple(Choice(label, data) for label, data in row) for row in rows)


async def reply(
    update: Update, text: str, rows: tuple[tuple[Choice, ...], ...] = ()
) -> Message | None:
    message = update.effective_message
    chat = update.effective_chat
    if chat is None:
        return None
    markup = keyboard(OutgoingMessage(text, rows))
    if message is not None and update.callback_query is None:
        return await message.reply_text(text, reply_markup=markup, do_quote=False)
    return await chat.send_message(text, reply_markup=markup)


def classify(message: Message) -> tuple[str, str | None]:
    """(kind, text) of anything a person sends. Every kind counts as contact.

    Locations are recorded as contact only; coordinates are not kept.
    """
    if message.text is not None:
        return "text", message.text
    if message.sticker is not None:
        return "sticker", message.sticker.emoji
    if message.photo:
        return "photo", message.caption
    if message.voice is not None:
        return "voice", message.caption
    if message.video_note is not None:
        return "video_note", None
    if message.location is not None:
        return "location", None
    return "other", message.caption
