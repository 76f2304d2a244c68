"""Tests for `schedules.ratelimit`: reservations never break Telegram's limits, with a fake clock.

Every reservation is turned into the instant it was granted (`now + wait`); the invariants are
checked on those instants: ≤ 30 in any rolling second overall, ≥ 1 s apart per private chat,
≤ 20 in any rolling minute per group, nobody before a 429 pause ends.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.ratelimit import Booking, SendLimiter, SlidingWindow

EPS = 1e-9


class FakeMonotonic:
    """A monotonic clock that only moves when the test moves it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Recorder:
    """Reserves through a limiter and remembers every granted instant."""

    limiter: SendLimiter
    clock: FakeMonotonic
    instants: list[tuple[int, float]] = field(default_factory=list)

    def send(self, chat_id: int) -> float:
        wait = self.limiter.reserve(chat_id)
        assert wait >= 0.0
        instant = self.clock.now + wait
        self.instants.append((chat_id, instant))
        return instant

    def all_times(self) -> list[float]:
        return sorted(t for _, t in self.instants)

    def by_chat(self) -> dict[int, list[float]]:
        chats: dict[int, list[float]] = defaultdict(list)
        for chat_id, t in self.instants:
            chats[chat_id].append(t)
        return {chat_id: sorted(times) for chat_id, times in chats.items()}


def make(**kwargs: float) -> Recorder:
    clock = FakeMonotonic()
    return Recorder(SendLimiter(monotonic=clock, **kwargs), clock)  # type: ignore[arg-type]


def max_in_window(times: list[float], window: float) -> int:
    """The most instants any half-open window [a, a + window) holds."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window - EPS:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def assert_limits(recorder: Recorder, per_second: int = 30, group_per_minute: int = 20) -> None:
    assert max_in_window(recorder.all_times(), 1.0) <= per_second
    for chat_id, times in recorder.by_chat().items():
        if chat_id < 0:
            assert max_in_window(times, 60.0) <= group_per_minute, chat_id
        else:
            gaps = [b - a for a, b in itertools.pairwise(times)]
            assert all(gap >= 1.0 - EPS for gap in gaps), (chat_id, gaps)


# --- SlidingWindow -----------------------------------------------------------------------


def test_sliding_window_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        SlidingWindow(0, 1.0)
    with pytest.raises(ValueError):
        SlidingWindow(1, 0.0)


def test_sliding_window_earliest_hops_past_a_full_window() -> None:
    window = SlidingWindow(3, 10.0)
    for t in (0.0, 1.0, 2.0):
        assert window.earliest(t) == t
        window.reserve(t)
    # [0, 10) already holds three: the fourth waits until the first leaves the window.
    assert window.earliest(3.0) == 10.0
    assert window.earliest(10.0) == 10.0
    assert window.earliest(25.0) == 25.0


def test_sliding_window_allows_a_slot_before_future_reservations() -> None:
    window = SlidingWindow(3, 10.0)
    for t in (10.0, 11.0, 12.0):
        window.reserve(t)
    # [2, 12) would hold 2, 10, 11: fine; anything in (2, 20) makes four within 10 s.
    assert window.earliest(0.0) == 0.0
    assert window.earliest(2.0) == 2.0
    assert window.earliest(3.0) == 20.0


def test_sliding_window_prune_forgets_only_the_past() -> None:
    window = SlidingWindow(1, 1.0)
    window.reserve(0.0)
    window.reserve(5.0)
    window.prune(3.0)
    assert not window.empty
    assert window.earliest(5.5) == 6.0
    window.prune(10.0)
    assert window.empty


# --- SendLimiter: overall rate -------------------------------------------------------------


def test_a_thousand_distinct_chats_stay_under_thirty_per_second_but_near_it() -> None:
    recorder = make()
    for chat_id in range(1, 1001):
        recorder.send(chat_id)
    times = recorder.all_times()
    assert max_in_window(times, 1.0) <= 30
    sustained = (len(times) - 1) / (times[-1] - times[0])
    assert 28.5 <= sustained <= 30.0
    # Spaced evenly, not fired in bursts: no two sends closer than 1/31 s.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1.0 / 31


def test_the_first_send_goes_at_once() -> None:
    recorder = make()
    assert recorder.limiter.reserve(42) == 0.0


def test_sends_spread_while_the_clock_moves_like_a_real_sender() -> None:
    # A sender that sleeps until each granted instant, occasionally idling; crosses the
    # internal pruning many times.
    recorder = make()
    rng = random.Random(20261123)
    for n in range(3000):
        instant = recorder.send(rng.randrange(1, 400))
        recorder.clock.now = max(recorder.clock.now, instant)
        if n % 97 == 0:
            recorder.clock.advance(rng.uniform(0.0, 3.0))
    assert_limits(recorder)


# --- SendLimiter: per chat and per group ---------------------------------------------------


def test_private_chat_sends_are_at_least_a_second_apart() -> None:
    recorder = make()
    instants = [recorder.send(7) for _ in range(5)]
    gaps = [b - a for a, b in itertools.pairwise(instants)]
    assert all(1.0 <= gap <= 1.1 for gap in gaps), gaps


def test_private_chat_interval_zero_only_keeps_the_global_spacing() -> None:
    recorder = make(per_chat_interval=0)
    instants = [recorder.send(7) for _ in range(30)]
    assert instants[-1] - instants[0] < 1.1


def test_group_gets_at_most_twenty_per_rolling_minute() -> None:
    recorder = make()
    instants = [recorder.send(-100123) for _ in range(65)]
    assert max_in_window(instants, 60.0) == 20
    # The first twenty go about a second apart (Telegram's advice for any chat); the 21st
    # waits for the minute to pass.
    gaps = [b - a for a, b in itertools.pairwise(instants)]
    assert all(gap >= 1.0 for gap in gaps)
    assert instants[19] - instants[0] < 21.0
    assert instants[20] - instants[0] >= 60.0


def test_a_busy_chat_does_not_hold_up_other_chats() -> None:
    recorder = make()
    busy = [recorder.send(1) for _ in range(10)]
    assert busy[-1] - recorder.clock.now > 9.0
    other_wait = recorder.limiter.reserve(2)
    assert other_wait < 0.5
    group_wait = recorder.limiter.reserve(-5)
    assert group_wait < 0.5


def test_a_full_group_does_not_hold_up_private_chats() -> None:
    recorder = make()
    for _ in range(25):
        recorder.send(-77)
    assert recorder.limiter.reserve(-77) > 50.0
    assert recorder.limiter.reserve(3) < 1.0


# --- SendLimiter: 429 pause ----------------------------------------------------------------


def test_pause_all_pushes_everyone_past_the_pause() -> None:
    recorder = make()
    recorder.send(1)
    start = recorder.clock.now
    recorder.limiter.pause_all(5.0)
    instants = [recorder.send(chat_id) for chat_id in (1, 2, 3, -9)]
    assert all(t >= start + 5.0 for t in instants)


def test_a_shorter_pause_does_not_shorten_a_longer_one() -> None:
    recorder = make()
    start = recorder.clock.now
    recorder.limiter.pause_all(10.0)
    recorder.clock.advance(1.0)
    recorder.limiter.pause_all(2.0)
    assert recorder.send(4) >= start + 10.0


def test_after_the_pause_sends_go_without_waiting() -> None:
    recorder = make()
    recorder.limiter.pause_all(3.0)
    recorder.clock.advance(3.5)
    assert recorder.limiter.reserve(11) == 0.0


# --- property ------------------------------------------------------------------------------

CHATS = st.sampled_from([1, 2, 3, 4, 5, 1001, 1002, -10, -20])
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("send"), CHATS),
        st.tuples(st.just("advance"), st.floats(0.0, 5.0, allow_nan=False)),
        st.tuples(st.just("advance"), st.floats(0.0, 0.05, allow_nan=False)),
        st.tuples(st.just("pause"), st.floats(0.0, 10.0, allow_nan=False)),
    ),
    max_size=300,
)


@settings(max_examples=150, deadline=None)
@given(operations=OPERATIONS, per_second=st.sampled_from([30, 5]))
def test_any_interleaving_keeps_every_limit(
    operations: list[tuple[str, object]], per_second: int
) -> None:
    recorder = make(per_second=per_second)
    paused_until = 0.0
    for kind, argument in operations:
        if kind == "send":
            instant = recorder.send(int(argument))  # type: ignore[call-overload]
            assert instant >= recorder.clock.now
            assert instant >= paused_until - EPS
        elif kind == "advance":
            recorder.clock.advance(float(argument))  # type: ignore[arg-type]
        else:
            recorder.limiter.pause_all(float(argument))  # type: ignore[arg-type]
            paused_until = max(paused_until, recorder.clock.now + float(argument))  # type: ignore[arg-type]
    assert_limits(recorder, per_second=per_second)


# --- sends held up on their way ----------------------------------------------------------------


# The share of sends held up by 90 ms: about one every three seconds at full rate.
STALLED = 0.01


def simulate_sender(feedback: bool, sends: int = 900, seed: int = 7) -> list[float]:
    """A sender with 32 sends booked ahead whose requests sometimes reach Telegram late (a
    stalled loop or connection: 90 ms) and finish 2 ms after arriving. With `feedback` it
    tells the limiter when each send finished and checks its booking again on waking, as
    `OutboxSender` does. Returns when each request reached Telegram."""
    clock = FakeMonotonic()
    limiter = SendLimiter(per_chat_interval=0, monotonic=clock)
    rng = random.Random(seed)
    chats = itertools.count(1)
    order = itertools.count()
    events: list[tuple[float, int, str, Booking]] = []
    arrivals: list[float] = []

    def book(chat_id: int) -> None:
        booking = limiter.book(chat_id)
        heapq.heappush(events, (booking.at, next(order), "wake", booking))

    for _ in range(32):
        book(next(chats))
    left = sends - 32
    while events:
        at, _, kind, booking = heapq.heappop(events)
        clock.now = max(clock.now, at)
        if kind == "wake":
            if feedback and not limiter.still_allowed(booking):
                limiter.release(booking)
                book(booking.chat_id)
                continue
            delay = 0.09 if rng.random() < STALLED else rng.uniform(0.0, 0.004)
            arrivals.append(clock.now + delay)
            heapq.heappush(events, (clock.now + delay + 0.002, next(order), "done", booking))
        else:
            if feedback:
                limiter.sent(booking)
            if left:
                left -= 1
                book(next(chats))
    return arrivals


def test_a_send_held_up_on_its_way_pushes_later_sends_back() -> None:
    arrivals = simulate_sender(feedback=True)
    assert max_in_window(arrivals, 1.0) <= 30
    # Still close to the limit: the feedback costs little.
    assert len(arrivals) / (max(arrivals) - min(arrivals)) > 28.5
    # Without it, thirty sends crowd into the second after a late one (what Telegram
    # answers with 429).
    assert max_in_window(simulate_sender(feedback=False), 1.0) > 30


def test_a_send_counted_late_invalidates_a_booking_made_before() -> None:
    recorder = make(per_chat_interval=0)
    limiter = recorder.limiter
    bookings = [limiter.book(chat_id) for chat_id in range(1, 32)]
    first, last = bookings[0], bookings[-1]
    assert limiter.still_allowed(last)
    recorder.clock.advance(0.09)
    limiter.sent(first)  # it finished 90 ms after its instant
    assert not limiter.still_allowed(last)
    limiter.release(last)
    again = limiter.book(31)
    # Thirty sends now sit within the second before its old instant: it moves back.
    assert again.at > last.at
    assert again.at >= bookings[1].at + 1.0
