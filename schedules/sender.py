"""The outbox sender: drains `outbox` under Telegram's limits, with retries, never dropping.

One long-running task per instance. It leases ready rows, reserves a send instant for each
with the `SendLimiter`, sends through the `Channel`, and records the outcome. Transient
failures come back later with backoff; a 429 pauses everyone for `retry_after`; a block
(403) marks the person unreachable. It wakes when told new work exists, else polls.

Telegram's limits hold per bot, and the limiter is in-process, so with several instances
on one database only one sends at a time: the holder of the sender lease (a row in the
database, renewed every third of its length). The others keep polling for the lease. The
holder stops starting sends before its lease can expire unrenewed; an instance that takes
the role over waits one second (the limiter's window) and lets rows its predecessor still
held come back after `TAKEOVER_GRACE`, time enough for a send that was already under way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from functools import partial

from bot.channel import (
    Channel,
    PermanentFailure,
    RecipientBlocked,
    RetryLater,
    TransientFailure,
)
from bot.services import OutboxItem, Services
from schedules.ratelimit import Booking, SendLimiter
from storage.repo import INSTANCE_ID

log = logging.getLogger(__name__)

# A send may go out this late after its booked instant; later, it books again.
LATE_TOLERANCE = 0.005
RECORD_ATTEMPTS = 10
# A new holder of the sender lease sends nothing for this long, so its first sends and its
# predecessor's last ones never share a one-second window beyond the limits.
HANDOVER_PAUSE = 1.0
# Rows the previous holder leased go again after this long: more than one send's timeouts.
TAKEOVER_GRACE = 30.0
# The holder stops starting sends this long before its lease would run out unrenewed.
LEASE_MARGIN = 0.1


class OutboxSender:
    def __init__(
        self,
        services: Services,
        channel: Channel,
        limiter: SendLimiter,
        idle_seconds: float = 1.0,
        max_in_flight: int = 32,
        lease_seconds: float | None = None,
        holder: str = INSTANCE_ID,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`lease_seconds` None: this sender sends without the shared lease (one instance,
        tests); otherwise only while it holds the lease, as `holder`. `sleep` waits for a
        booked send instant (tests move their clocks instead)."""
        self.services = services
        self.channel = channel
        self.limiter = limiter
        self.idle_seconds = idle_seconds
        self.max_in_flight = max_in_flight
        self.lease_seconds = lease_seconds
        self.holder = holder
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # Leased rows whose send has not started: given back on stop or when the lease is lost.
        self._unsent: set[int] = set()
        # Until when (limiter clock) this sender may start sends; -inf when it does not lead.
        self._leading_until = -math.inf
        self._renew_at = -math.inf
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
        # Sends under way are cancelled; their rows stay leased and go again after the lease
        # (one may have reached Telegram). Rows still waiting for their turn go back now.
        for task in list(self._in_flight.values()):
            task.cancel()
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        self._in_flight.clear()
        try:
            await self.services.release_outbox(sorted(self._unsent), self.holder)
            self._unsent.clear()
            if self._leading_until > -math.inf:
                await self.services.drop_sender_lease(self.holder)
        except Exception as error:  # the leases run out by themselves
            log.warning("could not hand back the outbox on stop: %s", type(error).__name__)
        self._leading_until = -math.inf

    @property
    def leading(self) -> bool:
        """Whether this sender may start a send now."""
        return self.lease_seconds is None or self.limiter.now() < self._leading_until

    async def lead(self) -> bool:
        """Hold (take or renew) the sender lease when due; whether this sender leads."""
        if self.lease_seconds is None:
            return True
        started = self.limiter.now()
        if started < self._renew_at:
            return self.leading
        was_leading = started < self._leading_until
        if await self.services.hold_sender_lease(self.holder, self.lease_seconds):
            self._leading_until = started + self.lease_seconds - LEASE_MARGIN
            self._renew_at = started + self.lease_seconds / 3
            if not was_leading:
                log.info("this instance now sends the outbox")
                self.limiter.pause_all(HANDOVER_PAUSE)
                taken = await self.services.take_over_outbox(self.holder, TAKEOVER_GRACE)
                if taken:
                    log.info("%d outbox rows of the previous sender come back soon", taken)
            return True
        if was_leading:
            log.warning("another instance sends the outbox now")
        self._leading_until = -math.inf
        self._renew_at = started + self.lease_seconds / 3
        return False

    async def _run(self) -> None:
        while not self._stopping:
            try:
                claimed = await self._claim() if await self.lead() else 0
            except Exception:
                log.exception("outbox claim failed; retrying")
                claimed = 0
            if claimed == 0 or len(self._in_flight) >= self.max_in_flight:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle())

    def _idle(self) -> float:
        """How long to sleep when there is nothing to do: renew the lease in time."""
        if self.lease_seconds is None:
            return self.idle_seconds
        return max(0.0, min(self.idle_seconds, self._renew_at - self.limiter.now()))

    async def _claim(self) -> int:
        free = self.max_in_flight - len(self._in_flight)
        if free <= 0:
            return 0
        items = await self.services.claim_outbox(free, self.holder)
        for item in items:
            if item.id in self._in_flight:
                continue
            self._unsent.add(item.id)
            task = asyncio.create_task(self._deliver(item), name=f"bansou-send-{item.id}")
            self._in_flight[item.id] = task
            task.add_done_callback(lambda _t, key=item.id: self._done(key))
        return len(items)

    def _done(self, outbox_id: int) -> None:
        self._in_flight.pop(outbox_id, None)
        self._wake.set()

    async def drain_once(self) -> int:
        """Claim and deliver what is ready now, waiting for those sends (used by tests/CLI)."""
        if not await self.lead():
            return 0
        items = await self.services.claim_outbox(self.max_in_flight, self.holder)
        self._unsent.update(item.id for item in items)
        await asyncio.gather(*(self._deliver(item) for item in items))
        return len(items)

    async def _wait_turn(self, chat_id: int) -> Booking:
        """Sleep until a booked instant. If the event loop woke us late, or a send before
        ours was counted later than booked meanwhile, the booking is given back and a new one
        taken: sends are paced on when they really go out, so a stall never turns into a
        burst above Telegram's limits."""
        while True:
            booking = self.limiter.book(chat_id)
            if booking.wait > 0:
                await self._sleep(booking.wait)
            on_time = self.limiter.now() - booking.at <= LATE_TOLERANCE
            if on_time and self.limiter.still_allowed(booking):
                return booking
            self.limiter.release(booking)

    async def _deliver(self, item: OutboxItem) -> None:
        booking = await self._wait_turn(item.chat_id)
        if not self.leading:
            # The lease could not be renewed in time: another instance may send this now.
            self._unsent.discard(item.id)
            await self._record(
                item.id, partial(self.services.release_outbox, [item.id], self.holder)
            )
            return
        self._unsent.discard(item.id)
        outcome: Callable[[], Awaitable[None]]
        try:
            try:
                message_id = await self.channel.send(item.chat_id, item.message)
            finally:
                self.limiter.sent(booking)
        except RetryLater as error:
            self.limiter.pause_all(error.seconds)
            log.warning("send limited by Telegram; everyone waits %.1f s", error.seconds)
            outcome = partial(self.services.mark_retry, item.id, "RetryAfter", delay=error.seconds)
        except TransientFailure as error:
            outcome = partial(self.services.mark_retry, item.id, str(error))
        except RecipientBlocked:
            outcome = partial(self.services.mark_blocked, item.id)
        except PermanentFailure as error:
            outcome = partial(self.services.mark_failed, item.id, str(error))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("unexpected error sending outbox %s", item.id)
            outcome = partial(self.services.mark_retry, item.id, type(error).__name__)
        else:
            self.sent_count += 1
            outcome = partial(self._sent, item, message_id)
        await self._record(item.id, outcome)

    async def _sent(self, item: OutboxItem, message_id: int) -> None:
        update = await self.services.mark_sent(item.id, message_id)
        if update is not None:
            # The item changed hands while this copy waited: show it as it is now.
            try:
                await self.channel.edit(item.chat_id, message_id, update)
            except Exception as error:
                log.warning("could not update a late alert copy: %s", type(error).__name__)

    async def _record(self, outbox_id: int, outcome: Callable[[], Awaitable[None]]) -> None:
        """Record what happened. A delivered message whose outcome is lost would be sent again
        after its lease, so a busy database is retried, not given up on."""
        delay = 0.05
        for _ in range(RECORD_ATTEMPTS):
            try:
                await outcome()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning(
                    "recording outbox %s failed (%s); retrying", outbox_id, type(error).__name__
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        log.error("could not record the outcome of outbox %s; its lease will expire", outbox_id)
