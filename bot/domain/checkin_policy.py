"""When a person's next check-in is, and what to do when it comes due (pure; `now` passed in).

The sweep stores two instants per person: the nominal slot (the check-in's identity) and the
jittered send time (what the sweep's index reads). When the send time has come, this module
decides whether to send the planned slot, catch up with the one latest slot after downtime,
or send nothing because its day has passed — and plans the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from schedules.spec import DailySpec, EveryNDaysSpec, ScheduleSpec, parse_schedule
from schedules.timing import QuietHours, catch_up_slot, jittered, next_slot, parse_quiet_hours


# Specs are immutable and shared by many people: parse each text once.
@lru_cache(maxsize=1024)
def _spec(text: str) -> ScheduleSpec:
    return parse_schedule(text)


@lru_cache(maxsize=1024)
def _quiet(text: str) -> QuietHours:
    return parse_quiet_hours(text)


@dataclass(frozen=True)
class Rhythm:
    """Everything that decides when one person hears from the bot."""

    spec: ScheduleSpec
    tz: ZoneInfo
    quiet: QuietHours
    anchor: date | None
    # Stable per person, so jitter is the same after a restart or on another instance.
    seed: str
    jitter_minutes: int
    # Daily check-ins until this instant (after an escalation was resolved), then `spec`.
    tight_until: datetime | None = None

    @property
    def tight_spec(self) -> ScheduleSpec:
        """Daily, at the first time of day of the usual schedule."""
        return DailySpec(times=(self.spec.times[0],))

    @classmethod
    def build(
        cls,
        *,
        schedule: str,
        quiet_hours: str,
        timezone: str,
        anchor: date | None,
        seed: str,
        jitter_minutes: int,
        tight_until: datetime | None = None,
    ) -> Rhythm:
        return cls(
            spec=_spec(schedule),
            tz=ZoneInfo(timezone),
            quiet=_quiet(quiet_hours),
            anchor=anchor,
            seed=seed,
            jitter_minutes=jitter_minutes,
            tight_until=tight_until,
        )

    def spec_at(self, moment: datetime) -> ScheduleSpec:
        """The schedule in force at `moment`: the tighter daily one during a follow-up phase."""
        if self.tight_until is not None and moment < self.tight_until:
            return self.tight_spec
        return self.spec


@dataclass(frozen=True)
class RhythmChoice:
    """Which schedule and quiet hours apply to a person, and where the schedule comes from."""

    schedule: str
    quiet_hours: str
    # person (/frequency) / coordinator (/schedule) / team (team default) / default (settings)
    source: str


def choose_rhythm(
    *,
    person_schedule: str | None,
    person_source: str | None,
    person_quiet: str | None,
    team_schedule: str | None,
    team_quiet: str | None,
    default_schedule: str,
    default_quiet: str,
) -> RhythmChoice:
    """The person's own settings, else their team's, else the configured defaults."""
    if person_schedule:
        schedule, source = person_schedule, person_source or "coordinator"
    elif team_schedule:
        schedule, source = team_schedule, "team"
    else:
        schedule, source = default_schedule, "default"
    return RhythmChoice(schedule, person_quiet or team_quiet or default_quiet, source)


@dataclass(frozen=True)
class Plan:
    slot: datetime  # nominal slot (identity of the check-in)
    send_at: datetime  # when to send it (slot ± jitter, never in quiet hours)


@dataclass(frozen=True)
class DueDecision:
    send_slot: datetime | None  # the slot to send now, or None (its day has passed)
    next_plan: Plan


def _slot_after(rhythm: Rhythm, after: datetime) -> datetime:
    """The next nominal slot (no jitter): the usual rhythm, or the tight phase's if sooner."""
    slot = next_slot(rhythm.spec, after, rhythm.tz, rhythm.anchor, rhythm.quiet)
    if rhythm.tight_until is not None and after < rhythm.tight_until:
        tight = next_slot(rhythm.tight_spec, after, rhythm.tz, rhythm.anchor, rhythm.quiet)
        # The tight phase ends by itself: its slots count only before tight_until.
        if tight < rhythm.tight_until:
            slot = min(slot, tight)
    return slot


def _jittered_plan(rhythm: Rhythm, slot: datetime) -> Plan:
    send_at = jittered(slot, rhythm.seed, rhythm.jitter_minutes, rhythm.quiet, rhythm.tz)
    return Plan(slot=slot, send_at=send_at)


def plan_after(rhythm: Rhythm, after: datetime) -> Plan:
    return _jittered_plan(rhythm, _slot_after(rhythm, after))


def _due_slots(
    rhythm: Rhythm, planned_slot: datetime, now: datetime
) -> tuple[datetime | None, datetime]:
    """The calendar part of `decide_due`: (slot to send or None, next nominal slot)."""
    if now < planned_slot:
        # Jitter moved the send a few minutes before the nominal slot.
        send: datetime | None = planned_slot
    else:
        spec = rhythm.spec_at(planned_slot)
        send = catch_up_slot(spec, planned_slot, now, rhythm.tz, rhythm.quiet, rhythm.anchor)
    return send, _slot_after(rhythm, max(now, planned_slot))


def decide_due(rhythm: Rhythm, planned_slot: datetime, now: datetime) -> DueDecision:
    """The planned send time has come: one check-in at most, never a backlog."""
    send, slot = _due_slots(rhythm, planned_slot, now)
    return DueDecision(send_slot=send, next_plan=_jittered_plan(rhythm, slot))


class DueDecider:
    """`decide_due` for many people at one `now`, with the calendar maths done once per group.

    People who share a schedule, quiet hours, zone, phase and planned slot (typically a whole
    team due at 10:00) get the same slots; only the jitter, seeded per person, differs. The
    results are exactly those of `decide_due`.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._slots: dict[tuple[object, ...], tuple[datetime | None, datetime]] = {}

    def decide(self, rhythm: Rhythm, planned_slot: datetime) -> DueDecision:
        key = _group_key(rhythm, planned_slot)
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = _due_slots(rhythm, planned_slot, self.now)
        send, slot = slots
        return DueDecision(send_slot=send, next_plan=_jittered_plan(rhythm, slot))


def _group_key(rhythm: Rhythm, planned_slot: datetime) -> tuple[object, ...]:
    """Everything `_due_slots` reads from the rhythm (`now` is the decider's own)."""
    # Only every-N-days schedules count from the anchor (the tight phase is daily).
    anchor = rhythm.anchor if isinstance(rhythm.spec, EveryNDaysSpec) else None
    # The phase is read at the planned slot and at max(now, planned slot), never before the
    # planned slot: a phase that ended by then is no phase at all.
    tight = rhythm.tight_until
    if tight is not None and tight <= planned_slot:
        tight = None
    return (rhythm.spec, rhythm.quiet, rhythm.tz, anchor, tight, planned_slot)


def in_quiet_hours(rhythm: Rhythm, now: datetime) -> bool:
    return rhythm.quiet.contains(now.astimezone(rhythm.tz).time())


def choose_variant(person_id: int, sequence: int, variants: int) -> int:
    """Walk the variants in a per-person order so consecutive check-ins never repeat."""
    return (person_id * 3 + sequence) % variants


def upcoming_sends(rhythm: Rhythm, after: datetime, count: int = 5) -> list[Plan]:
    """The next `count` check-ins as they would be planned (for /schedule)."""
    plans: list[Plan] = []
    moment = after
    for _ in range(count):
        plan = plan_after(rhythm, moment)
        plans.append(plan)
        moment = plan.slot
    return plans


# The person's own choice of frequency (/frequency): code -> the days part of a spec.
FREQUENCIES: dict[str, str] = {
    "daily": "毎日",
    "twice_weekly": "火金",
    "weekly": "水",
    "twice_monthly": "毎月1日と15日",
}


def frequency_spec(code: str, current: ScheduleSpec) -> str:
    """A schedule for the chosen frequency, keeping the person's usual time of day."""
    first = current.times[0]
    return f"{FREQUENCIES[code]} {first:%H:%M}"


def choose_ack(person_id: int, sequence: int, variants: int) -> int:
    return (person_id * 5 + sequence) % variants
