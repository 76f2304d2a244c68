"""Thin JobQueue callbacks: each periodic job calls one use case and wakes whoever must act."""

from __future__ import annotations

import logging
from datetime import timedelta

from handlers.context import BansouContext
from storage import repo

log = logging.getLogger(__name__)

# Processed update ids are kept this long for dedupe of late redeliveries.
JOURNAL_RETENTION = timedelta(days=7)


async def checkin_sweep(context: BansouContext) -> None:
    state = context.state
    queued = await state.services.sweep()
    if queued:
        log.info("check-in sweep queued %s check-ins", queued)
        if state.sender is not None:
            state.sender.wake()


async def sla_sweep(context: BansouContext) -> None:
    """Unclaimed alerts are raised again after their SLA; stale claims are surfaced."""
    state = context.state
    queued = await state.services.queue.sla_sweep()
    if queued:
        log.info("SLA sweep queued %s alerts", queued)
        if state.sender is not None:
            state.sender.wake()


async def silence_watch(context: BansouContext) -> None:
    """Quiet people judged against their own rhythm: one gentle follow-up, then the team."""
    state = context.state
    followups, escalations = await state.services.queue.silence_sweep()
    if followups or escalations:
        log.info("silence watch: %s follow-ups, %s escalations", followups, escalations)
        if state.sender is not None:
            state.sender.wake()


async def journal_prune(context: BansouContext) -> None:
    state = context.state
    async with state.db.transaction() as session:
        removed = await repo.journal_prune(session, state.clock.now() - JOURNAL_RETENTION)
    if removed:
        log.info("forgot %s processed update ids", removed)
