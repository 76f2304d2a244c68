"""Tests for schedules.timing: quiet hours, next-due slots, DST, catch-up and jitter."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.spec import (
    DailySpec,
    EveryNDaysSpec,
    MonthlySpec,
    ScheduleSpec,
    WeeklySpec,
    parse_schedule,
)
from schedules.timing import (
    MAX_QUIET_HOURS,
    QH_BAD_FORMAT,
    QH_BAD_TIME,
    QH_EMPTY,
    QH_EMPTY_RANGE,
    QH_TOO_LONG,
    QuietHours,
    QuietHoursError,
    catch_up_slot,
    day_window_end,
    jittered,
    latest_slot_at_or_before,
    next_slot,
    nominal_slots_after,
    parse_quiet_hours,
    upcoming,
)
from tests.schedules.test_spec import specs

TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = [TOKYO, BERLIN, NEW_YORK, ZoneInfo("UTC")]
NIGHT = QuietHours(time(21), time(8))
ANCHOR = date(2024, 1, 1)


def local(tz: ZoneInfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A local wall-clock moment (fold=0) as a UTC instant."""
    return datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(UTC)


# --- quiet hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:00-08:00", QuietHours(time(21), time(8))),
        ("21時〜8時", QuietHours(time(21), time(8))),
        ("２１：００～０８：００", QuietHours(time(21), time(8))),
        ("21:00 - 08:00", QuietHours(time(21), time(8))),
        ("午後9時から午前8時まで", QuietHours(time(21), time(8))),
        ("22時半〜7時", QuietHours(time(22, 30), time(7))),
        ("9pm to 7am", QuietHours(time(21), time(7))),
        ("13:00-14:00", QuietHours(time(13), time(14))),
        ("なし", QuietHours.disabled()),
        ("none", QuietHours.disabled()),
    ],
)
def test_parse_quiet_hours(text: str, expected: QuietHours) -> None:
    assert parse_quiet_hours(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", QH_EMPTY),
        ("21:00", QH_BAD_FORMAT),
        ("21:00-25:00", QH_BAD_TIME),
        ("夜-8時", QH_BAD_TIME),
        ("21:00-21:00", QH_EMPTY_RANGE),
        ("08:00-07:00", QH_TOO_LONG),
    ],
)
def test_quiet_hours_errors(text: str, code: str) -> None:
    with pytest.raises(QuietHoursError) as info:
        parse_quiet_hours(text)
    assert info.value.code == code
    assert "for example" in str(info.value)


def test_quiet_hours_contains_wrapping_and_plain() -> None:
    assert NIGHT.contains(time(21)) and NIGHT.contains(time(23, 59)) and NIGHT.contains(time(0))
    assert NIGHT.contains(time(7, 59))
    assert not NIGHT.contains(time(8)) and not NIGHT.contains(time(20, 59))
    lunch = QuietHours(time(12), time(13))
    assert lunch.contains(time(12, 30)) and not lunch.contains(time(13))
    off = QuietHours(time(9), time(9))  # start == end: no quiet hours at all
    assert not off.enabled
    assert not any(off.contains(time(h, m)) for h in range(24) for m in (0, 30))
    assert QuietHours.disabled().canonical() == "なし"


def test_quiet_hours_too_long_is_rejected() -> None:
    QuietHours(time(20), time(16))  # exactly MAX_QUIET_HOURS
    assert MAX_QUIET_HOURS == 20
    with pytest.raises(QuietHoursError):
        QuietHours(time(20), time(16, 1))


def test_end_after_and_start_after() -> None:
    evening = datetime(2024, 5, 1, 22, 30, tzinfo=TOKYO)
    assert NIGHT.end_after(evening) == datetime(2024, 5, 2, 8, tzinfo=TOKYO)
    early = datetime(2024, 5, 2, 6, 0, tzinfo=TOKYO)
    assert NIGHT.end_after(early) == datetime(2024, 5, 2, 8, tzinfo=TOKYO)
    day = datetime(2024, 5, 2, 12, 0, tzinfo=TOKYO)
    assert NIGHT.end_after(day) == day
    assert NIGHT.start_after(day) == datetime(2024, 5, 2, 21, tzinfo=TOKYO)
    assert NIGHT.start_after(evening) == datetime(2024, 5, 2, 21, tzinfo=TOKYO)
    assert QuietHours.disabled().start_after(day) is None
    naive = datetime(2024, 5, 1, 23, 0)
    assert NIGHT.end_after(naive) == datetime(2024, 5, 2, 8, 0)


def test_end_after_across_spring_forward() -> None:
    # Quiet 01:00-02:30 in Berlin: 02:30 does not exist on 2024-03-31; the end is 03:30 CEST.
    quiet = QuietHours(time(1), time(2, 30))
    at = datetime(2024, 3, 31, 1, 15, tzinfo=BERLIN)
    end = quiet.end_after(at)
    assert not quiet.contains(end.time())
    assert end.astimezone(UTC) == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


# --- next slot ------------------------------------------------------------------------------


def test_next_slot_weekly_tokyo() -> None:
    spec = parse_schedule("火金 10:00")
    after = local(TOKYO, 2024, 5, 1, 12)  # Wednesday
    assert next_slot(spec, after, TOKYO) == local(TOKYO, 2024, 5, 3, 10)  # Friday
    assert next_slot(spec, local(TOKYO, 2024, 5, 3, 10), TOKYO) == local(TOKYO, 2024, 5, 7, 10)
    assert next_slot(spec, after, TOKYO).tzinfo is UTC


def test_upcoming_lists_next_five() -> None:
    spec = parse_schedule("毎日 9:30,18:00")
    got = upcoming(spec, local(TOKYO, 2024, 5, 1, 12), TOKYO)
    assert [g.astimezone(TOKYO).strftime("%d %H:%M") for g in got] == [
        "01 18:00",
        "02 09:30",
        "02 18:00",
        "03 09:30",
        "03 18:00",
    ]


def test_every_n_days_counts_from_anchor() -> None:
    spec = parse_schedule("3日ごと 15:00")
    got = upcoming(spec, local(TOKYO, 2024, 5, 1), TOKYO, anchor=date(2024, 5, 2), n=3)
    assert [g.astimezone(TOKYO).date().day for g in got] == [2, 5, 8]
    with pytest.raises(ValueError, match="anchor"):
        next_slot(spec, local(TOKYO, 2024, 5, 1), TOKYO)


def test_monthly_31st_in_short_months() -> None:
    spec = parse_schedule("毎月30日と31日 10:00")
    got = upcoming(spec, local(TOKYO, 2024, 1, 1), TOKYO, n=5)
    assert [g.astimezone(TOKYO).date() for g in got] == [
        date(2024, 1, 30),
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 30),
        date(2024, 3, 31),
    ]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_slot(parse_schedule("毎日 10:00"), datetime(2024, 5, 1), TOKYO)


# --- DST ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "day", "expected_utc"),
    [
        (BERLIN, date(2024, 3, 31), datetime(2024, 3, 31, 1, 30, tzinfo=UTC)),  # 03:30 CEST
        (NEW_YORK, date(2024, 3, 10), datetime(2024, 3, 10, 7, 30, tzinfo=UTC)),  # 03:30 EDT
    ],
)
def test_spring_forward_gap_shifts_forward_once(
    tz: ZoneInfo, day: date, expected_utc: datetime
) -> None:
    spec = parse_schedule("毎日 2:30")
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    got = [s for s in upcoming(spec, start - timedelta(days=1), tz, n=3)]
    on_day = [s for s in got if s.astimezone(tz).date() == day]
    assert on_day == [expected_utc]
    assert on_day[0].astimezone(tz).time() == time(3, 30)
    assert got == sorted(set(got))


@pytest.mark.parametrize(
    ("tz", "day"), [(BERLIN, date(2024, 10, 27)), (NEW_YORK, date(2024, 11, 3))]
)
def test_fall_back_ambiguous_time_uses_first_occurrence(tz: ZoneInfo, day: date) -> None:
    wall = time(2, 30) if tz is BERLIN else time(1, 30)
    spec = DailySpec(times=(wall,))
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    got = [s for s in upcoming(spec, start, tz, n=2) if s.astimezone(tz).date() == day]
    first = datetime.combine(day, wall, tzinfo=tz).replace(fold=0).astimezone(UTC)
    assert got == [first]


def test_gap_merges_slots_that_land_on_the_same_instant() -> None:
    spec = parse_schedule("毎日 2:30,3:30")
    start = local(BERLIN, 2024, 3, 31, 0)
    got = [s for s in upcoming(spec, start, BERLIN, n=3) if s < local(BERLIN, 2024, 4, 1)]
    assert got == [datetime(2024, 3, 31, 1, 30, tzinfo=UTC)]


# --- quiet-hours policy ---------------------------------------------------------------------


def test_quiet_slot_is_deferred_to_the_morning() -> None:
    spec = parse_schedule("火 22:00")
    # Tue 2024-04-30 22:00 is deferred to Wed 08:00, which is after Wed 00:00
    got = next_slot(spec, local(TOKYO, 2024, 5, 1), TOKYO, quiet=NIGHT)
    assert got == local(TOKYO, 2024, 5, 1, 8)
    assert next_slot(spec, got, TOKYO, quiet=NIGHT) == local(TOKYO, 2024, 5, 8, 8)
    early = parse_schedule("毎日 6:30")
    assert next_slot(early, local(TOKYO, 2024, 5, 1, 12), TOKYO, quiet=NIGHT) == local(
        TOKYO, 2024, 5, 2, 8
    )


def test_deferred_slots_merge_with_a_morning_slot() -> None:
    spec = parse_schedule("毎日 6:00,7:00,8:00,12:00")
    got = upcoming(spec, local(TOKYO, 2024, 5, 1, 12), TOKYO, quiet=NIGHT, n=3)
    assert got == [
        local(TOKYO, 2024, 5, 2, 8),
        local(TOKYO, 2024, 5, 2, 12),
        local(TOKYO, 2024, 5, 3, 8),
    ]


def test_disabled_quiet_hours_change_nothing() -> None:
    spec = parse_schedule("毎日 23:00")
    after = local(TOKYO, 2024, 5, 1, 12)
    assert next_slot(spec, after, TOKYO, quiet=QuietHours.disabled()) == next_slot(
        spec, after, TOKYO
    )


# --- catch-up -------------------------------------------------------------------------------


def test_catch_up_after_downtime_sends_only_the_latest_slot() -> None:
    spec = parse_schedule("毎日 10:00,15:00")
    planned = local(TOKYO, 2024, 5, 1, 10)
    now = local(TOKYO, 2024, 5, 4, 16)  # three days down
    assert catch_up_slot(spec, planned, now, TOKYO, NIGHT) == local(TOKYO, 2024, 5, 4, 15)


def test_catch_up_normal_operation_returns_the_planned_slot() -> None:
    spec = parse_schedule("毎日 10:00")
    planned = local(TOKYO, 2024, 5, 1, 10)
    now = planned + timedelta(minutes=7)
    assert catch_up_slot(spec, planned, now, TOKYO, NIGHT) == planned


def test_catch_up_none_when_day_window_closed() -> None:
    spec = parse_schedule("毎日 10:00")
    planned = local(TOKYO, 2024, 5, 1, 10)
    # quiet hours began (21:00): wait for tomorrow's slot instead of messaging at night
    assert catch_up_slot(spec, planned, local(TOKYO, 2024, 5, 1, 21, 30), TOKYO, NIGHT) is None
    # next local day before its slot: yesterday's is stale
    assert catch_up_slot(spec, planned, local(TOKYO, 2024, 5, 2, 9), TOKYO) is None
    # without quiet hours the window closes at local midnight
    assert catch_up_slot(spec, planned, local(TOKYO, 2024, 5, 1, 23, 59), TOKYO) == planned
    # nothing due yet / the latest slot predates the planned one
    assert catch_up_slot(spec, planned, planned - timedelta(minutes=1), TOKYO) is None
    later = local(TOKYO, 2024, 5, 1, 10, 30)
    assert catch_up_slot(spec, later, local(TOKYO, 2024, 5, 1, 11), TOKYO) is None


def test_day_window_end() -> None:
    slot = local(TOKYO, 2024, 5, 1, 10)
    assert day_window_end(slot, TOKYO, NIGHT) == local(TOKYO, 2024, 5, 1, 21)
    assert day_window_end(slot, TOKYO) == local(TOKYO, 2024, 5, 2, 0)
    late_quiet = QuietHours(time(1), time(7))
    assert day_window_end(slot, TOKYO, late_quiet) == local(TOKYO, 2024, 5, 2, 0)


# --- jitter ---------------------------------------------------------------------------------


def test_jitter_is_deterministic_and_bounded() -> None:
    slot = local(TOKYO, 2024, 5, 1, 10)
    a = jittered(slot, "person-1", 10, NIGHT, TOKYO)
    assert a == jittered(slot, "person-1", 10, NIGHT, TOKYO)
    assert abs(a - slot) <= timedelta(minutes=10)
    others = {jittered(slot, f"person-{i}", 10, NIGHT, TOKYO) for i in range(20)}
    assert len(others) > 10  # spreads people out
    assert jittered(slot, "person-1", 0) == slot
    assert a.tzinfo is UTC


def test_jitter_never_enters_quiet_hours() -> None:
    # A slot right at the end of quiet hours: negative offsets are mirrored forward.
    slot = local(TOKYO, 2024, 5, 2, 8)
    for i in range(50):
        sent = jittered(slot, f"p{i}", 10, NIGHT, TOKYO)
        assert not NIGHT.contains(sent.astimezone(TOKYO).time())
        assert slot <= sent <= slot + timedelta(minutes=10)


def test_jitter_argument_errors() -> None:
    slot = local(TOKYO, 2024, 5, 1, 10)
    with pytest.raises(ValueError):
        jittered(slot, "p", -1)
    with pytest.raises(ValueError):
        jittered(slot, "p", 10, NIGHT)  # no tz
    with pytest.raises(ValueError):
        jittered(datetime(2024, 5, 1, 10), "p")


# --- properties -----------------------------------------------------------------------------

zones = st.sampled_from(ZONES)


def _transitions() -> list[datetime]:
    """UTC instants of DST changes in Berlin and New York, 2020-2030."""
    out: list[datetime] = []
    for year in range(2020, 2031):
        for month, nth_sunday, hour in ((3, -1, 1), (10, -1, 1), (3, 2, 7), (11, 1, 6)):
            sundays = [
                d
                for d in (date(year, month, 1) + timedelta(days=k) for k in range(31))
                if d.month == month and d.weekday() == 6
            ]
            day = sundays[nth_sunday if nth_sunday < 0 else nth_sunday - 1]
            out.append(datetime.combine(day, time(hour), tzinfo=UTC))
    return out


near_dst = st.builds(
    lambda t, m: t + timedelta(minutes=m),
    st.sampled_from(_transitions()),
    st.integers(-3 * 24 * 60, 2 * 24 * 60),
)
instants = st.one_of(
    near_dst,
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
)


@st.composite
def quiet_hours(draw: st.DrawFn) -> QuietHours | None:
    if draw(st.booleans()):
        return None
    start = draw(st.integers(0, 24 * 60 - 1))
    length = draw(st.integers(0, MAX_QUIET_HOURS * 60))
    end = (start + length) % (24 * 60)
    return QuietHours(time(start // 60, start % 60), time(end // 60, end % 60))


anchors = st.dates(min_value=date(1999, 1, 1), max_value=date(2038, 1, 1))


def _quiet_at(quiet: QuietHours | None, instant: datetime, tz: ZoneInfo) -> bool:
    return quiet is not None and quiet.contains(instant.astimezone(tz).time())


@settings(max_examples=150, deadline=None)
@given(specs, instants, zones, anchors, quiet_hours())
def test_slots_increase_and_avoid_quiet_hours(
    spec: ScheduleSpec, after: datetime, tz: ZoneInfo, anchor: date, quiet: QuietHours | None
) -> None:
    got = upcoming(spec, after, tz, anchor, quiet, n=6)
    assert len(got) == 6
    assert got[0] == next_slot(spec, after, tz, anchor, quiet)
    assert got[0] > after
    assert all(a < b for a, b in itertools.pairwise(got))
    for slot in got:
        assert slot.tzinfo is UTC
        assert not _quiet_at(quiet, slot, tz)
        sent = jittered(slot, "person-42", 10, quiet, tz)
        assert abs(sent - slot) <= timedelta(minutes=10)
        assert not _quiet_at(quiet, sent, tz)
    # the sequence does not depend on where one starts looking
    assert upcoming(spec, got[0], tz, anchor, quiet, n=5) == got[1:]
    assert latest_slot_at_or_before(spec, got[2], tz, anchor, quiet) == got[2]
    assert (
        latest_slot_at_or_before(spec, got[2] - timedelta(seconds=1), tz, anchor, quiet) == got[1]
    )


@settings(max_examples=150, deadline=None)
@given(specs, instants, zones, anchors)
def test_unquiet_slots_are_the_spec_times(
    spec: ScheduleSpec, after: datetime, tz: ZoneInfo, anchor: date
) -> None:
    for slot in upcoming(spec, after, tz, anchor, n=4):
        day = slot.astimezone(tz).date()
        assert spec.matches(day, anchor)
        resolved = {datetime.combine(day, t, tzinfo=tz).astimezone(UTC) for t in spec.times}
        assert slot in resolved  # exactly the wall time (fold=0; gap times shifted forward)


@settings(max_examples=100, deadline=None)
@given(minutes=st.integers(0, 24 * 60 - 1), after=near_dst, tz=zones)
def test_daily_rhythm_is_stable_across_dst(minutes: int, after: datetime, tz: ZoneInfo) -> None:
    spec = DailySpec(times=(time(minutes // 60, minutes % 60),))
    got = upcoming(spec, after, tz, n=6)
    for a, b in itertools.pairwise(got):
        assert timedelta(hours=23) <= b - a <= timedelta(hours=25)
        assert (b.astimezone(tz).date() - a.astimezone(tz).date()).days == 1


@settings(max_examples=150, deadline=None)
@given(
    specs,
    instants,
    st.integers(0, 60 * 24 * 40),
    zones,
    anchors,
    quiet_hours(),
)
def test_catch_up_returns_at_most_one_recent_slot(
    spec: ScheduleSpec,
    planned_after: datetime,
    down_minutes: int,
    tz: ZoneInfo,
    anchor: date,
    quiet: QuietHours | None,
) -> None:
    planned = next_slot(spec, planned_after, tz, anchor, quiet)
    now = planned + timedelta(minutes=down_minutes)
    got = catch_up_slot(spec, planned, now, tz, quiet, anchor)
    if got is None:
        return
    assert planned <= got <= now
    assert got == latest_slot_at_or_before(spec, now, tz, anchor, quiet)
    assert now < day_window_end(got, tz, quiet)
    assert now.astimezone(tz).date() == got.astimezone(tz).date()
    assert not _quiet_at(quiet, now, tz)


@settings(max_examples=100, deadline=None)
@given(quiet_hours())
def test_quiet_hours_canonical_round_trip(quiet: QuietHours | None) -> None:
    if quiet is None:
        return
    assert parse_quiet_hours(quiet.canonical()) == (
        quiet if quiet.enabled else QuietHours.disabled()
    )


@settings(max_examples=100, deadline=None)
@given(instants, zones, quiet_hours())
def test_end_after_is_outside_quiet_hours(
    at: datetime, tz: ZoneInfo, quiet: QuietHours | None
) -> None:
    if quiet is None:
        return
    local_at = at.astimezone(tz)
    end = quiet.end_after(local_at)
    assert end >= local_at
    assert not quiet.contains(end.time())
    assert end - local_at <= timedelta(hours=MAX_QUIET_HOURS + 1)


def test_nominal_slots_after_is_lazy_and_endless() -> None:
    gen = nominal_slots_after(
        EveryNDaysSpec(times=(time(9),), interval=365), local(TOKYO, 2024, 1, 1), TOKYO, ANCHOR
    )
    first, second = next(gen), next(gen)
    assert second - first >= timedelta(days=365)
    weekly = WeeklySpec(times=(time(9),), weekdays=(0,))
    monthly = MonthlySpec(times=(time(9),), days=(31,))
    for spec in (weekly, monthly):
        assert len(upcoming(spec, local(TOKYO, 2024, 1, 1), TOKYO, n=30)) == 30
