"""`OutboxSender` with the outbox use cases of `bot.services` on a real migrated database.

The channel is a scripted fake, the wall clock a `FakeClock` and the limiter's monotonic clock
a fake as well, so nothing here waits for real time: retries come due by moving the clocks.
Runs on SQLite always and on PostgreSQL when BANSOU_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.channel import (
    OutgoingMessage,
    PermanentFailure,
    RecipientBlocked,
    RetryLater,
    TransientFailure,
)
from bot.domain import consent
from bot.outbox import PRIORITY_ALERT, PRIORITY_CHECKIN, PRIORITY_REPLY
from bot.services import LEASE, MAX_ATTEMPTS, Services
from schedules.ratelimit import SendLimiter
from schedules.sender import TAKEOVER_GRACE, OutboxSender
from storage import repo
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Audit, Checkin, Outbox, Person
from tests.conftest import BACKENDS
from tests.fakes import FakeClock, database_url
from tests.schedules.channel_fakes import FakeChannel

TEAM_CHAT = -100200300
_slots = itertools.count(1)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per module; each test gets a copy (migrating costs ~0.5 s)."""
    path = tmp_path_factory.mktemp("sender-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """Overrides the shared fixture: same backends, but SQLite is copied, not re-migrated."""
    if request.param == "sqlite":
        target = tmp_path / "bansou-test.db"
        shutil.copyfile(sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    with database_url(request.param, tmp_path) as url:
        yield url


class FakeMonotonic:
    """The limiter's clock; moved together with the FakeClock."""

    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class Rig:
    """The sender under test and the clocks that drive it."""

    def __init__(self, services: Services, clock: FakeClock, max_in_flight: int = 32) -> None:
        self.services = services
        self.db: Database = services.db
        self.clock = clock
        self.mono = FakeMonotonic()
        self.channel = FakeChannel()
        self.limiter = SendLimiter(per_second=1000, per_chat_interval=0, monotonic=self.mono)
        self.sender = OutboxSender(
            services, self.channel, limiter=self.limiter, max_in_flight=max_in_flight
        )

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)
        self.mono.now += seconds

    async def drain(self) -> int:
        return await self.sender.drain_once()

    # --- seeding -------------------------------------------------------------------------

    async def person(self, user_id: int, status: str = consent.ACTIVE) -> int:
        now = self.clock.now()
        async with self.db.transaction() as session:
            team = await repo.ensure_default_team(session, now)
            person = await repo.add_person(
                session,
                Person(
                    telegram_user_id=user_id,
                    chat_id=user_id,
                    display_name=f"テスト{user_id}",
                    team_id=team.id,
                    timezone="Asia/Tokyo",
                    status=status,
                    created_at=now,
                    checkins_sent=0,
                    checkins_answered=0,
                    messages_received=0,
                ),
            )
            return person.id

    async def checkin(self, person_id: int, chat_id: int, delay: float = 0.0) -> tuple[int, int]:
        """A queued check-in and its outbox row; returns (checkin id, outbox id)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            checkin_id = await repo.add_checkin(
                session,
                {
                    "person_id": person_id,
                    "slot_at": now + timedelta(minutes=next(_slots)),
                    "planned_at": now,
                    "status": "queued",
                    "variant": 0,
                },
            )
            assert checkin_id is not None
            outbox_id = await repo.add_outbox(
                session,
                {
                    "chat_id": chat_id,
                    "kind": "checkin",
                    "person_id": person_id,
                    "checkin_id": checkin_id,
                    "payload": OutgoingMessage("きょうはどうですか").to_payload(),
                    "priority": PRIORITY_CHECKIN,
                    "status": "pending",
                    "attempts": 0,
                    "not_before": now + timedelta(seconds=delay),
                    "created_at": now,
                },
            )
        return checkin_id, outbox_id

    async def message(
        self,
        kind: str,
        chat_id: int,
        *,
        person_id: int | None = None,
        delay: float = 0.0,
        **extra: Any,
    ) -> int:
        now = self.clock.now()
        priority = {"alert": PRIORITY_ALERT, "ack": PRIORITY_REPLY}.get(kind, PRIORITY_CHECKIN)
        values: dict[str, Any] = {
            "chat_id": chat_id,
            "kind": kind,
            "person_id": person_id,
            "payload": OutgoingMessage(f"{kind}のテスト").to_payload(),
            "priority": priority,
            "status": "pending",
            "attempts": 0,
            "not_before": now + timedelta(seconds=delay),
            "created_at": now,
        }
        values.update(extra)
        async with self.db.transaction() as session:
            return await repo.add_outbox(session, values)

    # --- reading -------------------------------------------------------------------------

    async def outbox(self, outbox_id: int) -> Outbox:
        async with self.db.transaction() as session:
            row = await session.get(Outbox, outbox_id)
            assert row is not None
            return row

    async def checkin_row(self, checkin_id: int) -> Checkin:
        async with self.db.transaction() as session:
            row = await session.get(Checkin, checkin_id)
            assert row is not None
            return row

    async def person_row(self, person_id: int) -> Person:
        async with self.db.transaction() as session:
            row = await session.get(Person, person_id)
            assert row is not None
            return row


@pytest.fixture
def rig(services: Services, clock: FakeClock) -> Rig:
    return Rig(services, clock)


def seconds_after(moment: datetime, base: datetime) -> float:
    return (moment - base).total_seconds()


# --- the happy path ----------------------------------------------------------------------------


async def test_a_checkin_is_sent_once_and_recorded(rig: Rig) -> None:
    person_id = await rig.person(4001)
    checkin_id, outbox_id = await rig.checkin(person_id, 4001)

    assert await rig.drain() == 1
    assert await rig.drain() == 0

    [delivery] = rig.channel.delivered
    assert delivery.chat_id == 4001
    assert delivery.message.text == "きょうはどうですか"
    row = await rig.outbox(outbox_id)
    assert row.status == "sent"
    assert row.attempts == 1
    assert row.sent_at == rig.clock.now()
    assert row.lease_until is None
    assert row.telegram_message_id == delivery.message_id
    checkin = await rig.checkin_row(checkin_id)
    assert checkin.status == "sent"
    assert checkin.telegram_message_id == delivery.message_id
    assert (await rig.person_row(person_id)).checkins_sent == 1


async def test_buttons_survive_the_outbox_round_trip(rig: Rig, services: Services) -> None:
    person_id = await rig.person(4002)
    message = OutgoingMessage.from_payload(
        {"text": "どうですか", "choices": [[["元気", "ci:1:ok"], ["まあまあ", "ci:1:so"]]]}
    )
    await rig.message("checkin", 4002, person_id=person_id, payload=message.to_payload())
    await rig.drain()
    assert rig.channel.delivered[0].message == message


async def test_a_message_not_yet_due_waits(rig: Rig) -> None:
    await rig.message("ack", 4003, delay=30)
    assert await rig.drain() == 0
    rig.advance(30)
    assert await rig.drain() == 1
    assert len(rig.channel.sent_to(4003)) == 1


# --- 429, transient failures, give-up ------------------------------------------------------


async def test_retry_later_waits_the_delay_pauses_everyone_and_sends_once(rig: Rig) -> None:
    person_id = await rig.person(4010)
    _, outbox_id = await rig.checkin(person_id, 4010)
    rig.channel.fail_next(RetryLater(7), chat_id=4010)
    started = rig.clock.now()

    assert await rig.drain() == 1
    row = await rig.outbox(outbox_id)
    assert row.status == "pending"
    assert row.attempts == 0  # a 429 does not count towards giving up
    assert row.last_error == "RetryAfter"
    assert seconds_after(row.not_before, started) == pytest.approx(7.0)
    # Everyone is held back, not just the chat that met the 429.
    assert rig.limiter.reserve(999_999) >= 7.0 - 1e-6
    assert rig.limiter.reserve(-5) >= 7.0 - 1e-6

    rig.advance(6)
    assert await rig.drain() == 0
    rig.advance(1.5)
    assert await rig.drain() == 1
    assert await rig.drain() == 0
    assert len(rig.channel.sent_to(4010)) == 1
    assert rig.channel.attempts.count(4010) == 2
    assert (await rig.outbox(outbox_id)).status == "sent"


async def test_transient_failure_is_retried_with_backoff_and_sent_once(rig: Rig) -> None:
    outbox_id = await rig.message("ack", 4020)
    rig.channel.fail_next(TransientFailure("TimedOut"), chat_id=4020, times=2)
    started = rig.clock.now()

    await rig.drain()
    first = await rig.outbox(outbox_id)
    assert (first.status, first.attempts, first.last_error) == ("pending", 1, "TimedOut")
    # 2 s ± 20 % after the first failure.
    assert 1.6 - 1e-6 <= seconds_after(first.not_before, started) <= 2.4 + 1e-6
    assert await rig.drain() == 0

    rig.advance(2.5)
    retried_at = rig.clock.now()
    await rig.drain()
    second = await rig.outbox(outbox_id)
    assert (second.status, second.attempts) == ("pending", 2)
    # Backoff grows: 4 s ± 20 % after the second failure.
    assert 3.2 - 1e-6 <= seconds_after(second.not_before, retried_at) <= 4.8 + 1e-6

    rig.advance(5)
    await rig.drain()
    await rig.drain()
    final = await rig.outbox(outbox_id)
    assert (final.status, final.attempts) == ("sent", 3)
    assert len(rig.channel.sent_to(4020)) == 1


async def test_unexpected_error_is_retried_and_only_its_class_is_kept(rig: Rig) -> None:
    outbox_id = await rig.message("notice", 4025)
    rig.channel.fail_next(RuntimeError("text of a private message"), chat_id=4025)
    await rig.drain()
    row = await rig.outbox(outbox_id)
    assert (row.status, row.last_error) == ("pending", "RuntimeError")
    rig.advance(3)
    await rig.drain()
    assert (await rig.outbox(outbox_id)).status == "sent"


async def test_non_alert_gives_up_after_max_attempts(rig: Rig) -> None:
    outbox_id = await rig.message("ack", 4030)
    rig.channel.fail_next(TransientFailure("NetworkError"), chat_id=4030, times=MAX_ATTEMPTS + 5)
    for _ in range(MAX_ATTEMPTS + 3):
        await rig.drain()
        rig.advance(400)  # past the longest backoff (300 s + 20 %)
    row = await rig.outbox(outbox_id)
    assert row.status == "failed"
    assert row.attempts == MAX_ATTEMPTS
    assert rig.channel.attempts.count(4030) == MAX_ATTEMPTS
    assert rig.channel.sent_to(4030) == []


async def test_an_alert_never_gives_up(rig: Rig) -> None:
    outbox_id = await rig.message("alert", TEAM_CHAT)
    failures = MAX_ATTEMPTS + 3
    rig.channel.fail_next(TransientFailure("BadGateway"), chat_id=TEAM_CHAT, times=failures)
    for _ in range(failures):
        await rig.drain()
        row = await rig.outbox(outbox_id)
        assert row.status == "pending"
        rig.advance(400)
    await rig.drain()
    row = await rig.outbox(outbox_id)
    assert (row.status, row.attempts) == ("sent", failures + 1)
    assert len(rig.channel.sent_to(TEAM_CHAT)) == 1


async def test_mark_retry_give_up_rule(rig: Rig, services: Services) -> None:
    ack = await rig.message("ack", 4031, attempts=MAX_ATTEMPTS - 2)
    alert = await rig.message("alert", TEAM_CHAT, attempts=MAX_ATTEMPTS * 10)
    await services.mark_retry(ack, "TimedOut")
    assert (await rig.outbox(ack)).status == "pending"
    # A 429 is about everyone's pace, not this message: it never counts towards giving up.
    await services.mark_retry(ack, "RetryAfter", delay=1.0)
    assert (await rig.outbox(ack)).status == "pending"
    await services.mark_retry(ack, "TimedOut")
    assert (await rig.outbox(ack)).status == "failed"
    await services.mark_retry(alert, "TimedOut")
    row = await rig.outbox(alert)
    assert row.status == "pending"
    # The backoff is capped at 300 s (± 20 %), however many attempts.
    assert seconds_after(row.not_before, rig.clock.now()) <= 360 + 1e-6


async def test_marking_a_vanished_row_is_harmless(services: Services) -> None:
    await services.mark_sent(987654, 1)
    await services.mark_retry(987654, "TimedOut")
    await services.mark_failed(987654, "BadRequest")
    await services.mark_blocked(987654)
    assert await services.claim_outbox(10) == []


# --- blocked and permanent failures ------------------------------------------------------------


async def test_blocked_person_is_marked_unreachable_and_their_queue_is_cancelled(
    rig: Rig,
) -> None:
    person_id = await rig.person(4040)
    other_id = await rig.person(4041)
    _, blocked_row = await rig.checkin(person_id, 4040)
    _, later_checkin = await rig.checkin(person_id, 4040, delay=3600)
    later_ack = await rig.message("ack", 4040, person_id=person_id, delay=3600)
    alert = await rig.message("alert", TEAM_CHAT, person_id=person_id, delay=3600)
    _, someone_else = await rig.checkin(other_id, 4041, delay=3600)
    rig.channel.block(4040)

    assert await rig.drain() == 1

    row = await rig.outbox(blocked_row)
    assert (row.status, row.last_error, row.attempts) == ("failed", "blocked", 1)
    person = await rig.person_row(person_id)
    assert person.unreachable_at == rig.clock.now()
    assert (await rig.outbox(later_checkin)).status == "cancelled"
    assert (await rig.outbox(later_ack)).status == "cancelled"
    # The team still hears about them, and other people are untouched.
    assert (await rig.outbox(alert)).status == "pending"
    assert (await rig.outbox(someone_else)).status == "pending"
    assert (await rig.person_row(other_id)).unreachable_at is None
    async with rig.db.transaction() as session:
        actions = (
            await session.scalars(select(Audit.action).where(Audit.person_id == person_id))
        ).all()
    assert "person.unreachable" in actions

    rig.advance(3600)
    await rig.drain()
    assert (await rig.outbox(alert)).status == "sent"
    assert (await rig.outbox(someone_else)).status == "sent"
    assert rig.channel.sent_to(4040) == []


async def test_blocked_person_has_no_checkin_left_queued(rig: Rig) -> None:
    person_id = await rig.person(4045)
    await rig.checkin(person_id, 4045)
    later_checkin, _ = await rig.checkin(person_id, 4045, delay=3600)
    rig.channel.block(4045)
    await rig.drain()
    assert (await rig.checkin_row(later_checkin)).status == "cancelled"


async def test_checkin_for_an_unreachable_person_is_cancelled_not_sent(rig: Rig) -> None:
    person_id = await rig.person(4046)
    await rig.checkin(person_id, 4046)
    rig.channel.block(4046)
    await rig.drain()
    # A check-in queued afterwards (e.g. by a sweep racing the block) never goes out.
    checkin_id, outbox_id = await rig.checkin(person_id, 4046)
    attempts_before = len(rig.channel.attempts)
    assert await rig.drain() == 0
    row = await rig.outbox(outbox_id)
    assert (row.status, row.last_error) == ("cancelled", "unreachable")
    assert (await rig.checkin_row(checkin_id)).status == "cancelled"
    assert len(rig.channel.attempts) == attempts_before


async def test_permanent_failure_fails_the_row_without_retry(rig: Rig) -> None:
    outbox_id = await rig.message("notice", 4050)
    rig.channel.fail_next(PermanentFailure("BadRequest"), chat_id=4050)
    await rig.drain()
    row = await rig.outbox(outbox_id)
    assert (row.status, row.last_error, row.attempts) == ("failed", "BadRequest", 1)
    rig.advance(3600)
    assert await rig.drain() == 0
    assert rig.channel.attempts.count(4050) == 1


async def test_recipient_blocked_on_a_row_without_person_only_fails_it(rig: Rig) -> None:
    outbox_id = await rig.message("notice", 4055)
    rig.channel.fail_next(RecipientBlocked("ChatNotFound"), chat_id=4055)
    await rig.drain()
    row = await rig.outbox(outbox_id)
    assert (row.status, row.last_error) == ("failed", "blocked")


# --- check-ins that may no longer go -----------------------------------------------------------


@pytest.mark.parametrize("status", [consent.PAUSED, consent.STOPPED, consent.DECLINED])
async def test_checkin_of_an_inactive_person_is_cancelled(rig: Rig, status: str) -> None:
    person_id = await rig.person(4060, status=status)
    checkin_id, outbox_id = await rig.checkin(person_id, 4060)
    assert await rig.drain() == 0
    row = await rig.outbox(outbox_id)
    assert (row.status, row.last_error) == ("cancelled", "person_inactive")
    assert (await rig.checkin_row(checkin_id)).status == "cancelled"
    assert rig.channel.attempts == []


async def test_checkin_in_quiet_hours_is_cancelled_but_other_messages_go(
    rig: Rig, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 23, 13, 30, tzinfo=UTC))  # 22:30 in Tokyo
    person_id = await rig.person(4070)
    checkin_id, outbox_id = await rig.checkin(person_id, 4070)
    ack = await rig.message("ack", 4070, person_id=person_id)
    alert = await rig.message("alert", TEAM_CHAT, person_id=person_id)

    assert await rig.drain() == 2
    row = await rig.outbox(outbox_id)
    assert (row.status, row.last_error) == ("cancelled", "quiet_hours")
    assert (await rig.checkin_row(checkin_id)).status == "cancelled"
    assert (await rig.outbox(ack)).status == "sent"
    assert (await rig.outbox(alert)).status == "sent"
    assert [d.message.text for d in rig.channel.sent_to(4070)] == ["ackのテスト"]


async def test_checkin_just_after_quiet_hours_goes(rig: Rig, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))  # 08:00 on Tuesday in Tokyo
    person_id = await rig.person(4071)
    _, outbox_id = await rig.checkin(person_id, 4071)
    await rig.drain()
    assert (await rig.outbox(outbox_id)).status == "sent"


# --- order and leases --------------------------------------------------------------------------


async def test_priority_alert_then_ack_then_checkin(services: Services, clock: FakeClock) -> None:
    rig = Rig(services, clock, max_in_flight=1)
    person_id = await rig.person(4080)
    await rig.checkin(person_id, 4080)
    await rig.message("ack", 4081, person_id=person_id)
    await rig.message("alert", TEAM_CHAT, person_id=person_id)

    assert [item.kind for item in await services.claim_outbox(10)] == ["alert", "ack", "checkin"]
    rig.advance(LEASE.total_seconds() + 1)  # let those leases lapse

    for _ in range(4):
        await rig.drain()
    assert [d.chat_id for d in rig.channel.delivered] == [TEAM_CHAT, 4081, 4080]


async def test_older_rows_of_equal_priority_go_first(services: Services, clock: FakeClock) -> None:
    rig = Rig(services, clock, max_in_flight=1)
    later = await rig.message("ack", 4091, delay=0)
    rig.advance(-5)
    earlier = await rig.message("ack", 4090, delay=0)
    rig.advance(5)
    await rig.drain()
    assert (await rig.outbox(earlier)).status == "sent"
    assert (await rig.outbox(later)).status == "pending"


async def test_expired_lease_is_reclaimed_and_live_lease_is_not(rig: Rig) -> None:
    now = rig.clock.now()
    stale = await rig.message("ack", 4100, status="sending", lease_until=now - timedelta(minutes=1))
    live = await rig.message("ack", 4101, status="sending", lease_until=now + timedelta(minutes=5))
    assert await rig.drain() == 1
    assert (await rig.outbox(stale)).status == "sent"
    assert (await rig.outbox(live)).status == "sending"
    assert rig.channel.sent_to(4101) == []


async def test_a_sender_that_died_mid_send_is_taken_over_after_the_lease(
    rig: Rig, services: Services
) -> None:
    outbox_id = await rig.message("alert", TEAM_CHAT)
    [item] = await services.claim_outbox(10)  # claimed by a sender that then crashes
    assert item.id == outbox_id
    assert await rig.drain() == 0
    rig.advance(LEASE.total_seconds() - 1)
    assert await rig.drain() == 0
    rig.advance(2)
    assert await rig.drain() == 1
    assert (await rig.outbox(outbox_id)).status == "sent"
    assert len(rig.channel.sent_to(TEAM_CHAT)) == 1


# --- one sender at a time (the sender lease) ---------------------------------------------------

LEASE_SECONDS = 15.0


def leased_sender(rig: Rig, holder: str, **options: Any) -> OutboxSender:
    """A sender of another instance on the same database, sharing the rig's clocks."""
    limiter = SendLimiter(per_second=1000, per_chat_interval=0, monotonic=rig.mono)
    return OutboxSender(
        rig.services,
        rig.channel,
        limiter=limiter,
        lease_seconds=LEASE_SECONDS,
        holder=holder,
        **options,
    )


async def test_only_the_holder_of_the_sender_lease_sends(rig: Rig) -> None:
    a, b = leased_sender(rig, "instance-a"), leased_sender(rig, "instance-b")
    assert await a.lead()
    assert not await b.lead()
    rig.advance(1.5)  # the new holder's hand-over pause
    await rig.message("ack", 4300)
    assert await b.drain_once() == 0
    assert await a.drain_once() == 1
    assert len(rig.channel.sent_to(4300)) == 1
    # The holder renews; the other keeps being refused while the holder lives.
    for _ in range(5):
        rig.advance(LEASE_SECONDS / 3 + 0.1)
        assert await a.lead()
        assert not await b.lead()


async def test_a_new_holder_pauses_one_second_before_its_first_send(rig: Rig) -> None:
    a = leased_sender(rig, "instance-a")
    assert await a.lead()
    assert a.limiter.reserve(4310) >= 1.0 - 1e-6


async def test_a_dead_holder_is_replaced_after_its_lease_and_its_rows_come_back(
    rig: Rig, services: Services
) -> None:
    a, b = leased_sender(rig, "instance-a"), leased_sender(rig, "instance-b")
    assert await a.lead()
    outbox_id = await rig.message("alert", TEAM_CHAT)
    [item] = await services.claim_outbox(10, "instance-a")  # then instance a dies
    assert item.id == outbox_id

    rig.advance(LEASE_SECONDS - 1)
    assert not await b.lead()  # a's lease still runs
    rig.advance(1)
    assert not await b.lead()  # b asks again only a third of a lease later
    rig.advance(LEASE_SECONDS / 3)
    assert await b.lead()
    # a leased the row for the whole outbox lease; b takes it after the grace period.
    lease_until = (await rig.outbox(outbox_id)).lease_until
    assert lease_until is not None
    assert seconds_after(lease_until, rig.clock.now()) == pytest.approx(TAKEOVER_GRACE)
    rig.advance(TAKEOVER_GRACE - 1)
    assert await b.drain_once() == 0
    rig.advance(2)
    assert await b.drain_once() == 1
    assert (await rig.outbox(outbox_id)).status == "sent"
    assert len(rig.channel.sent_to(TEAM_CHAT)) == 1
    # The old holder, back from the dead, finds the role taken and sends nothing.
    await rig.message("ack", 4320)
    assert await a.drain_once() == 0
    assert not await a.lead()


async def test_a_holder_past_its_lease_gives_its_waiting_rows_back_unsent(rig: Rig) -> None:
    async def sleep_on_the_rig_clock(seconds: float) -> None:
        rig.advance(seconds)

    a = leased_sender(rig, "instance-a", sleep=sleep_on_the_rig_clock)
    # One send per chat every 20 s: longer than the lease is good for without renewal.
    a.limiter = SendLimiter(per_second=1000, per_chat_interval=20.0, monotonic=rig.mono)
    assert await a.lead()  # pauses a's limiter for the hand-over second
    first = await rig.message("ack", 4330)
    second = await rig.message("reply", 4330)
    rig.advance(2)  # not yet time to renew
    assert await a.drain_once() == 2
    assert (await rig.outbox(first)).status == "sent"
    row = await rig.outbox(second)
    assert (row.status, row.lease_until, row.attempts) == ("pending", None, 0)
    assert len(rig.channel.sent_to(4330)) == 1


async def test_stopping_gives_back_rows_waiting_their_turn_and_the_lease(rig: Rig) -> None:
    waiting = asyncio.Event()

    async def never(seconds: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    a = leased_sender(rig, "instance-a", sleep=never)
    b = leased_sender(rig, "instance-b")
    outbox_id = await rig.message("ack", 4340)
    a.start()
    await asyncio.wait_for(waiting.wait(), timeout=5)  # claimed; waiting for the pause to end
    assert (await rig.outbox(outbox_id)).status == "sending"
    await a.stop()
    row = await rig.outbox(outbox_id)
    assert (row.status, row.lease_until) == ("pending", None)
    assert await b.lead()  # at once: the lease was handed back
    rig.advance(1.5)
    assert await b.drain_once() == 1
    assert len(rig.channel.sent_to(4340)) == 1


async def test_of_instances_racing_for_a_free_or_expired_lease_one_wins(
    rig: Rig, services: Services
) -> None:
    holders = [f"instance-{n}" for n in range(8)]
    won = await asyncio.gather(*(services.hold_sender_lease(h, LEASE_SECONDS) for h in holders))
    assert sum(won) == 1
    rig.advance(LEASE_SECONDS + 1)
    won = await asyncio.gather(*(services.hold_sender_lease(h, LEASE_SECONDS) for h in holders))
    assert sum(won) == 1
