"""The check-in sweep over a mixed crowd, in several batches: every due person is decided
exactly as `decide_due` decides them one by one; a slot is queued once; paused, stopped and
unreachable people are never planned; a pause that has ended is picked up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import services as services_module
from bot.domain.checkin_policy import decide_due
from bot.services import Services
from storage import repo
from storage.models import Checkin, Outbox, Person
from tests.fakes import FakeClock

# Tuesday 10:05 in Tokyo; the default schedule 「火金 10:00」 had a slot five minutes ago.
NOW = datetime(2026, 11, 24, 1, 5, tzinfo=UTC)
SLOT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Kind:
    """One sort of person in the crowd: the fields that differ from a plain due person."""

    name: str
    fields: dict[str, Any]
    planned: bool = True  # the sweep should decide them (active, reachable, due)


KINDS = [
    Kind("plain", {}),
    Kind("jitter_early", {"next_slot_at": SLOT + timedelta(hours=1)}),
    Kind(
        "berlin_daily_downtime",
        {
            "timezone": "Europe/Berlin",
            "schedule_spec": "毎日 2:00",
            "next_slot_at": SLOT - timedelta(days=2),
        },
    ),
    Kind("every_3_days", {"schedule_spec": "3日ごと 9:00", "schedule_anchor": date(2026, 11, 21)}),
    Kind("tight_phase", {"tight_until": NOW + timedelta(days=5)}),
    Kind("tight_over", {"tight_until": SLOT - timedelta(hours=1)}),
    Kind("own_quiet", {"schedule_spec": "毎日 10:00", "quiet_hours": "09:00-12:00"}),
    Kind("team_default", {"team": "east"}),
    Kind("days_late", {"next_slot_at": SLOT - timedelta(days=4)}),
    Kind("paused", {"status": "paused", "paused_until": NOW + timedelta(days=3)}, planned=False),
    Kind("stopped", {"status": "stopped"}, planned=False),
    Kind("unreachable", {"unreachable_at": NOW - timedelta(days=1)}, planned=False),
    Kind("not_yet", {"next_checkin_at": NOW + timedelta(minutes=1)}, planned=False),
]


async def _crowd(services: Services, copies: int) -> dict[int, Kind]:
    """Seed `copies` people of every kind (plus one already-queued slot); id -> kind."""
    kinds: dict[int, Kind] = {}
    async with services.db.transaction() as session:
        default = await repo.ensure_default_team(session, NOW)
        east = await repo.add_team(session, "east", NOW)
        assert east is not None
        east.default_schedule = "月水金 15:00"
        east.default_quiet_hours = "20:00-09:00"
        user = 70_000
        for copy in range(copies):
            for kind in KINDS:
                user += 1
                fields = dict(kind.fields)
                team = east if fields.pop("team", None) == "east" else default
                person = Person(
                    telegram_user_id=user,
                    chat_id=user,
                    display_name=f"{kind.name}{copy}",
                    team_id=team.id,
                    timezone="Asia/Tokyo",
                    status="active",
                    consent_version="v1",
                    consented_at=NOW - timedelta(days=30),
                    schedule_anchor=date(2026, 10, 25),
                    next_slot_at=SLOT,
                    next_checkin_at=SLOT - timedelta(minutes=3),
                    last_contact_at=NOW - timedelta(days=1),
                    checkins_sent=copy,
                    checkins_answered=0,
                    messages_received=0,
                    created_at=NOW - timedelta(days=30),
                )
                for key, value in fields.items():
                    setattr(person, key, value)
                await repo.add_person(session, person)
                kinds[person.id] = kind
    return kinds


async def _expected(services: Services, kinds: dict[int, Kind]) -> dict[int, Any]:
    """What `decide_due` says for each person the sweep should decide."""
    expected = {}
    async with services.db.transaction() as session:
        for person_id, kind in kinds.items():
            if not kind.planned:
                continue
            person = await repo.person_by_id(session, person_id)
            assert person is not None and person.next_slot_at is not None
            rhythm = await services.rhythm(session, person)
            expected[person_id] = decide_due(rhythm, person.next_slot_at, NOW)
    return expected


async def test_the_sweep_decides_everyone_as_decide_due_does(
    services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services_module, "SWEEP_BATCH", 7)
    clock.set(NOW)
    kinds = await _crowd(services, copies=3)
    expected = await _expected(services, kinds)
    # The slot of one plain person was queued before (e.g. by another instance).
    already = next(pid for pid, kind in kinds.items() if kind.name == "plain")
    async with services.db.transaction() as session:
        assert await repo.add_checkins(
            session,
            [{"person_id": already, "slot_at": SLOT, "planned_at": NOW, "status": "queued"}],
        )
    # A second sweeper (another instance on PostgreSQL) runs at the same time.
    other = Services(services.db, clock, services.settings)
    queued = sum(await asyncio.gather(services.sweep(), other.sweep()))

    sends = {pid: d.send_slot for pid, d in expected.items() if d.send_slot is not None}
    assert sends, "the crowd should have check-ins to send"
    assert any(d.send_slot is None for d in expected.values()), "and a day that has passed"
    assert queued == len(sends) - 1
    async with services.db.transaction() as session:
        checkins = (await session.scalars(select(Checkin))).all()
        outbox = (await session.scalars(select(Outbox).order_by(Outbox.id))).all()
        people = {p.id: p for p in (await session.scalars(select(Person))).all()}
    assert sorted((c.person_id, c.slot_at) for c in checkins) == sorted(sends.items())
    by_checkin = {c.id: c for c in checkins}
    assert len(outbox) == queued
    for row in outbox:
        checkin = by_checkin[row.checkin_id]
        assert (row.kind, row.status, row.person_id) == ("checkin", "pending", checkin.person_id)
        assert row.chat_id == people[checkin.person_id].chat_id
        buttons = [data for line in row.payload["choices"] for _, data in line]
        assert buttons and all(data.startswith(f"ci:{checkin.id}:") for data in buttons)
        assert checkin.person_id != already
    for person_id, kind in kinds.items():
        person = people[person_id]
        if kind.planned:
            plan = expected[person_id].next_plan
            assert (person.next_slot_at, person.next_checkin_at) == (plan.slot, plan.send_at)
        else:
            assert person.next_slot_at == SLOT
    assert await services.sweep() == 0


async def test_a_pause_that_has_ended_is_planned_again(
    services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services_module, "SWEEP_BATCH", 2)
    clock.set(NOW)
    kinds = await _crowd(services, copies=3)
    paused = [pid for pid, kind in kinds.items() if kind.name == "paused"]
    clock.set(NOW + timedelta(days=4))
    await services.sweep()
    async with services.db.transaction() as session:
        for person_id in paused:
            person = await repo.person_by_id(session, person_id)
            assert person is not None
            assert (person.status, person.paused_until) == ("active", None)
            assert person.next_slot_at is not None and person.next_slot_at > clock.now()
