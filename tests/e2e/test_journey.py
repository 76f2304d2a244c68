"""The walking skeleton end to end: enrol → consent → scheduled check-in → reply → controls,
over the real PTB stack against the Bot API stand-in, with a test clock."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import texts
from bot.config import Settings
from bot.logsetup import configure_logging
from storage.models import Checkin, ConsentRecord, Inbound, Outbox, Person, UpdateJournal
from tests.e2e.harness import (
    COORDINATOR_ID,
    PERSON_ID,
    World,
    enrol_coordinator,
    enrol_person,
    eventually,
    invite_person,
    next_message,
    world_for,
)
from tests.fakes import TEST_TOKEN
from tests.standin import BotApiStandin


async def test_the_distress_assessor_is_built_before_the_bot_runs(
    standin: BotApiStandin, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Built on the first reply instead, it held the event loop for seconds while sends and
    # the sender lease waited (tests/e2e/test_scale_out.py lost its lease that way).
    from bot.domain.distress import assessor

    monkeypatch.setattr(assessor, "_default", None)
    async with world_for(standin, sqlite_url):
        assert assessor._default is not None


def cli_invite(settings: Settings, role: str, name: str) -> str:
    """The operator's bootstrap command, run as a real process."""
    env = {
        **os.environ,
        "BANSOU_TELEGRAM_TOKEN": settings.telegram_token or "",
        "BANSOU_TELEGRAM_BASE_URL": settings.telegram_base_url,
        "BANSOU_DATABASE_URL": settings.database_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "invite", "--role", role, "--name", name],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert TEST_TOKEN not in done.stdout + done.stderr
    return done.stdout.strip()


async def test_full_journey(world: World, caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("DEBUG", secrets=[TEST_TOKEN])
    caplog.set_level(logging.DEBUG)
    standin, clock = world.standin, world.clock

    # 2. The first coordinator, bootstrapped from the CLI (a real process).
    link = await asyncio.to_thread(cli_invite, world.settings, "coordinator", "山田")
    coordinator = await enrol_coordinator(world, link)
    staff_menu = await standin.await_for(
        lambda: standin.my_commands({"type": "chat", "chat_id": COORDINATOR_ID})
    )
    assert [c["command"] for c in staff_menu] == [name for name, _ in texts.STAFF_COMMANDS]
    assert all(c["description"] for c in staff_menu)

    # 3. The coordinator invites a person in chat.
    code = await invite_person(world, coordinator)

    # 4. The person opens the link, reads the explanation and consents.
    person = standin.user(PERSON_ID, "たなか")
    person.start(code)
    ask = await next_message(standin, PERSON_ID, 0)
    assert "支援チーム" in (ask.text or "") and "/stop" in (ask.text or "")
    assert "大丈夫" in (ask.text or "")  # replying is never required
    assert await world.count(Checkin) == 0
    person.press_button(ask.message_id, texts.CONSENT_YES)
    granted = await next_message(standin, PERSON_ID, 1)
    assert "登録しました" in (granted.text or "")
    record = await world.count(ConsentRecord, ConsentRecord.decision == "granted")
    assert record == 1
    enrolled = await world.person(PERSON_ID)
    assert enrolled.status == "active"
    assert enrolled.consent_version == texts.CONSENT_TEXT_VERSION
    assert enrolled.next_checkin_at is not None

    # The used code is spent.
    stranger = standin.user(6999, "だれか")
    stranger.start(code)
    refused = await next_message(standin, 6999, 0)
    assert refused.text == texts.INVITE_NOT_USABLE

    # 5. Time passes to the scheduled slot: one check-in with one-tap buttons.
    clock.set(enrolled.next_checkin_at + timedelta(minutes=1))
    await world.sweep_and_send()
    checkin = await next_message(standin, PERSON_ID, 2)
    assert checkin.text in texts.CHECKIN_VARIANTS
    assert checkin.button_labels == [label for _, label in texts.CHECKIN_CHOICES]
    local = clock.now().astimezone(world.settings.zone)
    assert local.weekday() in (1, 4) and 9 <= local.hour <= 10  # Tue/Fri around 10:00 JST

    # 6. A one-tap answer: stored, the check-in is marked, the message shows the choice.
    person.press_button(checkin.message_id, "まあまあ")
    ack = await next_message(standin, PERSON_ID, 3)
    assert ack.text in texts.ACK_VARIANTS
    await standin.await_for(
        lambda: "まあまあ" in (standin.sent_messages(PERSON_ID)[2].current_text or "")
    )
    assert await world.count(Checkin, Checkin.status == "answered") == 1

    # Several messages together: all stored, one acknowledgement.
    clock.advance(minutes=30)
    person.send_text("きょうは散歩しました")
    person.send_sticker("😊")
    person.send_photo(caption="ねこ")
    person.send_voice()
    person.send_video_note()
    person.send_location(35.0, 139.0)

    async def all_stored() -> bool:
        return await world.count(Inbound) == 7

    await eventually(all_stored, "the six messages were not all stored")
    await standin.await_for(lambda: len(standin.sent_messages(PERSON_ID)) >= 5)
    await asyncio.sleep(0.2)  # give a second acknowledgement the chance to (wrongly) appear
    assert len(standin.sent_messages(PERSON_ID)) == 5
    kinds = await _inbound_kinds(world)
    assert kinds == ["button", "text", "sticker", "photo", "voice", "video_note", "location"]

    # Edited messages update the stored text.
    first_text = next(m for m in await _inbound(world) if m.kind == "text")
    person.edit_text(first_text.message_id, "きょうは公園まで散歩しました")
    await _await_db(world, lambda rows: any(r.edited_at for r in rows))
    edited = next(m for m in await _inbound(world) if m.kind == "text")
    assert edited.text == "きょうは公園まで散歩しました"

    # An unknown user gets one neutral line; nothing of theirs is kept.
    unknown = standin.user(7777, "しらないひと")
    unknown.send_text("こんにちは")
    neutral = await next_message(standin, 7777, 0)
    assert neutral.text == texts.UNKNOWN_USER
    await _await_journal_empty(world)
    assert await world.count(Inbound) == 7

    # The person's command menu is scoped to private chats and in Japanese.
    person_menu = standin.my_commands({"type": "all_private_chats"})
    assert [c["command"] for c in person_menu] == ["frequency", "pause", "resume", "stop", "help"]

    # Nothing secret or personal reached the logs.
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert TEST_TOKEN not in logged
    for said in ("散歩", "ねこ", "こんにちは", "田中", "山田", "まあまあ"):
        assert said not in logged


async def test_decline_schedules_nothing(world: World) -> None:
    coordinator = await enrol_coordinator(world)
    code = await invite_person(world, coordinator, "佐々木さん")
    person = world.standin.user(PERSON_ID, "ささき")
    person.start(code)
    ask = await next_message(world.standin, PERSON_ID, 0)
    person.press_button(ask.message_id, texts.CONSENT_NO)
    goodbye = await next_message(world.standin, PERSON_ID, 1)
    assert goodbye.text == texts.CONSENT_DECLINED
    declined = await world.person(PERSON_ID)
    assert declined.status == "declined" and declined.next_checkin_at is None
    world.clock.advance(days=30)
    await world.sweep_and_send()
    await asyncio.sleep(0.1)
    assert await world.count(Checkin) == 0
    assert len(world.standin.sent_messages(PERSON_ID)) == 2
    # Their later words are not kept.
    person.send_text("やっぱり")
    reply = await next_message(world.standin, PERSON_ID, 2)
    assert reply.text == texts.INACTIVE_CONTACT
    assert await world.count(Inbound) == 0


async def test_unknown_and_expired_codes_say_nothing_more(world: World) -> None:
    coordinator = await enrol_coordinator(world)
    code = await invite_person(world, coordinator)
    world.clock.advance(days=world.settings.invite_ttl_days, seconds=1)
    late = world.standin.user(PERSON_ID, "おそい")
    late.start(code)
    assert (await next_message(world.standin, PERSON_ID, 0)).text == texts.INVITE_NOT_USABLE
    guesser = world.standin.user(6100, "guesser")
    guesser.start("A" * 32)
    assert (await next_message(world.standin, 6100, 0)).text == texts.INVITE_NOT_USABLE
    guesser.start("not a code!")
    assert (await next_message(world.standin, 6100, 1)).text == texts.INVITE_NOT_USABLE
    assert await world.count(Person) == 0


async def test_pause_resume_and_stop(world: World) -> None:
    await enrol_coordinator(world)
    person = await enrol_person(world)
    standin, clock = world.standin, world.clock

    person.send_text("/pause")
    question = await next_message(standin, PERSON_ID, 2)
    assert question.button_labels == [label for _, label in texts.PAUSE_CHOICES]
    person.press_button(question.message_id, "1週間")
    await standin.await_for(
        lambda: "まで、お休みにしました" in (standin.sent_messages(PERSON_ID)[2].current_text or "")
    )
    assert standin.sent_messages(PERSON_ID)[2].buttons == []
    paused = await world.person(PERSON_ID)
    assert paused.status == "paused" and paused.next_checkin_at is None

    # Slots pass during the pause: nothing is sent.
    clock.advance(days=4)
    await world.sweep_and_send()
    await asyncio.sleep(0.1)
    assert await world.count(Checkin) == 0

    person.send_text("/resume")
    back = await next_message(standin, PERSON_ID, 3)
    assert (back.text or "").startswith("おかえりなさい")
    resumed = await world.person(PERSON_ID)
    assert resumed.status == "active" and resumed.next_checkin_at is not None

    # A pause that runs out resumes by itself.
    person.send_text("/pause")
    question = await next_message(standin, PERSON_ID, 4)
    person.press_button(question.message_id, "2週間")
    await _await_status(world, "paused")
    clock.advance(days=15)
    await world.sweep_and_send()
    assert (await world.person(PERSON_ID)).status == "active"

    # Stop is confirmed by button and is immediate.
    person.send_text("/stop")
    confirm = await next_message(standin, PERSON_ID, 5)
    assert confirm.button_labels == [texts.STOP_CONFIRM, texts.STOP_KEEP]
    person.press_button(confirm.message_id, texts.STOP_CONFIRM)
    await _await_status(world, "stopped")
    assert await world.count(ConsentRecord, ConsentRecord.decision == "withdrawn") == 1
    clock.advance(days=30)
    await world.sweep_and_send()
    await asyncio.sleep(0.1)
    assert await world.count(Outbox, Outbox.kind == "checkin", Outbox.status == "sent") == 0

    # Re-joining needs a new invite: the old buttons do nothing.
    person.press(question.message_id, "pause:7", strict=False)
    await standin.await_for(
        lambda: any(a.text == texts.BUTTON_EXPIRED for a in standin.answered_callbacks())
    )
    assert (await world.person(PERSON_ID)).status == "stopped"


async def test_catch_up_after_downtime_sends_one(world: World) -> None:
    await enrol_coordinator(world)
    await enrol_person(world)
    before = await world.person(PERSON_ID)
    assert before.next_checkin_at is not None
    # The bot was "down" for three weeks (six slots); it comes back at 10:30 on a Tuesday.
    resume_at = before.next_checkin_at + timedelta(days=21, minutes=20)
    world.clock.set(resume_at)
    await world.sweep_and_send()
    await world.sweep_and_send()
    await next_message(world.standin, PERSON_ID, 2)
    await asyncio.sleep(0.1)
    assert await world.count(Checkin) == 1
    assert len(world.standin.sent_messages(PERSON_ID)) == 3
    after = await world.person(PERSON_ID)
    assert after.next_checkin_at is not None and after.next_checkin_at > world.clock.now()


async def test_never_sends_in_quiet_hours(world: World) -> None:
    await enrol_coordinator(world)
    await enrol_person(world)
    before = await world.person(PERSON_ID)
    assert before.next_checkin_at is not None
    # Down from before the slot until 23:00 local: the day's window has closed.
    night = before.next_checkin_at.astimezone(world.settings.zone).replace(hour=23, minute=0)
    world.clock.set(night)
    await world.sweep_and_send()
    await asyncio.sleep(0.1)
    assert await world.count(Checkin) == 0
    assert len(world.standin.sent_messages(PERSON_ID)) == 2


async def _inbound(world: World) -> list[Inbound]:
    async with world.db.transaction() as session:
        return list((await session.scalars(select(Inbound).order_by(Inbound.id))).all())


async def _inbound_kinds(world: World) -> list[str]:
    return [row.kind for row in await _inbound(world)]


async def _await_db(world: World, predicate: Any) -> None:
    async def check() -> bool:
        return bool(predicate(await _inbound(world)))

    await eventually(check, "inbound rows never matched")


async def _await_status(world: World, status: str) -> None:
    async def check() -> bool:
        return (await world.person(PERSON_ID)).status == status

    await eventually(check, f"status never became {status}")


async def _await_journal_empty(world: World) -> None:
    async def check() -> bool:
        return not await world.count(UpdateJournal, UpdateJournal.payload.is_not(None))

    await eventually(check, "journal still holds payloads")
