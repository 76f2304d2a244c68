"""Handlers for supporters: alert buttons (claim / resolve / note), /queue, /person, /note,
/handover, /connect and /duty. Each one re-checks role and team in the database first."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import texts
from bot.channel import OutgoingMessage
from bot.queue import AlertEdit, StaffActionResult
from handlers.common import reply
from handlers.context import BansouContext
from handlers.person import _staff_only
from handlers.telegram_channel import TelegramChannel, keyboard

log = logging.getLogger(__name__)

MAX_NOTE = 2000


async def _apply_edits(context: BansouContext, edits: list[AlertEdit]) -> None:
    """Show the claim / resolution on every copy of the alert (best effort: a UI update)."""
    channel = TelegramChannel(context.bot)
    for edit in edits:
        try:
            await channel.edit(edit.chat_id, edit.message_id, edit.message)
        except Exception as error:  # an old message may be gone; the DB is the truth
            log.warning("could not update an alert message: %s", type(error).__name__)


def _refusal(result: StaffActionResult) -> str:
    if result.kind == "taken":
        return texts.already_claimed(result.name)
    if result.kind == "resolved":
        return texts.ALREADY_RESOLVED
    return texts.NOT_YOURS


async def alert_callback(update: Update, context: BansouContext) -> None:
    """esc:<id>:claim | resolve | note | out:<outcome> | rc:<connection id>."""
    query = update.callback_query
    if query is None:
        return
    queue = context.state.services.queue
    parts = (query.data or "").split(":")
    if len(parts) < 3 or not parts[1].isdigit():
        await query.answer(texts.BUTTON_EXPIRED)
        return
    escalation_id, action = int(parts[1]), parts[2]
    user_id = query.from_user.id
    if action == "claim":
        result = await queue.claim(escalation_id, user_id)
        if result.kind != "ok":
            await query.answer(_refusal(result), show_alert=True)
            return
        await query.answer(texts.CLAIMED_BY_YOU)
        await _apply_edits(context, result.edits)
        return
    if action == "resolve":
        result = await queue.outcome_choices(escalation_id, user_id)
        if result.kind != "ok":
            await query.answer(_refusal(result), show_alert=True)
            return
        await query.answer()
        await _ask_privately(update, context, texts.OUTCOME_QUESTION, result)
        return
    if action == "out" and len(parts) == 4:
        outcome = parts[3]
        if outcome == "reconnected":
            result = await queue.reconnect_choices(escalation_id, user_id)
            if result.kind != "ok":
                await query.answer(_refusal(result), show_alert=True)
                return
            await query.answer()
            await query.edit_message_text(texts.RECONNECT_QUESTION, reply_markup=_markup(result))
            return
        await _resolve(update, context, escalation_id, outcome, None)
        return
    if action == "rc" and len(parts) == 4 and parts[3].isdigit():
        await _resolve(update, context, escalation_id, "reconnected", int(parts[3]) or None)
        return
    if action == "note":
        result = await queue.note_target(escalation_id, user_id)
        if result.kind != "ok":
            await query.answer(_refusal(result), show_alert=True)
            return
        await query.answer(texts.note_hint(result.name), show_alert=True)
        return
    await query.answer(texts.BUTTON_EXPIRED)


def _markup(result: StaffActionResult) -> InlineKeyboardMarkup | None:
    return keyboard(OutgoingMessage("", result.choices))


async def _ask_privately(
    update: Update, context: BansouContext, question: str, result: StaffActionResult
) -> None:
    """Outcome buttons go to the supporter's private chat, not the team group."""
    user = update.effective_user
    if user is None:
        return
    try:
        await context.bot.send_message(user.id, question, reply_markup=_markup(result))
    except TelegramError:
        # They never opened a private chat with the bot: ask where they pressed.
        await reply(update, question, result.choices)


async def _resolve(
    update: Update, context: BansouContext, escalation_id: int, outcome: str, connection: int | None
) -> None:
    query = update.callback_query
    assert query is not None
    result = await context.state.services.queue.resolve(
        escalation_id, query.from_user.id, outcome, connection
    )
    if result.kind != "ok":
        await query.answer(_refusal(result), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(texts.resolved_done(result.name or ""), reply_markup=None)
    await _apply_edits(context, result.edits)


async def queue_command(update: Update, context: BansouContext) -> None:
    user_id = await _staff_only(update, context)
    if user_id is None:
        return
    lines = await context.state.services.queue.queue_lines(user_id)
    if not lines:
        await reply(update, texts.QUEUE_EMPTY)
        return
    await reply(update, "\n".join([texts.QUEUE_TITLE, *lines]))


def _lookup_problem(kind: str) -> str:
    return texts.PERSON_NOT_FOUND if kind in ("not_found", "ambiguous") else texts.NOT_YOURS


async def person_command(update: Update, context: BansouContext) -> None:
    user_id = await _staff_only(update, context)
    if user_id is None:
        return
    name = " ".join(context.args or []).strip()
    if not name:
        await reply(update, texts.PERSON_USAGE)
        return
    found, lines = await context.state.services.queue.person_timeline(user_id, name)
    if found.kind != "ok":
        await reply(update, _lookup_problem(found.kind))
        return
    await reply(update, "\n".join(lines)[:4000])


async def note_command(update: Update, context: BansouContext) -> None:
    user_id = await _staff_only(update, context)
    if user_id is None:
        return
    args = context.args or []
    if len(args) < 2:
        await reply(update, texts.NOTE_USAGE)
        return
    found = await context.state.services.queue.add_note(
        user_id, args[0], " ".join(args[1:])[:MAX_NOTE]
    )
    await reply(update, texts.NOTE_SAVED if found.kind == "ok" else _lookup_problem(found.kind))


async def handover_command(update: Update, context: BansouContext) -> None:
    user_id = await _staff_only(update, context)
    if user_id is None:
        return
    args = context.args or []
    if len(args) != 2:
        await reply(update, texts.HANDOVER_USAGE)
        return
    outcome, to_name, edits = await context.state.services.queue.handover(user_id, args[0], args[1])
    if outcome == "ok" and to_name is not None:
        await reply(update, texts.handed_over(args[0], to_name))
        await _apply_edits(context, edits)
        if context.state.sender is not None:
            context.state.sender.wake()
    elif outcome == "no_case":
        await reply(update, texts.NOTHING_OPEN)
    elif outcome == "staff_not_found":
        await reply(update, texts.STAFF_NOT_FOUND)
    else:
        await reply(update, _lookup_problem(outcome))


async def connect_command(update: Update, context: BansouContext) -> None:
    """/connect 田中さん 地域包括支援センター [種類] — ask the person first (つなげない選択)."""
    user_id = await _staff_only(update, context)
    if user_id is None:
        return
    args = context.args or []
    if len(args) < 2:
        await reply(update, texts.CONNECT_USAGE)
        return
    resource = args[1][:200]
    resource_type = " ".join(args[2:])[:50] or texts.DEFAULT_RESOURCE_TYPE
    found = await context.state.services.queue.propose_connection(
        user_id, args[0], resource, resource_type
    )
    if found.kind != "ok" or found.person is None:
        await reply(update, _lookup_problem(found.kind))
        return
    await reply(update, texts.connect_asked(found.person.display_name, resource))
    if context.state.sender is not None:
        context.state.sender.wake()


async def duty_command(update: Update, context: BansouContext) -> None:
    user_id = await _staff_only(update, context)
    if user_id is None:
        return
    on_duty = await context.state.services.queue.set_duty(user_id)
    await reply(update, texts.duty_on() if on_duty else texts.DUTY_OFF)
