"""Timing: quiet hours, next-due slots, catch-up after downtime and deterministic jitter.

Pure module: no Telegram, no SQLAlchemy, and no clock — every function takes the instants
it needs. Instants in and out are timezone-aware; results are always in UTC. Calendar maths
happens in the person's time zone (a ``zoneinfo.ZoneInfo``).

Vocabulary
    slot       the nominal instant of a check-in (its identity: ``checkin`` is unique on
               (person, slot)). Produced by ``next_slot`` / ``nominal_slots_after``.
    send time  the slot moved by a small deterministic jitter (``jittered``), so that not
               everyone is messaged at exactly 10:00. Stored in ``person.next_checkin_at``.

Wall clock -> instant (DST)
    A local date + time is resolved with ``fold=0``: a time that does not exist (spring
    forward gap, e.g. 02:30 in Berlin on the last Sunday of March) is shifted forward by the
    gap (-> 03:30), and an ambiguous time (fall back) means its first occurrence. Each
    nominal time thus gives exactly one instant; slots landing on the same instant merge.

Quiet-hours policy
    A slot whose actual local time falls inside quiet hours is *deferred* to the end of that
    quiet period ("skip into the morning"): 22:00 with quiet hours 21:00–08:00 becomes 08:00
    the next morning, 06:30 becomes 08:00 the same morning. Being deferred rather than
    dropped, nobody silently loses a check-in because a coordinator picked a late hour. The
    deferred instant is the slot (identity); a deferred slot that meets another slot at the
    same instant merges with it. ``QuietHours(t, t)`` (start == end) means "no quiet hours";
    ``parse_quiet_hours`` refuses ``"21:00-21:00"`` as a probable typo and takes 「なし」/
    ``none`` instead. Quiet hours last at most ``MAX_QUIET_HOURS`` hours.

Sweep recipe (for the caller)
    planned = next_slot(spec, after, tz, anchor, quiet); send_at = jittered(planned, seed, ...)
    When ``now >= send_at``: if ``now < planned`` (jitter moved the send earlier) send
    ``planned``; otherwise send ``catch_up_slot(spec, planned, now, tz, quiet, anchor)`` if
    it is not ``None`` (at most one check-in after downtime, never a backlog). Then plan the
    next one with ``next_slot(spec, max(now, planned), ...)``.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from schedules.spec import (
    DailySpec,
    EveryNDaysSpec,
    MonthlySpec,
    ScheduleSpec,
    ScheduleSpecError,
    WeeklySpec,
    format_time,
    normalise_text,
    parse_time_token,
)

__all__ = [
    "MAX_QUIET_HOURS",
    "QH_BAD_FORMAT",
    "QH_BAD_TIME",
    "QH_EMPTY",
    "QH_EMPTY_RANGE",
    "QH_ERROR_CODES",
    "QH_TOO_LONG",
    "QuietHours",
    "QuietHoursError",
    "catch_up_slot",
    "day_window_end",
    "jittered",
    "latest_slot_at_or_before",
    "next_slot",
    "nominal_slots_after",
    "parse_quiet_hours",
    "upcoming",
]

# --- quiet hours ----------------------------------------------------------------------------

QH_EMPTY = "empty"  # nothing typed
QH_BAD_FORMAT = "bad_format"  # not "start-end"
QH_BAD_TIME = "bad_time"  # one side is not a time of day
QH_EMPTY_RANGE = "empty_range"  # start == end typed (use なし/none to switch off)
QH_TOO_LONG = "too_long"  # longer than MAX_QUIET_HOURS
QH_ERROR_CODES: frozenset[str] = frozenset(
    {QH_EMPTY, QH_BAD_FORMAT, QH_BAD_TIME, QH_EMPTY_RANGE, QH_TOO_LONG}
)

# why: a quiet period this long still leaves >= 4 waking hours, so DST shifts of a boundary
# can never push a deferred slot into the next quiet period.
MAX_QUIET_HOURS = 20
_QH_EXAMPLE = "'21:00-08:00', '21時〜8時' or 'なし' / 'none' for no quiet hours"
_QH_OFF_WORDS = frozenset({"なし", "無し", "none", "off", "no"})
_QH_RE = re.compile(r"(?P<a>.+?)\s*(?:-|~|〜|–|—|ー|から|to(?![a-z]))\s*(?P<b>.+?)\s*(?:まで)?")


class QuietHoursError(ValueError):
    """Quiet-hours text that could not be parsed; ``code`` is one of ``QH_ERROR_CODES``."""

    def __init__(self, code: str, detail_en: str, token: str | None = None) -> None:
        if code not in QH_ERROR_CODES:
            raise ValueError(f"unknown quiet-hours error code {code!r}")
        self.code = code
        self.detail_en = detail_en
        self.token = None if token is None else token.strip()[:16]
        super().__init__(code, detail_en)

    def __str__(self) -> str:
        at = f" (at {self.token!r})" if self.token else ""
        return f"invalid quiet hours ({self.code}): {self.detail_en}{at}; for example {_QH_EXAMPLE}"


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class QuietHours:
    """Local wall-clock interval ``[start, end)`` during which nothing is sent.

    Wraps midnight when ``start > end`` (21:00–08:00). ``start == end`` means no quiet hours.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        for t in (self.start, self.end):
            if not isinstance(t, time) or t.tzinfo is not None:
                raise ValueError("quiet hours use naive datetime.time values")
        if (_minutes(self.end) - _minutes(self.start)) % (24 * 60) > MAX_QUIET_HOURS * 60:
            raise QuietHoursError(QH_TOO_LONG, f"quiet hours last at most {MAX_QUIET_HOURS} h")

    @classmethod
    def disabled(cls) -> QuietHours:
        """The "no quiet hours" value."""
        return cls(time(0, 0), time(0, 0))

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def contains(self, local_time: time) -> bool:
        """Is this local wall-clock time inside quiet hours? (start inclusive, end exclusive)"""
        t = local_time.replace(tzinfo=None, fold=0)
        if self.start < self.end:
            return self.start <= t < self.end
        if self.start > self.end:
            return t >= self.start or t < self.end
        return False

    def end_after(self, local_dt: datetime) -> datetime:
        """The earliest moment at or after ``local_dt`` that is outside quiet hours.

        ``local_dt`` itself when it is not quiet; otherwise the end of its quiet period.
        Aware datetimes are handled as instants (DST safe) and returned in their zone;
        naive ones are treated as plain wall-clock values.
        """
        tz = local_dt.tzinfo
        local = local_dt.astimezone(tz) if tz is not None else local_dt
        if not self.contains(local.time()):
            return local_dt
        found = self._boundary_after(local, self.end, want_quiet=False)
        return found.astimezone(tz) if tz is not None else found

    def start_after(self, local_dt: datetime) -> datetime | None:
        """When the next quiet period begins, strictly after ``local_dt`` (None if disabled)."""
        if not self.enabled:
            return None
        tz = local_dt.tzinfo
        local = local_dt.astimezone(tz) if tz is not None else local_dt
        found = self._boundary_after(local, self.start, want_quiet=True)
        return found.astimezone(tz) if tz is not None else found

    def _boundary_after(self, local: datetime, wall: time, *, want_quiet: bool) -> datetime:
        # Try the boundary wall time on the next few days with both folds and keep the first
        # instant after `local` on the right side of the boundary (DST gaps can shift it).
        tz = local.tzinfo
        ref = local.astimezone(UTC) if tz is not None else local
        best: datetime | None = None
        for k in range(3):
            for fold in (0, 1):
                cand = _wall_instant(local.date() + timedelta(days=k), wall, tz, fold)
                if cand <= ref or (best is not None and cand >= best):
                    continue
                if self.contains(_local_time(cand, tz)) == want_quiet:
                    best = cand
        if best is None:  # pragma: no cover - impossible with MAX_QUIET_HOURS < 24
            raise AssertionError("no quiet-hours boundary within two days")
        return best

    def canonical(self) -> str:
        """``HH:MM-HH:MM`` or 「なし」; parses back to an equal value."""
        if not self.enabled:
            return "なし"
        return f"{format_time(self.start)}-{format_time(self.end)}"


def parse_quiet_hours(text: str) -> QuietHours:
    """Parse ``21:00-08:00``, 「21時〜8時」, 「午後9時から午前8時まで」 or 「なし」/``none``."""
    norm = normalise_text(text)
    if not norm:
        raise QuietHoursError(QH_EMPTY, "quiet hours are empty")
    if norm in _QH_OFF_WORDS:
        return QuietHours.disabled()
    m = _QH_RE.fullmatch(norm)
    if m is None:
        raise QuietHoursError(QH_BAD_FORMAT, "write quiet hours as start-end", norm[:16])
    bounds: list[time] = []
    for side in (m["a"], m["b"]):
        try:
            bounds.append(parse_time_token(side))
        except ScheduleSpecError:
            raise QuietHoursError(QH_BAD_TIME, "not a time of day", side) from None
    start, end = bounds
    if start == end:
        raise QuietHoursError(
            QH_EMPTY_RANGE, "start equals end; write 'なし' or 'none' for no quiet hours"
        )
    if start.second or end.second:  # pragma: no cover - the parser yields whole minutes
        raise QuietHoursError(QH_BAD_TIME, "minute resolution only")
    return QuietHours(start, end)


# --- wall clock helpers ---------------------------------------------------------------------


def _wall_instant(day: date, wall: time, tz: tzinfo | None, fold: int = 0) -> datetime:
    """Local date + wall time -> UTC instant (naive stays naive, for wall-clock arithmetic)."""
    if tz is None:
        return datetime.combine(day, wall)
    return datetime.combine(day, wall, tzinfo=tz).replace(fold=fold).astimezone(UTC)


def _local_time(instant: datetime, tz: tzinfo | None) -> time:
    return instant.astimezone(tz).time() if tz is not None else instant.time()


def _utc(dt: datetime, name: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return dt.astimezone(UTC)


def _active(quiet: QuietHours | None) -> QuietHours | None:
    return quiet if quiet is not None and quiet.enabled else None


def _defer(instant: datetime, tz: tzinfo, quiet: QuietHours | None) -> datetime:
    """Apply the quiet-hours policy: move a quiet instant to the end of its quiet period."""
    if quiet is None:
        return instant
    return quiet.end_after(instant.astimezone(tz)).astimezone(UTC)


def _check_anchor(spec: ScheduleSpec, anchor: date | None) -> None:
    if isinstance(spec, EveryNDaysSpec) and anchor is None:
        raise ValueError("an every-N-days schedule needs an anchor date")


# Every zone's UTC offset lies within -12h..+14h, so no slot of local date D can be earlier
# than D 00:00 read as UTC minus 14 h: used to emit slots in order without sorting forever.
_MAX_OFFSET = timedelta(hours=14)


def nominal_slots_after(
    spec: ScheduleSpec,
    after_utc: datetime,
    tz: tzinfo,
    anchor: date | None = None,
    quiet: QuietHours | None = None,
) -> Iterator[datetime]:
    """Endless, strictly increasing UTC slots strictly after ``after_utc``.

    Slots are nominal (not jittered) and never inside ``quiet`` hours (deferred, see the
    module docstring). ``anchor`` (a local date) is required for every-N-days specs.
    """
    _check_anchor(spec, anchor)
    last = _utc(after_utc, "after_utc")
    quiet = _active(quiet)
    # why two days back: a slot from the previous evening may be deferred past `after_utc`.
    day = last.astimezone(tz).date() - timedelta(days=2)
    pending: list[datetime] = []
    while True:
        if spec.matches(day, anchor):
            for wall in spec.times:
                heapq.heappush(pending, _defer(_wall_instant(day, wall, tz), tz, quiet))
        day += timedelta(days=1)
        floor = datetime.combine(day, time(0), tzinfo=UTC) - _MAX_OFFSET
        while pending and pending[0] < floor:
            slot = heapq.heappop(pending)
            if slot > last:  # also merges equal instants (DST gap, quiet deferral)
                last = slot
                yield slot


def next_slot(
    spec: ScheduleSpec,
    after_utc: datetime,
    tz: tzinfo,
    anchor: date | None = None,
    quiet: QuietHours | None = None,
) -> datetime:
    """The first nominal slot strictly after ``after_utc`` (UTC, outside quiet hours)."""
    return next(nominal_slots_after(spec, after_utc, tz, anchor, quiet))


def upcoming(
    spec: ScheduleSpec,
    after_utc: datetime,
    tz: tzinfo,
    anchor: date | None = None,
    quiet: QuietHours | None = None,
    n: int = 5,
) -> list[datetime]:
    """The next ``n`` nominal slots after ``after_utc``, for showing a schedule to people."""
    return list(itertools.islice(nominal_slots_after(spec, after_utc, tz, anchor, quiet), n))


def _max_gap(spec: ScheduleSpec) -> timedelta:
    """An upper bound on the time between two consecutive slots of ``spec``."""
    if isinstance(spec, DailySpec):
        days = 1
    elif isinstance(spec, WeeklySpec):
        days = 7
    elif isinstance(spec, EveryNDaysSpec):
        days = spec.interval
    elif isinstance(spec, MonthlySpec):
        days = 31
    else:  # pragma: no cover - all kinds are listed above
        raise TypeError(f"unknown spec type {type(spec).__name__}")
    # why the margin: DST shifts and quiet-hours deferral move slots by < 2 days
    return timedelta(days=days + 3)


def latest_slot_at_or_before(
    spec: ScheduleSpec,
    at_utc: datetime,
    tz: tzinfo,
    anchor: date | None = None,
    quiet: QuietHours | None = None,
) -> datetime:
    """The last nominal slot ``<= at_utc`` (same slot sequence as ``nominal_slots_after``)."""
    at = _utc(at_utc, "at_utc")
    latest: datetime | None = None
    for slot in nominal_slots_after(spec, at - _max_gap(spec), tz, anchor, quiet):
        if slot > at:
            break
        latest = slot
    if latest is None:  # pragma: no cover - _max_gap guarantees a slot in the window
        raise AssertionError("no slot found in the look-back window")
    return latest


def day_window_end(slot_utc: datetime, tz: tzinfo, quiet: QuietHours | None = None) -> datetime:
    """End of a slot's "day window" (UTC): the next local midnight or the next start of
    quiet hours, whichever comes first. A missed slot may be caught up only before it."""
    slot = _utc(slot_utc, "slot_utc")
    local = slot.astimezone(tz)
    end = _wall_instant(local.date() + timedelta(days=1), time(0), tz)
    quiet = _active(quiet)
    if quiet is not None:
        start = quiet.start_after(local)
        if start is not None:
            end = min(end, start.astimezone(UTC))
    return end


def catch_up_slot(
    spec: ScheduleSpec,
    last_planned_utc: datetime,
    now_utc: datetime,
    tz: tzinfo,
    quiet: QuietHours | None = None,
    anchor: date | None = None,
) -> datetime | None:
    """The one slot to send now, after the planned slot's time has passed (e.g. downtime).

    ``last_planned_utc`` is the nominal slot that was planned and not yet sent. Returns the
    latest slot ``s`` with ``last_planned_utc <= s <= now_utc`` if ``now_utc`` is still inside
    its day window (same local day, before quiet hours begin), else ``None``: after downtime
    a person gets at most one check-in, never a backlog, and never a stale one at night.
    """
    planned = _utc(last_planned_utc, "last_planned_utc")
    now = _utc(now_utc, "now_utc")
    if now < planned:
        return None
    slot = latest_slot_at_or_before(spec, now, tz, anchor, quiet)
    if slot < planned or now >= day_window_end(slot, tz, quiet):
        return None
    # why: a DST fall-back can repeat a quiet wall-clock hour without crossing quiet.start
    if quiet is not None and quiet.enabled and quiet.contains(now.astimezone(tz).time()):
        return None
    return slot


# --- jitter ---------------------------------------------------------------------------------


def jittered(
    slot_utc: datetime,
    seed: str,
    max_minutes: int = 10,
    quiet: QuietHours | None = None,
    tz: tzinfo | None = None,
) -> datetime:
    """Send time for a slot: the slot moved by a deterministic offset in ±``max_minutes``.

    The offset (whole seconds) comes from blake2b over (seed, slot), so a restart or another
    instance computes the same send time; use a stable per-person seed (e.g. the person id).
    If the moved time would fall inside quiet hours the offset is mirrored to the other side
    of the slot, and if that is quiet too the slot itself is used: the result is never
    inside quiet hours when the slot is not (a quiet slot is first deferred to the end).
    """
    slot = _utc(slot_utc, "slot_utc")
    if max_minutes < 0:
        raise ValueError("max_minutes must be >= 0")
    quiet = _active(quiet)
    if quiet is not None and tz is None:
        raise ValueError("tz is needed to keep the send time out of quiet hours")
    span = max_minutes * 60
    digest = hashlib.blake2b(
        f"{seed}\x1f{slot.isoformat()}".encode(), digest_size=8, person=b"bansou-jitter"
    ).digest()
    offset = timedelta(seconds=int.from_bytes(digest, "big") % (2 * span + 1) - span)
    if quiet is None or tz is None:
        return slot + offset
    for candidate in (slot + offset, slot - offset, slot):
        if not quiet.contains(candidate.astimezone(tz).time()):
            return candidate
    return _defer(slot, tz, quiet)
