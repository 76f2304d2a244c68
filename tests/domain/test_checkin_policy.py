"""The sweep's shortcut: `DueDecider` (calendar maths once per group of people) decides
exactly as `decide_due` does person by person."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.checkin_policy import DueDecider, Rhythm, decide_due
from schedules.spec import EveryNDaysSpec, parse_schedule
from schedules.timing import QuietHours, parse_quiet_hours
from tests.schedules.test_spec import specs
from tests.schedules.test_timing import anchors, instants, quiet_hours, zones

# Offsets of the planned slot from `now` (jitter before the slot, due, downtime) and of the
# end of a tight phase from the planned slot (over, ending right then, still running).
PLANNED = [timedelta(minutes=5), timedelta(0), -timedelta(minutes=7), -timedelta(days=3)]
TIGHT = [None, -timedelta(days=1), timedelta(0), timedelta(hours=2), timedelta(days=6)]


@st.composite
def pools(draw: st.DrawFn) -> dict[str, list[Any]]:
    """Two of each ingredient, so that drawn people share groups and also differ."""
    return {
        "spec": draw(st.lists(specs, min_size=2, max_size=2)),
        "tz": draw(st.lists(zones, min_size=2, max_size=2)),
        "quiet": [q or QuietHours.disabled() for q in draw(st.lists(quiet_hours(), min_size=2))],
        "anchor": draw(st.lists(anchors, min_size=2, max_size=2)),
    }


person = st.tuples(*(st.integers(0, 1) for _ in range(4)), st.integers(0, 3), st.integers(0, 4))


@settings(max_examples=150, deadline=None)
@given(pools(), instants, st.lists(person, min_size=1, max_size=12))
def test_the_decider_decides_as_decide_due(
    pool: dict[str, list[Any]],
    now: datetime,
    people: list[tuple[int, int, int, int, int, int]],
) -> None:
    decider = DueDecider(now)
    for n, (spec, tz, quiet, anchor, planned, tight) in enumerate(people):
        slot = now + PLANNED[planned]
        rhythm = Rhythm(
            spec=pool["spec"][spec],
            tz=pool["tz"][tz],
            quiet=pool["quiet"][quiet],
            anchor=pool["anchor"][anchor],
            seed=f"person-{n}",
            jitter_minutes=10,
            tight_until=None if TIGHT[tight] is None else slot + TIGHT[tight],
        )
        assert decider.decide(rhythm, slot) == decide_due(rhythm, slot, now)


def test_people_of_one_team_share_the_maths_but_not_the_jitter() -> None:
    now = datetime.fromisoformat("2026-11-24T01:05:00+00:00")
    planned = datetime.fromisoformat("2026-11-24T01:00:00+00:00")
    decider = DueDecider(now)
    decisions = [
        decider.decide(_rhythm("火金 10:00", seed=f"person-{n}"), planned) for n in range(50)
    ]
    assert {d.send_slot for d in decisions} == {planned}
    assert len({d.next_plan.slot for d in decisions}) == 1
    assert len({d.next_plan.send_at for d in decisions}) > 40
    # Every-N-days schedules count from each person's own anchor.
    every = [
        decider.decide(_rhythm("3日ごと 10:00", anchor=date(2026, 11, d)), planned)
        for d in (21, 22, 23)
    ]
    assert len({d.next_plan.slot for d in every}) == 3
    assert isinstance(_rhythm("3日ごと 10:00").spec, EveryNDaysSpec)


def _rhythm(spec: str, *, seed: str = "person-1", anchor: date | None = None) -> Rhythm:
    return Rhythm(
        spec=parse_schedule(spec),
        tz=ZoneInfo("Asia/Tokyo"),
        quiet=parse_quiet_hours("21:00-08:00"),
        anchor=anchor or date(2026, 11, 1),
        seed=seed,
        jitter_minutes=10,
    )
