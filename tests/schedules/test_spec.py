"""Tests for schedules.spec: the forms coordinators type, error codes, canonical round trip."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.spec import (
    BAD_DAY,
    BAD_INTERVAL,
    BAD_MONTH_DAY,
    BAD_TIME,
    EMPTY,
    ERROR_CODES,
    MAX_TIMES_PER_DAY,
    MIXED_KINDS,
    NO_DAY,
    NO_TIME,
    TOO_LONG,
    TOO_MANY_TIMES,
    UNKNOWN_WORD,
    DailySpec,
    EveryNDaysSpec,
    MonthlySpec,
    ScheduleSpec,
    ScheduleSpecError,
    WeeklySpec,
    parse_schedule,
    parse_time_token,
)

TUE, FRI = 1, 4
T10 = (time(10, 0),)

# --- strategies (shared with test_timing) ---------------------------------------------------

minute_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
spec_times = st.lists(minute_times, min_size=1, max_size=MAX_TIMES_PER_DAY, unique=True).map(tuple)


def _weekly() -> st.SearchStrategy[ScheduleSpec]:
    days = st.sets(st.integers(0, 6), min_size=1).map(tuple)
    return st.builds(WeeklySpec, times=spec_times, weekdays=days)


def _every() -> st.SearchStrategy[ScheduleSpec]:
    interval = st.one_of(st.integers(1, 14), st.integers(15, 365))
    return st.builds(EveryNDaysSpec, times=spec_times, interval=interval)


def _monthly() -> st.SearchStrategy[ScheduleSpec]:
    # bias towards 28..31 so short months are exercised
    day = st.one_of(st.integers(1, 31), st.integers(28, 31))
    return st.builds(MonthlySpec, times=spec_times, days=st.sets(day, min_size=1).map(tuple))


specs: st.SearchStrategy[ScheduleSpec] = st.one_of(
    _weekly(), st.builds(DailySpec, times=spec_times), _every(), _monthly()
)


# --- accepted forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("火金 10:00", WeeklySpec(times=T10, weekdays=(TUE, FRI))),
        ("火・金 10:00", WeeklySpec(times=T10, weekdays=(TUE, FRI))),
        ("火曜と金曜 10時", WeeklySpec(times=T10, weekdays=(TUE, FRI))),
        ("火曜日、金曜日の10時に", WeeklySpec(times=T10, weekdays=(TUE, FRI))),
        ("毎週火曜と金曜 10時", WeeklySpec(times=T10, weekdays=(TUE, FRI))),
        ("tue,fri 10:00", WeeklySpec(times=T10, weekdays=(TUE, FRI))),
        ("tue fri 10:00", WeeklySpec(times=T10, weekdays=(TUE, FRI))),
        ("Tuesday and Friday at 10am", WeeklySpec(times=T10, weekdays=(TUE, FRI))),
        ("every tues, fri 10:00", WeeklySpec(times=T10, weekdays=(TUE, FRI))),
        (
            "火金 10:00,15:30",
            WeeklySpec(times=(time(10), time(15, 30)), weekdays=(TUE, FRI)),
        ),
        (
            "火金 15:30と10時",
            WeeklySpec(times=(time(10), time(15, 30)), weekdays=(TUE, FRI)),
        ),
        ("月〜金 9:00", WeeklySpec(times=(time(9),), weekdays=(0, 1, 2, 3, 4))),
        ("mon-fri 9:00", WeeklySpec(times=(time(9),), weekdays=(0, 1, 2, 3, 4))),
        ("金～月 9:00", WeeklySpec(times=(time(9),), weekdays=(0, 4, 5, 6))),
        ("平日 正午", WeeklySpec(times=(time(12),), weekdays=(0, 1, 2, 3, 4))),
        ("土日 午前9時", WeeklySpec(times=(time(9),), weekdays=(5, 6))),
        ("日 10:00", WeeklySpec(times=T10, weekdays=(6,))),
        ("毎月曜 10時", WeeklySpec(times=T10, weekdays=(0,))),
        ("毎月曜日と毎木曜日 10時", WeeklySpec(times=T10, weekdays=(0, 3))),
        ("毎日 9:30", DailySpec(times=(time(9, 30),))),
        ("daily 9:30", DailySpec(times=(time(9, 30),))),
        ("毎日9時半", DailySpec(times=(time(9, 30),))),
        ("毎日 午後3時15分", DailySpec(times=(time(15, 15),))),
        ("every day 7pm", DailySpec(times=(time(19),))),
        ("DAILY 12am", DailySpec(times=(time(0),))),
        ("毎日 １０：００", DailySpec(times=T10)),
        ("毎日　１０時", DailySpec(times=T10)),
        ("3日ごと 15:00", EveryNDaysSpec(times=(time(15),), interval=3)),
        ("3日毎 15時", EveryNDaysSpec(times=(time(15),), interval=3)),
        ("every 3 days 15:00", EveryNDaysSpec(times=(time(15),), interval=3)),
        ("３日ごと １５：００", EveryNDaysSpec(times=(time(15),), interval=3)),
        ("隔日 10:00", EveryNDaysSpec(times=T10, interval=2)),
        ("every other day 10:00", EveryNDaysSpec(times=T10, interval=2)),
        ("毎月1日と15日 10:00", MonthlySpec(times=T10, days=(1, 15))),
        ("monthly 1,15 10:00", MonthlySpec(times=T10, days=(1, 15))),
        ("monthly 1st 15th 10:00", MonthlySpec(times=T10, days=(1, 15))),
        ("毎月1,15日 10時", MonthlySpec(times=T10, days=(1, 15))),
        ("1日と15日 10時", MonthlySpec(times=T10, days=(1, 15))),
        ("毎月末日 10時", MonthlySpec(times=T10, days=(31,))),
    ],
)
def test_accepted_forms(text: str, expected: ScheduleSpec) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("tue,fri 10:00", "火金 10:00"),
        ("daily 9:30", "毎日 09:30"),
        ("every 3 days 15:00", "3日ごと 15:00"),
        ("monthly 15,1 10:00", "毎月1日と15日 10:00"),
        ("火金 15:30,10:00", "火金 10:00,15:30"),
        ("日月 10:00", "月日 10:00"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    spec = parse_schedule(text)
    assert spec.canonical() == canonical
    assert parse_schedule(canonical) == spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00", time(10)),
        ("１０時半", time(10, 30)),
        ("午後0時", time(12)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("9 p.m.", time(21)),
        ("23時59分", time(23, 59)),
    ],
)
def test_time_tokens(text: str, expected: time) -> None:
    assert parse_time_token(text) == expected


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "token"),
    [
        ("", EMPTY, None),
        ("　 ", EMPTY, None),
        ("毎日 " + "9:00 " * 50, TOO_LONG, None),
        ("火金", NO_TIME, None),
        ("毎月1日", NO_TIME, None),
        ("10:00", NO_DAY, None),
        ("毎週 10:00", NO_DAY, None),
        ("毎日 25:00", BAD_TIME, "25:00"),
        ("毎日 10:60", BAD_TIME, "10:60"),
        ("毎日 10:5", BAD_TIME, "10:5"),
        ("毎日 24時", BAD_TIME, "24時"),
        ("毎日 午後12時", BAD_TIME, "午後12時"),
        ("daily 13pm", BAD_TIME, "13pm"),
        ("毎日 10", BAD_TIME, "10"),
        ("毎日 1:00,2:00,3:00,4:00,5:00,6:00,7:00", TOO_MANY_TIMES, None),
        ("月〜 9:00", BAD_DAY, "〜"),
        ("9:00-10:00 毎日", BAD_DAY, "-"),
        ("0日ごと 10:00", BAD_INTERVAL, "0日ごと"),
        ("every 400 days 10:00", BAD_INTERVAL, "every 400 days"),
        ("2日ごと 3日ごと 10:00", BAD_INTERVAL, "3日ごと"),
        ("毎月 10:00", BAD_MONTH_DAY, None),
        ("毎月32日 10:00", BAD_MONTH_DAY, "32日"),
        ("monthly 0 10:00", BAD_MONTH_DAY, "0"),
        ("毎日 火 10:00", MIXED_KINDS, None),
        ("毎月1日 火 10:00", MIXED_KINDS, None),
        ("毎週 毎日 10:00", MIXED_KINDS, None),
        ("3日おき 10:00", UNKNOWN_WORD, "3日おき"),
        ("every 2 weeks 10:00", UNKNOWN_WORD, "weeks"),
        ("毎日 10:00 よろしく", UNKNOWN_WORD, "よろしく"),
    ],
)
def test_errors(text: str, code: str, token: str | None) -> None:
    with pytest.raises(ScheduleSpecError) as info:
        parse_schedule(text)
    err = info.value
    assert err.code == code
    assert err.code in ERROR_CODES
    assert err.token == token
    message = str(err)
    assert code in message and "for example" in message
    assert isinstance(err, ValueError)


def test_error_never_echoes_more_than_the_token() -> None:
    secret = "田中さんの電話番号は09012345678です"
    with pytest.raises(ScheduleSpecError) as info:
        parse_schedule(f"毎日 10:00 {secret}")
    assert info.value.token is not None and len(info.value.token) <= 17
    assert secret not in str(info.value)
    assert "09012345678" not in str(info.value)


def test_error_code_must_be_known() -> None:
    with pytest.raises(ValueError, match="unknown schedule error code"):
        ScheduleSpecError("nope", "x")


def test_spec_values_validate_and_normalise() -> None:
    spec = WeeklySpec(times=(time(15), time(10), time(10)), weekdays=(4, 1, 4))
    assert spec == WeeklySpec(times=(time(10), time(15)), weekdays=(1, 4))
    with pytest.raises(ScheduleSpecError) as info:
        WeeklySpec(times=T10, weekdays=())
    assert info.value.code == NO_DAY
    with pytest.raises(ScheduleSpecError):
        DailySpec(times=(time(10, 0, 30),))
    with pytest.raises(ScheduleSpecError):
        DailySpec(times=())
    with pytest.raises(ScheduleSpecError):
        EveryNDaysSpec(times=T10, interval=0)
    with pytest.raises(ScheduleSpecError):
        MonthlySpec(times=T10, days=(32,))


def test_monthly_short_months_use_last_day_once() -> None:
    spec = MonthlySpec(times=T10, days=(29, 30, 31))
    feb_days = [d for d in range(1, 29) if spec.matches(date(2023, 2, d))]
    assert feb_days == [28]
    leap_days = [d for d in range(1, 30) if spec.matches(date(2024, 2, d))]
    assert leap_days == [29]
    april = [d for d in range(1, 31) if spec.matches(date(2024, 4, d))]
    assert april == [29, 30]


def test_every_n_days_needs_anchor() -> None:
    spec = EveryNDaysSpec(times=T10, interval=3)
    anchor = date(2024, 1, 10)
    assert spec.matches(date(2024, 1, 13), anchor)
    assert not spec.matches(date(2024, 1, 12), anchor)
    assert spec.matches(date(2024, 1, 7), anchor)  # the rhythm extends both ways
    with pytest.raises(ValueError):
        spec.matches(date(2024, 1, 13))


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(specs)
def test_canonical_round_trip(spec: ScheduleSpec) -> None:
    assert parse_schedule(spec.canonical()) == spec


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parser_only_raises_schedule_errors(text: str) -> None:
    try:
        spec = parse_schedule(text)
    except ScheduleSpecError as err:
        assert err.code in ERROR_CODES
        assert err.token is None or len(err.token) <= 17
    else:
        assert parse_schedule(spec.canonical()) == spec


# --- purity ---------------------------------------------------------------------------------


def test_pure_modules_import_neither_telegram_nor_sqlalchemy() -> None:
    code = (
        "import sys, schedules.spec, schedules.timing\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'sqlalchemy'))\n"
        "print(','.join(bad))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_pure_modules_never_read_the_clock() -> None:
    root = Path(__file__).resolve().parents[2] / "schedules"
    for name in ("spec.py", "timing.py"):
        source = (root / name).read_text(encoding="utf-8")
        for forbidden in (".now(", ".utcnow(", ".today(", "time.time(", "monotonic("):
            assert forbidden not in source, f"{name} reads the clock via {forbidden}"
