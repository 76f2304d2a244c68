"""Fixtures for the core's service tests."""

from __future__ import annotations

import pytest

from bot.services import Services
from tests.bot.staffing import (
    ALERT_CHAT,
    COORD,
    OTHER_SUPPORTER,
    PERSON,
    SUPPORTER,
    Team,
    add_person,
    add_staff,
)
from tests.fakes import FakeClock


@pytest.fixture
async def team(services: Services, clock: FakeClock) -> Team:
    """A coordinator (山田), two supporters (佐藤 on duty, 鈴木), a team chat, one person."""
    await add_staff(services, "coordinator", "山田", COORD)
    await add_staff(services, "supporter", "佐藤", SUPPORTER)
    await add_staff(services, "supporter", "鈴木", OTHER_SUPPORTER)
    assert await services.queue.set_alert_chat(COORD, ALERT_CHAT) is not None
    assert await services.queue.set_duty(SUPPORTER) is True
    await add_person(services, "田中さん", PERSON)
    return Team(services, clock)
