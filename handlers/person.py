"""Handlers for people in private chat: invite links, consent, replies, check-in buttons and
the person's own controls (/pause, /resume, /stop, /help).

Every handler first finds out who is calling from the database; callback data is only an
opaque hint and is re-validated by the services (a forged press changes nothing).
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, Update

from bot import texts
from bot.services import Caller
from handlers.common import choices, classify, reply
from handlers.context import BansouContext

log = logging.getLogger(__name__)

PAUSE_DAYS = {"7": 7, "14": 14, "30": 30}


async def _caller(update: Update, context: BansouContext) -> Caller:
    user = update.effective_user
    if user is None:
        return Caller("unknown")
    return await context.state.services.identify(user.id)


async def _contact(update: Update, context: BansouContext, kind: str = "command") -> None:
    """A person's command or menu button is a sign of life too (its words are not kept)."""
    user, chat = update.effective_user, update.effective_chat
    if user is not None and chat is not None:
        await context.state.services.record_contact(
            update_id=update.update_id, telegram_user_id=user.id, chat_id=chat.id, kind=kind
        )


async def _not_for_you(update: Update, context: BansouContext, caller: Caller) -> None:
    """What someone hears when a command is not theirs: nothing that reveals staff features."""
    if caller.kind == "staff":
        await reply(update, texts.STAFF_HELP)
    elif caller.kind == "person":
        await _contact(update, context)
        await reply(update, texts.PERSON_UNKNOWN_COMMAND)
    else:
        await reply(update, texts.UNKNOWN_USER)


async def start(update: Update, context: BansouContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services = context.state.services
    if context.args:
        result = await services.open_invite(context.args[0], user.id, chat.id)
        if result.kind == "consent_needed":
            await reply(
                update,
                texts.consent_request(result.schedule or "", result.quiet_hours or ""),
                choices(((texts.CONSENT_YES, "consent:yes"), (texts.CONSENT_NO, "consent:no"))),
            )
        elif result.kind == "staff_registered":
            await reply(
                update, texts.staff_registered(texts.ROLE_LABELS.get(result.role or "", ""))
            )
            await set_staff_commands(context, chat.id)
        elif result.kind == "already_enrolled":
            await reply(update, texts.ALREADY_ENROLLED)
        else:
            await reply(update, texts.INVITE_NOT_USABLE)
        return
    caller = await services.identify(user.id)
    if caller.kind == "staff":
        await reply(update, texts.STAFF_HELP)
    elif caller.kind == "person" and caller.status in ("active", "paused"):
        await _contact(update, context)
        await reply(update, texts.PERSON_HELP)
    elif caller.kind == "person" and caller.status == "invited":
        await reply(update, texts.CONSENT_PENDING)
    elif caller.kind == "person":
        await reply(update, texts.INACTIVE_CONTACT)
    else:
        await reply(update, texts.UNKNOWN_USER)


async def set_staff_commands(context: BansouContext, chat_id: int) -> None:
    await context.bot.set_my_commands(staff_commands(), scope=BotCommandScopeChat(chat_id))


async def help_command(update: Update, context: BansouContext) -> None:
    caller = await _caller(update, context)
    if caller.kind == "staff":
        await reply(update, texts.STAFF_HELP)
    elif caller.kind == "person" and caller.status in ("active", "paused"):
        await _contact(update, context)
        await reply(update, texts.PERSON_HELP)
    elif caller.kind == "person":
        await reply(update, texts.INACTIVE_CONTACT)
    else:
        await reply(update, texts.UNKNOWN_USER)


async def _staff_only(update: Update, context: BansouContext) -> int | None:
    """The caller's user id if they are staff; otherwise answer and return None."""
    caller = await _caller(update, context)
    user = update.effective_user
    if caller.kind != "staff" or user is None:
        await _not_for_you(update, context, caller)
        return None
    return user.id


async def _enrolled_person(update: Update, context: BansouContext) -> int | None:
    """The caller's user id if they are an enrolled person; otherwise answer and return None."""
    caller = await _caller(update, context)
    user = update.effective_user
    if caller.kind != "person" or user is None:
        await _not_for_you(update, context, caller)
        return None
    if caller.status not in ("active", "paused"):
        await reply(update, texts.NOT_ACTIVE)
        return None
    await _contact(update, context)
    return user.id


async def pause(update: Update, context: BansouContext) -> None:
    if await _enrolled_person(update, context) is None:
        return
    await reply(
        update,
        texts.PAUSE_QUESTION,
        choices(
            tuple((label, f"pause:{code}") for code, label in texts.PAUSE_CHOICES[:3]),
            tuple((label, f"pause:{code}") for code, label in texts.PAUSE_CHOICES[3:]),
        ),
    )


async def frequency(update: Update, context: BansouContext) -> None:
    """The person chooses how often they hear from the bot (本人主体)."""
    if await _enrolled_person(update, context) is None:
        return
    rows = tuple((label, f"freq:{code}") for code, label in texts.FREQUENCY_CHOICES)
    await reply(update, texts.FREQUENCY_QUESTION, choices(rows[:2], rows[2:]))


async def resume(update: Update, context: BansouContext) -> None:
    user_id = await _enrolled_person(update, context)
    if user_id is None:
        return
    was_paused, next_local = await context.state.services.resume(user_id)
    when = texts.local_when(next_local) if next_local else None
    await reply(update, texts.resumed(when) if was_paused else texts.not_paused(when))


async def stop(update: Update, context: BansouContext) -> None:
    if await _enrolled_person(update, context) is None:
        return
    await reply(
        update,
        texts.STOP_QUESTION,
        choices(((texts.STOP_CONFIRM, "stop:yes"), (texts.STOP_KEEP, "stop:no"))),
    )


async def message(update: Update, context: BansouContext) -> None:
    """Anything a person sends: stored as contact first; acknowledged once per burst."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    kind, text = classify(msg)
    result = await context.state.services.record_message(
        update_id=update.update_id,
        telegram_user_id=user.id,
        chat_id=chat.id,
        message_id=msg.message_id,
        kind=kind,
        text=text,
    )
    if result.kind in ("stored", "duplicate"):
        # Stored first (durable), then assessed; assessing twice is a no-op.
        await context.state.services.queue.assess_reply(update.update_id)
        if context.state.sender is not None:
            context.state.sender.wake()
    elif result.kind == "not_consented":
        await reply(update, texts.CONSENT_PENDING)
    elif result.kind == "inactive":
        await reply(update, texts.INACTIVE_CONTACT)
    elif result.kind == "unknown":
        caller = await _caller(update, context)
        await reply(update, texts.STAFF_HELP if caller.kind == "staff" else texts.UNKNOWN_USER)


async def edited(update: Update, context: BansouContext) -> None:
    msg, user, chat = update.edited_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    _kind, text = classify(msg)
    update_id = await context.state.services.record_edit(
        telegram_user_id=user.id, chat_id=chat.id, message_id=msg.message_id, text=text
    )
    if update_id is not None:
        # New words are read again: an edit can turn a reply into one that needs the team.
        await context.state.services.queue.assess_reply(update_id, edited=True)
        if context.state.sender is not None:
            context.state.sender.wake()


async def callback(update: Update, context: BansouContext) -> None:
    """Button presses in private chat. The data names an action; the caller is re-checked."""
    query = update.callback_query
    if query is None:
        return
    data = query.data or ""
    user = query.from_user
    services = context.state.services
    action, _, rest = data.partition(":")
    if action == "consent" and rest in ("yes", "no"):
        result = await services.decide_consent(user.id, granted=rest == "yes")
        await query.answer()
        if result.kind == "not_pending":
            await query.edit_message_reply_markup(None)
            await reply(update, texts.CONSENT_ALREADY_DECIDED)
            return
        await query.edit_message_reply_markup(None)
        if result.kind == "granted":
            when = texts.local_when(result.next_send_local) if result.next_send_local else None
            await reply(update, texts.consent_granted(when))
        else:
            await reply(update, texts.CONSENT_DECLINED)
        return
    if action == "ci":
        checkin_id, _, choice = rest.partition(":")
        if checkin_id.isdigit():
            answer = await services.answer_checkin(
                update_id=update.update_id,
                telegram_user_id=user.id,
                checkin_id=int(checkin_id),
                choice=choice,
            )
            if answer.ok:
                await services.queue.assess_reply(update.update_id)
                await query.answer(texts.CHECKIN_ANSWER_TOAST)
                if answer.answered_text is not None:
                    await query.edit_message_text(answer.answered_text, reply_markup=None)
                if context.state.sender is not None:
                    context.state.sender.wake()
                return
    if action == "conn":
        connection_id, _, decision = rest.partition(":")
        if connection_id.isdigit() and decision in ("yes", "no"):
            answer_text = await services.queue.decide_connection(
                user.id, int(connection_id), granted=decision == "yes"
            )
            if answer_text is not None:
                await query.answer()
                await query.edit_message_reply_markup(None)
                await reply(update, answer_text)
                if context.state.sender is not None:
                    context.state.sender.wake()
                return
    if action in ("freq", "pause", "stop"):
        await _contact(update, context, "menu")
    if action == "freq" and await services.is_enrolled(user.id):
        next_local = await context.state.schedules.choose_frequency(user.id, rest)
        if next_local is not None or rest in dict(texts.FREQUENCY_CHOICES):
            await query.answer()
            when = texts.local_when(next_local) if next_local else None
            await query.edit_message_text(texts.frequency_set(when), reply_markup=None)
            return
    if action == "pause" and await services.is_enrolled(user.id):
        if rest == "cancel":
            await query.answer()
            await query.edit_message_text(texts.PAUSE_CANCELLED, reply_markup=None)
            return
        if rest in PAUSE_DAYS:
            until = await services.pause(user.id, PAUSE_DAYS[rest])
            await query.answer()
            if until is not None:
                await query.edit_message_text(
                    texts.paused_until(texts.local_date(until)), reply_markup=None
                )
            return
    if action == "stop" and await services.is_enrolled(user.id):
        await query.answer()
        if rest == "yes" and await services.stop(user.id):
            await query.edit_message_text(texts.STOPPED, reply_markup=None)
        else:
            await query.edit_message_text(texts.STOP_KEPT, reply_markup=None)
        return
    # Unknown, forged, or no longer valid: nothing changes, and we say so kindly.
    await query.answer(texts.BUTTON_EXPIRED)


async def unknown_command(update: Update, context: BansouContext) -> None:
    """A command we do not have. For people it is still a message (a sign of life)."""
    caller = await _caller(update, context)
    if caller.kind == "person":
        await message(update, context)
        return
    await _not_for_you(update, context, caller)


def person_commands() -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in texts.PERSON_COMMANDS]


def staff_commands() -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in texts.STAFF_COMMANDS]
