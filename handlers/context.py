"""The typed callback context every handler receives: `context.state` is the AppState."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.state import AppState


class BansouContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def state(self) -> AppState:
        return cast(AppState, self.bot_data["state"])


CONTEXT_TYPES = ContextTypes(context=BansouContext)

BansouApplication = Application[
    ExtBot[None], BansouContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
