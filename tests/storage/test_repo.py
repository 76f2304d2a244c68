"""Queries that carry the reliability guarantees: dedupe, unique slots, journal, leases —
on SQLite always and on PostgreSQL when configured."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import Clock
from bot.services import Services
from storage import repo
from storage.db import Database
from tests.fakes import FakeClock


async def _active_person(services: Services, user_id: int) -> int:
    code = await services.create_invite("person", "テスト")
    await services.open_invite(code, user_id, user_id)
    await services.decide_consent(user_id, granted=True)
    async with services.db.transaction() as session:
        person = await repo.person_by_user(session, user_id)
        assert person is not None
        return person.id


async def test_a_slot_gets_one_checkin_only(services: Services, clock: FakeClock) -> None:
    person_id = await _active_person(services, 301)
    slot = clock.now() + timedelta(days=1)
    values = {
        "person_id": person_id,
        "slot_at": slot,
        "planned_at": clock.now(),
        "status": "queued",
    }
    async with services.db.transaction() as session:
        first = await repo.add_checkin(session, dict(values, variant=0))
    async with services.db.transaction() as session:
        second = await repo.add_checkin(session, dict(values, variant=1))
    assert first is not None
    assert second is None


async def test_journal_dedupes_and_forgets_payloads(db: Database, clock: Clock) -> None:
    now = clock.now()
    async with db.transaction() as session:
        assert await repo.journal_next_offset(session) is None
        stored = await repo.journal_store(session, [(10, {"update_id": 10}), (11, {})], now)
    async with db.transaction() as session:
        again = await repo.journal_store(session, [(11, {"update_id": 11}), (12, {})], now)
        assert await repo.journal_next_offset(session) == 13
    assert (stored, again) == (2, 1)
    async with db.transaction() as session:
        assert [u for u, _ in await repo.journal_pending(session, 10)] == [10, 11, 12]
        await repo.journal_mark_processed(session, 10, now)
    async with db.transaction() as session:
        assert [u for u, _ in await repo.journal_pending(session, 10)] == [11, 12]
        removed = await repo.journal_prune(session, now + timedelta(seconds=1))
        # The newest id stays, so the offset survives a prune.
        assert await repo.journal_next_offset(session) == 13
    assert removed == 1


async def test_inbound_is_stored_once_per_update(services: Services) -> None:
    await _active_person(services, 302)
    results = [
        await services.record_message(
            update_id=500,
            telegram_user_id=302,
            chat_id=302,
            message_id=1,
            kind="text",
            text="テスト",
        )
        for _ in range(3)
    ]
    assert [r.kind for r in results] == ["stored", "duplicate", "duplicate"]


async def test_an_invite_is_used_once_even_when_opened_concurrently(services: Services) -> None:
    code = await services.create_invite("person", "テスト")
    outcomes = await asyncio.gather(
        *(services.open_invite(code, 400 + i, 400 + i) for i in range(4)),
        return_exceptions=True,
    )
    kinds = sorted(o.kind if not isinstance(o, BaseException) else "error" for o in outcomes)
    assert kinds.count("consent_needed") == 1
    assert set(kinds) <= {"consent_needed", "not_usable", "error"}


async def test_two_claimers_never_get_the_same_row(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    async with db.transaction() as session:
        for i in range(40):
            await repo.add_outbox(
                session,
                {
                    "chat_id": 1000 + i,
                    "kind": "ack",
                    "payload": {"text": "テスト", "choices": []},
                    "priority": 3,
                    "status": "pending",
                    "attempts": 0,
                    "not_before": now,
                    "created_at": now,
                },
            )

    async def claim() -> list[int]:
        async with db.transaction() as session:
            rows = await repo.claim_outbox(session, now, 25, timedelta(minutes=5))
            await asyncio.sleep(0.05)  # hold the locks while the other claims
            return [row.id for row in rows]

    first, second = await asyncio.gather(claim(), claim())
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40
    # Leased rows are not handed out again until the lease expires.
    async with db.transaction() as session:
        assert await repo.claim_outbox(session, now, 50, timedelta(minutes=5)) == []
    async with db.transaction() as session:
        later = now + timedelta(minutes=6)
        assert len(await repo.claim_outbox(session, later, 50, timedelta(minutes=5))) == 40
