"""Handlers for coordinators: invites for people and supporters, the team's alert chat,
teams, removing supporters and moving people between teams."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.domain.invites import ROLE_PERSON, ROLE_SUPPORTER, deep_link
from bot.services import NotAllowed, ScheduleView
from handlers.common import reply
from handlers.context import BansouContext
from handlers.person import _caller, _not_for_you, _staff_only

MAX_NAME = 100


async def _coordinator(update: Update, context: BansouContext) -> int | None:
    """The caller's user id if they are a coordinator; otherwise answer and return None."""
    caller = await _caller(update, context)
    user = update.effective_user
    if caller.kind != "staff" or caller.role != "coordinator" or user is None:
        await _not_for_you(update, context, caller)
        return None
    return user.id


async def _invite(update: Update, context: BansouContext, role: str, usage: str) -> None:
    user_id = await _coordinator(update, context)
    if user_id is None:
        return
    name = " ".join(context.args or []).strip()
    if not name:
        await reply(update, usage)
        return
    if len(name) > MAX_NAME:
        await reply(update, texts.NAME_TOO_LONG)
        return
    state = context.state
    try:
        code = await state.services.create_invite(role, name, created_by_user_id=user_id)
    except NotAllowed:
        await reply(update, texts.NOT_YOURS)
        return
    link = deep_link(state.bot_username, code)
    await reply(update, texts.invite_created(name, link, state.settings.invite_ttl_days))


async def invite(update: Update, context: BansouContext) -> None:
    """/invite 田中さん — a one-time link to hand over at a visit (coordinators only)."""
    await _invite(update, context, ROLE_PERSON, texts.INVITE_USAGE)


async def invite_supporter(update: Update, context: BansouContext) -> None:
    """/invite_supporter 佐藤 — a one-time link that registers a supporter in the team."""
    await _invite(update, context, ROLE_SUPPORTER, texts.SUPPORTER_INVITE_USAGE)


async def set_alert_chat(update: Update, context: BansouContext) -> None:
    """/set_alert_chat [チーム名] inside a group: it receives that team's alerts."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if chat.type == "private":
        await reply(update, texts.ALERT_CHAT_GROUP_ONLY)
        return
    team_name = " ".join(context.args or []).strip() or None
    team = await context.state.services.queue.set_alert_chat(user.id, chat.id, team_name)
    if team is None:
        # Not a coordinator: say nothing in a group.
        return
    if isinstance(team, tuple):
        await reply(update, texts.alert_chat_which_team(team))
        return
    await reply(update, texts.alert_chat_set(team.name))


async def new_team(update: Update, context: BansouContext) -> None:
    user_id = await _coordinator(update, context)
    if user_id is None:
        return
    name = " ".join(context.args or []).strip()
    if not name or len(name) > MAX_NAME:
        await reply(update, texts.NEW_TEAM_USAGE)
        return
    outcome = await context.state.teams.new_team(user_id, name)
    await reply(update, texts.team_created(name) if outcome == "ok" else texts.NEW_TEAM_USAGE)


async def remove_supporter(update: Update, context: BansouContext) -> None:
    user_id = await _coordinator(update, context)
    if user_id is None:
        return
    name = " ".join(context.args or []).strip()
    if not name:
        await reply(update, texts.REMOVE_USAGE)
        return
    outcome = await context.state.teams.remove_supporter(user_id, name)
    await reply(update, texts.supporter_removed(name) if outcome == "ok" else texts.STAFF_NOT_FOUND)


async def move_person(update: Update, context: BansouContext) -> None:
    user_id = await _coordinator(update, context)
    args = context.args or []
    if user_id is None:
        return
    if len(args) != 2:
        await reply(update, texts.MOVE_USAGE)
        return
    outcome = await context.state.teams.move_person(user_id, args[0], args[1])
    if outcome == "ok":
        await reply(update, texts.person_moved(args[0], args[1]))
    elif outcome == "team_not_found":
        await reply(update, texts.TEAM_NOT_FOUND)
    else:
        await reply(update, texts.PERSON_NOT_FOUND)


async def schedule(update: Update, context: BansouContext) -> None:
    """/schedule 名前 — the next 5 times; /schedule 名前 火金 10:00 — set (coordinators)."""
    user_id = await _staff_only(update, context)
    if user_id is None:
        return
    args = context.args or []
    if not args:
        await reply(update, texts.SCHEDULE_USAGE)
        return
    schedules = context.state.schedules
    if len(args) == 1:
        view = await schedules.show(user_id, args[0])
    else:
        view = await schedules.set_schedule(user_id, args[0], " ".join(args[1:]))
    await _render_schedule(update, view)


async def quiet(update: Update, context: BansouContext) -> None:
    """/quiet 名前 22:00-08:00 (coordinators)."""
    user_id = await _staff_only(update, context)
    if user_id is None:
        return
    args = context.args or []
    if len(args) < 2:
        await reply(update, texts.QUIET_USAGE)
        return
    view = await context.state.schedules.set_quiet(user_id, args[0], " ".join(args[1:]))
    await _render_schedule(update, view)


async def _render_schedule(update: Update, view: ScheduleView) -> None:
    if view.kind == "bad_spec":
        await reply(update, texts.schedule_error(view.error_code))
    elif view.kind == "bad_quiet":
        await reply(update, texts.quiet_error(view.error_code))
    elif view.kind == "forbidden":
        await reply(update, texts.NOT_YOURS)
    elif view.kind != "ok":
        await reply(update, texts.PERSON_NOT_FOUND)
    else:
        await reply(
            update,
            texts.schedule_view(
                view.person_name or "",
                view.spec or "",
                view.quiet or "",
                view.source or "",
                [texts.local_when(moment) for moment in view.upcoming_local],
                texts.local_date(view.tight_until_local) if view.tight_until_local else None,
            ),
        )
