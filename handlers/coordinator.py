"""Handlers for coordinators: creating invites for people."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.domain.invites import ROLE_PERSON, deep_link
from bot.services import NotAllowed
from handlers.common import reply
from handlers.context import BansouContext
from handlers.person import _caller, _not_for_you

MAX_NAME = 100


async def invite(update: Update, context: BansouContext) -> None:
    """/invite 田中さん — a one-time link to hand over at a visit (coordinators only)."""
    caller = await _caller(update, context)
    user = update.effective_user
    if caller.kind != "staff" or caller.role != "coordinator" or user is None:
        await _not_for_you(update, caller)
        return
    name = " ".join(context.args or []).strip()
    if not name:
        await reply(update, texts.INVITE_USAGE)
        return
    if len(name) > MAX_NAME:
        await reply(update, texts.NAME_TOO_LONG)
        return
    state = context.state
    try:
        code = await state.services.create_invite(ROLE_PERSON, name, created_by_user_id=user.id)
    except NotAllowed:
        await _not_for_you(update, caller)
        return
    link = deep_link(state.bot_username, code)
    await reply(update, texts.invite_created(name, link, state.settings.invite_ttl_days))
