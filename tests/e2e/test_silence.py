"""Silence end to end with a test clock: one gentle follow-up, then the team's queue (P3 → P2),
and any sign of life tells the team. Paused people are never silent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import texts
from storage.models import Checkin, Escalation, Inbound
from tests.e2e.harness import (
    COORDINATOR_ID,
    PERSON_ID,
    World,
    enrol_coordinator,
    enrol_person,
    eventually,
    world_for,
)
from tests.standin import BotApiStandin


@pytest.fixture
async def world(standin: BotApiStandin, sqlite_url: str) -> AsyncIterator[World]:
    """The bot, with the silence watch left to the test (no background judging)."""
    async with world_for(standin, sqlite_url, silence_sweep_seconds=3600.0) as running:
        yield running


async def _cases(world: World) -> list[Escalation]:
    async with world.db.transaction() as session:
        return list((await session.scalars(select(Escalation).order_by(Escalation.id))).all())


async def _next_checkin_sent(world: World) -> None:
    """Move the clock to the person's next check-in and let it go out."""
    person = await world.person(PERSON_ID)
    assert person.next_checkin_at is not None
    world.clock.set(person.next_checkin_at + timedelta(minutes=1))
    sent_before = await world.count(Checkin, Checkin.sent_at.is_not(None))
    await world.runner.state.services.sweep()
    sender = world.runner.state.sender
    assert sender is not None
    sender.wake()

    async def recorded() -> bool:
        # Sent and recorded as sent (the judgement reads the record, not the network).
        return await world.count(Checkin, Checkin.sent_at.is_not(None)) == sent_before + 1

    await eventually(recorded, "the check-in was never recorded as sent")


async def _judge(world: World, hours_later: float) -> tuple[int, int]:
    world.clock.advance(hours=hours_later)
    return await world.runner.state.services.queue.silence_sweep()


async def test_silence_follow_up_then_p3_then_p2_then_contact(world: World) -> None:
    await enrol_coordinator(world)
    person = await enrol_person(world)
    standin = world.standin

    # One missed check-in (unusual for a new person): one gentle follow-up, once.
    await _next_checkin_sent(world)
    assert await _judge(world, 23) == (1, 0)  # the next morning, outside quiet hours
    sender = world.runner.state.sender
    assert sender is not None
    sender.wake()
    await standin.await_for(
        lambda: standin.sent_messages(PERSON_ID)[-1].text in texts.SILENCE_FOLLOW_UPS
    )
    follow_up = standin.sent_messages(PERSON_ID)[-1]
    assert follow_up.text in texts.SILENCE_FOLLOW_UPS
    assert "返事はいりません" in (follow_up.text or "") or "気にしないで" in (follow_up.text or "")
    assert await _judge(world, 2) == (0, 0)

    # Two more missed check-ins: a P3 silence item reaches the team (no alert chat yet:
    # every member privately — here the coordinator).
    await _next_checkin_sent(world)
    await _next_checkin_sent(world)
    _, escalated = await _judge(world, 23)
    assert escalated == 1
    [case] = await _cases(world)
    assert (case.reason, case.priority, case.status) == ("silence", 3, "open")
    sender.wake()
    await standin.await_for(
        lambda: "連絡がない" in (standin.sent_messages(COORDINATOR_ID)[-1].text or "")
    )
    alert = standin.sent_messages(COORDINATOR_ID)[-1]
    assert "連絡がない" in (alert.text or "") and "P3" in (alert.text or "")
    assert alert.button_labels == [texts.ALERT_CLAIM, texts.ALERT_RESOLVE, texts.ALERT_NOTE]

    # Judged again without change: no duplicate item, no second alert.
    before = len(standin.sent_messages(COORDINATOR_ID))
    assert await _judge(world, 2) == (0, 0)
    sender.wake()
    await asyncio.sleep(0.1)  # room for a (wrong) second alert to appear
    assert len(standin.sent_messages(COORDINATOR_ID)) == before

    # Silence goes on past twice the threshold: the same item rises to P2.
    world.clock.advance(days=8)
    _, escalated = await world.runner.state.services.queue.silence_sweep()
    assert escalated == 1
    [case] = await _cases(world)
    assert case.priority == 2
    sender.wake()
    await standin.await_for(lambda: "P2" in (standin.sent_messages(COORDINATOR_ID)[-1].text or ""))

    # Any sign of life (a sticker) ends the silence and the team hears of it.
    person.send_sticker("🙂")
    await standin.await_for(
        lambda: "連絡がありました" in (standin.sent_messages(COORDINATOR_ID)[-1].text or "")
    )
    assert len(await _cases(world)) == 1


async def test_paused_people_are_never_silent(world: World) -> None:
    await enrol_coordinator(world)
    person = await enrol_person(world)
    person.send_text("/pause")
    question = await world.standin.await_sent(PERSON_ID, 3)
    person.press_button(question[2].message_id, "1か月")
    await world.standin.await_for(
        lambda: "お休みにしました" in (world.standin.sent_messages(PERSON_ID)[2].current_text or "")
    )
    assert await _judge(world, 24 * 20) == (0, 0)
    assert await _cases(world) == []


@pytest.mark.parametrize("command", ["/help", "/queue"])
async def test_a_command_ends_a_silence_too_and_its_words_are_not_kept(
    world: World, command: str
) -> None:
    await enrol_coordinator(world)
    person = await enrol_person(world)
    for _ in range(3):
        await _next_checkin_sent(world)
    await _judge(world, 23)
    [case] = await _cases(world)
    assert case.reason == "silence"
    before = (await world.person(PERSON_ID)).last_contact_at

    person.send_text(command)  # a person's own command, or one only staff have
    await world.standin.await_for(
        lambda: "連絡がありました" in (world.standin.sent_messages(COORDINATOR_ID)[-1].text or "")
    )
    after = (await world.person(PERSON_ID)).last_contact_at
    assert before is not None and after is not None and after > before
    async with world.db.transaction() as session:
        [kept] = (await session.scalars(select(Inbound))).all()
    assert (kept.kind, kept.text, kept.level) == ("command", None, "none")
