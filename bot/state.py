"""What the running application holds: settings, clock, store, services and workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Settings
from bot.services import Schedules, Services
from bot.teams import Teams
from storage.db import Database

if TYPE_CHECKING:
    from handlers.intake import DurableIntake
    from schedules.sender import OutboxSender


@dataclass
class AppState:
    settings: Settings
    clock: Clock
    db: Database
    services: Services
    teams: Teams
    schedules: Schedules
    bot_username: str = ""
    sender: OutboxSender | None = None
    intake: DurableIntake | None = None
    # Update ids whose handler failed, for the intake's retry logic.
    failed_updates: set[int] = field(default_factory=set)
