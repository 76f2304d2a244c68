"""The outbox sender: drains `outbox` under Telegram's limits, with retries, never dropping.

One long-running task per instance. It leases ready rows, reserves a send instant for each
with the `SendLimiter`, sends through the `Channel`, and records the outcome. Transient
failures come back later with backoff; a 429 pauses everyone for `retry_after`; a block
(403) marks the person unreachable. It wakes when told new work exists, else polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.channel import (
    Channel,
    PermanentFailure,
    RecipientBlocked,
    RetryLater,
    TransientFailure,
)
from bot.services import OutboxItem, Services
from schedules.ratelimit import SendLimiter

log = logging.getLogger(__name__)


class OutboxSender:
    def __init__(
        self,
        services: Services,
        channel: Channel,
        limiter: SendLimiter,
        idle_seconds: float = 1.0,
        max_in_flight: int = 32,
    ) -> None:
        self.services = services
        self.channel = channel
        self.limiter = limiter
        self.idle_seconds = idle_seconds
        self.max_in_flight = max_in_flight
        self._wake = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self.sent_count = 0

    def wake(self) -> None:
        """New work was queued: look now instead of at the next idle tick."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._runner = asyncio.create_task(self._run(), name="bansou-outbox-sender")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        # Sends in flight are cancelled; their rows stay leased and go again after the lease.
        for task in list(self._in_flight.values()):
            task.cancel()
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        self._in_flight.clear()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                claimed = await self._claim()
            except Exception:
                log.exception("outbox claim failed; retrying")
                claimed = 0
            if claimed == 0 or len(self._in_flight) >= self.max_in_flight:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.idle_seconds)

    async def _claim(self) -> int:
        free = self.max_in_flight - len(self._in_flight)
        if free <= 0:
            return 0
        items = await self.services.claim_outbox(free)
        for item in items:
            if item.id in self._in_flight:
                continue
            task = asyncio.create_task(self._deliver(item), name=f"bansou-send-{item.id}")
            self._in_flight[item.id] = task
            task.add_done_callback(lambda _t, key=item.id: self._done(key))
        return len(items)

    def _done(self, outbox_id: int) -> None:
        self._in_flight.pop(outbox_id, None)
        self._wake.set()

    async def drain_once(self) -> int:
        """Claim and deliver what is ready now, waiting for those sends (used by tests/CLI)."""
        items = await self.services.claim_outbox(self.max_in_flight)
        await asyncio.gather(*(self._deliver(item) for item in items))
        return len(items)

    async def _deliver(self, item: OutboxItem) -> None:
        wait = self.limiter.reserve(item.chat_id)
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            message_id = await self.channel.send(item.chat_id, item.message)
        except RetryLater as error:
            self.limiter.pause_all(error.seconds)
            await self.services.mark_retry(item.id, "RetryAfter", delay=error.seconds)
            log.warning("send limited by Telegram; everyone waits %.1f s", error.seconds)
        except TransientFailure as error:
            await self.services.mark_retry(item.id, str(error))
        except RecipientBlocked:
            await self.services.mark_blocked(item.id)
        except PermanentFailure as error:
            await self.services.mark_failed(item.id, str(error))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("unexpected error sending outbox %s", item.id)
            await self.services.mark_retry(item.id, type(error).__name__)
        else:
            self.sent_count += 1
            await self.services.mark_sent(item.id, message_id)
