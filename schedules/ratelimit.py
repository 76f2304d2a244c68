"""Telegram's sending limits as reservations on a timeline (pure; the caller does the sleeping).

Telegram allows about 30 messages per second overall, one per second to a private chat and
20 per minute to a group. Instead of a token bucket that bursts (PTB's AIORateLimiter sends
≈59 in its first second), every send reserves an instant such that no rolling window ever
holds more than its limit, spaced evenly. Sends for a busy chat wait without holding up
other chats.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

# Measured send times drift by network latency; keeping reservations slightly further apart
# than the limit keeps the *observed* rate under it as well.
SAFETY_MARGIN = 0.03
# Float noise between instants computed along different paths; far below any real gap.
ROUNDING = 1e-6


class SlidingWindow:
    """At most `limit` reservations in any half-open window of `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit and window must be positive")
        self.limit = limit
        self.window = window
        self._times: list[float] = []

    def earliest(self, t: float) -> float:
        """The earliest instant >= t that can be reserved.

        Each run of `limit` existing reservations spanning less than `window` forbids the open
        interval (last - window, first + window); hop past such intervals until none holds t.
        """
        times = self._times
        limit, window = self.limit, self.window
        moved = True
        while moved:
            moved = False
            first = max(0, bisect.bisect_right(times, t - window) - 1)
            last = bisect.bisect_left(times, t + window)
            for i in range(first, min(last, len(times) - limit + 1)):
                lo, hi = times[i], times[i + limit - 1]
                # A run spanning the window up to rounding is full-length, not too dense.
                if hi - lo < window - ROUNDING and hi - window < t < lo + window:
                    t = lo + window
                    moved = True
                    break
        return t

    def reserve(self, t: float) -> None:
        bisect.insort(self._times, t)

    def release(self, t: float) -> None:
        """Give back a reserved instant that was not used."""
        index = bisect.bisect_left(self._times, t)
        if index < len(self._times) and self._times[index] == t:
            del self._times[index]

    def prune(self, before: float) -> None:
        cut = bisect.bisect_left(self._times, before - self.window)
        if cut:
            del self._times[:cut]

    @property
    def empty(self) -> bool:
        return not self._times


@dataclass(frozen=True)
class Booking:
    """A reserved send instant (monotonic seconds) and how long to wait for it."""

    chat_id: int
    at: float
    wait: float


class _Both:
    """Two windows that must both allow an instant (a group: per minute and per second)."""

    def __init__(self, first: SlidingWindow, second: SlidingWindow) -> None:
        self.first, self.second = first, second

    def earliest(self, t: float) -> float:
        while True:
            later = self.second.earliest(self.first.earliest(t))
            if later == t:
                return t
            t = later

    def reserve(self, t: float) -> None:
        self.first.reserve(t)
        self.second.reserve(t)

    def release(self, t: float) -> None:
        self.first.release(t)
        self.second.release(t)

    def prune(self, before: float) -> None:
        self.first.prune(before)
        self.second.prune(before)

    @property
    def empty(self) -> bool:
        return self.first.empty and self.second.empty


class SendLimiter:
    """Reserves send instants that respect the overall, per-chat and per-group limits."""

    def __init__(
        self,
        per_second: int = 30,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        monotonic: Callable[[], float] | None = None,
        margin: float = SAFETY_MARGIN,
    ) -> None:
        import time

        self._monotonic = monotonic or time.monotonic
        self._global = SlidingWindow(per_second, 1.0 + margin)
        # Even spacing, so a full second's quota is not fired in one burst.
        self._spacing = SlidingWindow(1, (1.0 + margin) / per_second)
        self._per_chat_interval = per_chat_interval
        self._group_per_minute = group_per_minute
        self._margin = margin
        self._chats: dict[int, SlidingWindow | _Both] = {}
        self._paused_until = 0.0
        self._reservations = 0

    def _chat_window(self, chat_id: int) -> SlidingWindow | _Both | None:
        window = self._chats.get(chat_id)
        if window is None:
            if chat_id < 0:  # groups and channels have negative ids
                window = _Both(
                    SlidingWindow(self._group_per_minute, 60.0 + self._margin),
                    # Telegram also advises at most one message per second in any chat.
                    SlidingWindow(1, 1.0 + self._margin),
                )
            elif self._per_chat_interval > 0:
                window = SlidingWindow(1, self._per_chat_interval + self._margin)
            else:
                return None
            self._chats[chat_id] = window
        return window

    def pause_all(self, seconds: float) -> None:
        """Telegram said 429: nobody sends until `retry_after` has passed."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def now(self) -> float:
        return self._monotonic()

    def reserve(self, chat_id: int) -> float:
        """Reserve the earliest allowed instant for `chat_id`; return seconds to wait for it."""
        return self.book(chat_id).wait

    def release(self, booking: Booking) -> None:
        """A booked instant was missed (the loop woke late): free it for someone else."""
        chat = self._chats.get(booking.chat_id)
        if chat is not None:
            chat.release(booking.at)
        self._global.release(booking.at)
        self._spacing.release(booking.at)

    def sent(self, booking: Booking, at: float | None = None) -> None:
        """The send of `booking` finished at `at` (default now), so Telegram saw it no later
        than that. The windows are longer than the limits by the safety margin, which covers
        a send arriving up to that much after its instant; a send held up for longer (a
        stalled loop, a slow connection) is counted at `at` minus the margin instead, so it
        pushes later sends back rather than letting them crowd into the second after it.
        Even spacing stays as booked."""
        at = (self._monotonic() if at is None else at) - self._margin
        if at <= booking.at:
            return
        self._global.release(booking.at)
        self._global.reserve(at)
        chat = self._chat_window(booking.chat_id)
        if chat is not None:
            chat.release(booking.at)
            chat.reserve(at)

    def still_allowed(self, booking: Booking) -> bool:
        """Whether a booked instant still keeps the limits, now that sends booked before it
        may have been counted later than booked (see `sent`)."""
        t = booking.at
        chat = self._chats.get(booking.chat_id)
        windows: list[SlidingWindow | _Both] = (
            [self._global] if chat is None else [self._global, chat]
        )
        for window in windows:
            window.release(t)
        allowed = all(window.earliest(t) - t <= ROUNDING for window in windows)
        for window in windows:
            window.reserve(t)
        return allowed

    def book(self, chat_id: int) -> Booking:
        """Reserve the earliest allowed instant for `chat_id`."""
        now = self._monotonic()
        self._reservations += 1
        if self._reservations % 256 == 0:
            self._prune(now)
        t = max(now, self._paused_until)
        chat = self._chat_window(chat_id)
        while True:
            start = t
            if chat is not None:
                t = chat.earliest(t)
            t = self._spacing.earliest(self._global.earliest(t))
            if t == start:
                break
        if chat is not None:
            chat.reserve(t)
        self._global.reserve(t)
        self._spacing.reserve(t)
        return Booking(chat_id=chat_id, at=t, wait=max(0.0, t - now))

    def _prune(self, now: float) -> None:
        self._global.prune(now)
        self._spacing.prune(now)
        for chat_id in list(self._chats):
            window = self._chats[chat_id]
            window.prune(now)
            if window.empty:
                del self._chats[chat_id]
