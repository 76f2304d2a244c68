"""Bulk work (the sweep) gives way to the other transactions of the process: on SQLite for
the one-writer turn, on both backends for the event loop."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from storage.db import Database


async def test_bulk_work_waits_for_a_transaction_queued_after_it(db: Database) -> None:
    order: list[str] = []
    release = asyncio.Event()
    holding = asyncio.Event()

    async def step(name: str, *, background: bool = False) -> None:
        async with db.transaction(background=background) as session:
            await session.execute(text("SELECT 1"))
            order.append(name)
            if name == "reply-1":
                holding.set()
                await release.wait()

    first = asyncio.create_task(step("reply-1"))
    await holding.wait()
    bulk = asyncio.create_task(step("sweep", background=True))
    await _turns(5)
    # Asked for its turn after the sweep did: without giving way it would come last.
    second = asyncio.create_task(step("reply-2"))
    await _turns(5)
    release.set()
    # A guard against hanging, not a measurement.
    await asyncio.wait_for(asyncio.gather(first, bulk, second), timeout=30)
    assert order == ["reply-1", "reply-2", "sweep"]


async def test_bulk_work_alone_goes_at_once(db: Database) -> None:
    await _background_select(db)
    await _background_select(db)


async def _background_select(db: Database) -> None:
    async with db.transaction(background=True) as session:
        assert await session.scalar(text("SELECT 1")) == 1


async def _turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)
