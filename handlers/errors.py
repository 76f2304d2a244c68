"""The application's error handler: logs what failed and where, never what was said."""

from __future__ import annotations

import logging

from telegram import Update

from bot.logsetup import describe_error
from handlers.context import BansouContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BansouContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if update_id is not None:
        context.state.failed_updates.add(update_id)
    if error is None:
        return
    # The message of an error may quote user text or SQL parameters: log type and stack only.
    log.error("error while handling update %s: %s", update_id, describe_error(error))
