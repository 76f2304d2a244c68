"""Schedule specs: the text a coordinator types (「火金 10:00」) parsed into frozen values.

Pure module: no Telegram, no SQLAlchemy, no clock. Text is NFKC-normalised and lower-cased
first, so full-width digits and colons (「１０：００」) work. Accepted forms:

* weekly — ``火金 10:00``, ``火・金 10:00``, ``火曜と金曜 10時``, ``tue,fri 10:00``,
  ``tue fri 10:00``, ``月〜金 9:00``, ``mon-fri 9:00``, ``平日 9:00``, ``毎週火曜 10時``
* daily — ``毎日 9:30``, ``daily 9:30``, ``every day 9:30``
* every N days — ``3日ごと 15:00``, ``3日毎 15:00``, ``every 3 days 15:00``, ``隔日 10時``
  (= every 2 days). The count runs from an anchor local date supplied at evaluation time
  (see ``EveryNDaysSpec.matches``). 「N日おき」 is rejected: it is ambiguous in Japanese.
* monthly — ``毎月1日と15日 10:00``, ``monthly 1,15 10:00``, ``毎月末日 10時`` (= day 31).
  Days 29–31 fall on the month's last day in shorter months, once.

Times: ``10:00``, ``9:30``, ``10時``, ``10時半``, ``10時15分``, ``午後3時``, ``3pm``, ``正午``;
several times separated by ``,`` or ``と`` (at most ``MAX_TIMES_PER_DAY``).

``parse_schedule`` raises ``ScheduleSpecError`` whose ``code`` is one of ``ERROR_CODES``
(the bot maps codes to Japanese messages); ``str(error)`` is an English operator message
with a valid example. Errors echo at most the offending token, never the whole input.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from typing import Any, ClassVar

__all__ = [
    "BAD_DAY",
    "BAD_INTERVAL",
    "BAD_MONTH_DAY",
    "BAD_TIME",
    "EMPTY",
    "ERROR_CODES",
    "MAX_INPUT_CHARS",
    "MAX_INTERVAL_DAYS",
    "MAX_TIMES_PER_DAY",
    "MIXED_KINDS",
    "NO_DAY",
    "NO_TIME",
    "TOO_LONG",
    "TOO_MANY_TIMES",
    "UNKNOWN_WORD",
    "DailySpec",
    "EveryNDaysSpec",
    "MonthlySpec",
    "ScheduleSpec",
    "ScheduleSpecError",
    "WeeklySpec",
    "format_time",
    "normalise_text",
    "parse_schedule",
    "parse_time_token",
]

# --- error codes (stable strings: the bot maps them to Japanese messages) -------------------
EMPTY = "empty"  # nothing typed
TOO_LONG = "too_long"  # input longer than MAX_INPUT_CHARS
NO_TIME = "no_time"  # days given but no time of day
BAD_TIME = "bad_time"  # a time that is not a valid HH:MM (25:00, 10:75, bare number ...)
TOO_MANY_TIMES = "too_many_times"  # more than MAX_TIMES_PER_DAY times
NO_DAY = "no_day"  # a time but no days / frequency
BAD_DAY = "bad_day"  # a malformed weekday range such as 「月〜」
BAD_INTERVAL = "bad_interval"  # every-N-days with N outside 1..MAX_INTERVAL_DAYS
BAD_MONTH_DAY = "bad_month_day"  # monthly without days, or a day outside 1..31
MIXED_KINDS = "mixed_kinds"  # e.g. 「毎日 火曜 10時」: two kinds of frequency at once
UNKNOWN_WORD = "unknown_word"  # a word the parser does not know

ERROR_CODES: frozenset[str] = frozenset(
    {
        EMPTY,
        TOO_LONG,
        NO_TIME,
        BAD_TIME,
        TOO_MANY_TIMES,
        NO_DAY,
        BAD_DAY,
        BAD_INTERVAL,
        BAD_MONTH_DAY,
        MIXED_KINDS,
        UNKNOWN_WORD,
    }
)

# why 200: the longest canonical text (31 month days, 6 times) is ~155 characters
MAX_INPUT_CHARS = 200
# Check-ins are meant to be low pressure; more than a few a day would be nagging.
MAX_TIMES_PER_DAY = 6
MAX_INTERVAL_DAYS = 365
_MAX_TOKEN_ECHO = 16

_EXAMPLES: dict[str, str] = {
    NO_TIME: "'火金 10:00' or 'tue,fri 10:00'",
    BAD_TIME: "'毎日 9:30', '毎日 10時半' or 'daily 21:00'",
    TOO_MANY_TIMES: "'毎日 9:00,18:00'",
    NO_DAY: "'毎日 9:30', '火金 10:00' or 'every 3 days 15:00'",
    BAD_DAY: "'月〜金 9:00' or 'mon-fri 9:00'",
    BAD_INTERVAL: "'3日ごと 15:00' or 'every 3 days 15:00'",
    BAD_MONTH_DAY: "'毎月1日と15日 10:00' or 'monthly 1,15 10:00'",
}
_DEFAULT_EXAMPLE = (
    "'火金 10:00', '毎日 9:30', '3日ごと 15:00' or '毎月1日と15日 10:00'"
    " (ASCII: 'tue,fri 10:00', 'daily 9:30', 'every 3 days 15:00', 'monthly 1,15 10:00')"
)

_WEEKDAY_CHARS = "月火水木金土日"  # index = date.weekday()
_EN_WEEKDAYS: tuple[tuple[str, int], ...] = (
    ("mon", 0),
    ("tue", 1),
    ("wed", 2),
    ("thu", 3),
    ("fri", 4),
    ("sat", 5),
    ("sun", 6),
)


def _echo(token: str) -> str:
    """Cut a token for error messages: operators see what went wrong, not the whole input."""
    token = token.strip()
    return token if len(token) <= _MAX_TOKEN_ECHO else token[:_MAX_TOKEN_ECHO] + "…"


class ScheduleSpecError(ValueError):
    """A schedule text that could not be parsed (or an invalid spec value).

    ``code`` is one of ``ERROR_CODES``; ``detail_en`` an English sentence for operators;
    ``token`` the offending fragment (already shortened) or ``None``.
    """

    def __init__(self, code: str, detail_en: str, token: str | None = None) -> None:
        if code not in ERROR_CODES:  # why: the bot's code->message table must stay complete
            raise ValueError(f"unknown schedule error code {code!r}")
        self.code = code
        self.detail_en = detail_en
        self.token = None if token is None else _echo(token)
        super().__init__(code, detail_en)

    def __str__(self) -> str:
        example = _EXAMPLES.get(self.code, _DEFAULT_EXAMPLE)
        at = f" (at {self.token!r})" if self.token else ""
        return f"invalid schedule ({self.code}): {self.detail_en}{at}; for example {example}"


def normalise_text(text: str) -> str:
    """NFKC + lower case + single spaces: 「１０：００」 -> ``10:00``, ``ＴＵＥ`` -> ``tue``."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(text.split())


def format_time(t: time) -> str:
    """``HH:MM``, zero padded: the canonical way times are written."""
    return f"{t.hour:02d}:{t.minute:02d}"


def _normalise_times(times: Iterable[time]) -> tuple[time, ...]:
    out: set[time] = set()
    for t in times:
        if not isinstance(t, time) or t.tzinfo is not None:
            raise ScheduleSpecError(BAD_TIME, "times must be naive datetime.time values")
        if t.second or t.microsecond:
            raise ScheduleSpecError(BAD_TIME, "times have minute resolution", format_time(t))
        out.add(t.replace(fold=0))
    if not out:
        raise ScheduleSpecError(NO_TIME, "a schedule needs at least one time of day")
    if len(out) > MAX_TIMES_PER_DAY:
        raise ScheduleSpecError(
            TOO_MANY_TIMES, f"at most {MAX_TIMES_PER_DAY} times a day are allowed"
        )
    return tuple(sorted(out))


def _times_text(times: tuple[time, ...]) -> str:
    return ",".join(format_time(t) for t in times)


@dataclass(frozen=True)
class ScheduleSpec:
    """Base of the four spec kinds. ``times`` are local wall-clock times, sorted, unique.

    Subclasses answer ``matches(day, anchor)``: is this local date a check-in day?
    """

    times: tuple[time, ...]

    kind: ClassVar[str] = ""

    def __post_init__(self) -> None:
        # why: normalise in the value itself so equality (and the round-trip test) is exact
        object.__setattr__(self, "times", _normalise_times(self.times))

    def matches(self, day: date, anchor: date | None = None) -> bool:
        raise NotImplementedError

    def canonical(self) -> str:
        """Normalised Japanese text; ``parse_schedule(s.canonical()) == s``."""
        raise NotImplementedError


@dataclass(frozen=True)
class WeeklySpec(ScheduleSpec):
    """On the given weekdays (0 = Monday … 6 = Sunday, as ``date.weekday()``)."""

    weekdays: tuple[int, ...]

    kind: ClassVar[str] = "weekly"

    def __post_init__(self) -> None:
        super().__post_init__()
        days = set(self.weekdays)
        if not days:
            raise ScheduleSpecError(NO_DAY, "a weekly schedule needs at least one weekday")
        if not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
            raise ScheduleSpecError(BAD_DAY, "weekdays are 0 (Monday) .. 6 (Sunday)")
        object.__setattr__(self, "weekdays", tuple(sorted(days)))

    def matches(self, day: date, anchor: date | None = None) -> bool:
        return day.weekday() in self.weekdays

    def canonical(self) -> str:
        days = "".join(_WEEKDAY_CHARS[d] for d in self.weekdays)
        return f"{days} {_times_text(self.times)}"


@dataclass(frozen=True)
class DailySpec(ScheduleSpec):
    """Every day."""

    kind: ClassVar[str] = "daily"

    def matches(self, day: date, anchor: date | None = None) -> bool:
        return True

    def canonical(self) -> str:
        return f"毎日 {_times_text(self.times)}"


@dataclass(frozen=True)
class EveryNDaysSpec(ScheduleSpec):
    """Every ``interval`` days, counted from an anchor local date (e.g. the consent date).

    The anchor is not part of the spec (it is per person), so it is passed to ``matches``.
    The rhythm extends both ways from the anchor: days before it match too.
    """

    interval: int

    kind: ClassVar[str] = "every_n_days"

    def __post_init__(self) -> None:
        super().__post_init__()
        n = self.interval
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_INTERVAL_DAYS:
            raise ScheduleSpecError(
                BAD_INTERVAL, f"the interval must be 1..{MAX_INTERVAL_DAYS} days", str(n)
            )

    def matches(self, day: date, anchor: date | None = None) -> bool:
        if anchor is None:
            raise ValueError("an every-N-days schedule needs an anchor date")
        return (day - anchor).days % self.interval == 0

    def canonical(self) -> str:
        return f"{self.interval}日ごと {_times_text(self.times)}"


@dataclass(frozen=True)
class MonthlySpec(ScheduleSpec):
    """On the given days of the month (1..31). A day past the month's end (29–31 in short
    months) falls on the month's last day; several such days still give one check-in."""

    days: tuple[int, ...]

    kind: ClassVar[str] = "monthly"

    def __post_init__(self) -> None:
        super().__post_init__()
        days = set(self.days)
        if not days:
            raise ScheduleSpecError(BAD_MONTH_DAY, "a monthly schedule needs days of the month")
        bad = [d for d in days if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 31]
        if bad:
            raise ScheduleSpecError(BAD_MONTH_DAY, "days of the month are 1..31", str(bad[0]))
        object.__setattr__(self, "days", tuple(sorted(days)))

    def matches(self, day: date, anchor: date | None = None) -> bool:
        if day.day in self.days:
            return True
        last = calendar.monthrange(day.year, day.month)[1]
        # why: "31日" in a 30-day month means "the last day"; checked on that day only
        return day.day == last and self.days[-1] > last

    def canonical(self) -> str:
        days = "と".join(f"{d}日" for d in self.days)
        return f"毎月{days} {_times_text(self.times)}"


# --- tokeniser ------------------------------------------------------------------------------

_TIME_RE = re.compile(
    r"(?P<pre>午前|午後|am(?![a-z])|pm(?![a-z]))?\s*"
    r"(?P<h>\d+)\s*"
    r"(?:"
    r":\s*(?P<m>\d+)"
    r"|時\s*(?:(?P<half>半)|(?P<m2>\d+)\s*分)?"
    r"|(?=\s*(?:am|pm|a\.m\.|p\.m\.)(?![a-z]))"
    r")"
    r"(?:\s*(?P<post>am|pm|a\.m\.|p\.m\.)(?![a-z]))?"
)

_EN_WEEKDAY_RE = (
    r"mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:r|rs|rsday)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
)

# Order matters: earlier patterns win at the same position (e.g. 毎日 before 日 = Sunday,
# 「3日ごと」 before 「3日」 = day of month, 'every 3 days' before bare 'every').
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("sep", r"[\s,、・/&+;]+"),
        ("dash", r"[-~〜–—ー]"),
        ("noon", r"正午|noon(?![a-z])"),
        ("time", _TIME_RE.pattern),
        ("oki", r"\d+\s*日\s*おき(?:に)?"),
        ("interval", r"(?P<n>\d+)\s*日\s*(?:ごと|毎)(?:に)?"),
        ("interval", r"every\s*(?P<n>\d+)\s*days?(?![a-z])"),
        ("every_other", r"隔日|every\s*other\s*day(?![a-z])"),
        ("daily", r"毎日|daily(?![a-z])|every\s*day(?![a-z])"),
        # 「毎月曜」 is "every Monday", not 毎月 + 曜: claim the 毎 before 毎月 can
        ("weekly", r"毎(?=[月火水木金土日]曜)"),
        ("monthly", r"毎月|monthly(?![a-z])|every\s*month(?![a-z])"),
        ("weekly", r"毎週|weekly(?![a-z])|every(?![a-z])"),
        ("monthday", r"(?P<d>\d+)\s*(?:日|st(?![a-z])|nd(?![a-z])|rd(?![a-z])|th(?![a-z]))"),
        ("lastday", r"末日|月末|last\s*day(?![a-z])|last(?![a-z])"),
        ("weekdays", r"平日|weekdays?(?![a-z])"),
        ("weekends", r"週末|weekends?(?![a-z])"),
        ("weekday", r"(?P<wd>[月火水木金土日])(?:曜日?)?"),
        ("weekday_en", rf"(?P<wde>{_EN_WEEKDAY_RE})(?![a-z])"),
        ("filler", r"(?:and|at|on|of|the|each|from)(?![a-z])|と|の|に|は|で|曜日?"),
        ("number", r"\d+"),
    )
)
_UNKNOWN_RE = re.compile(r"[a-z]+|[^\sa-z0-9,、・/&+;]{1,8}|.")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    value: Any = None


def _time_from_match(m: re.Match[str]) -> time:
    token = m.group(0)
    hour = int(m["h"])
    if m["m"] is not None:
        minute = int(m["m"])
        if len(m["m"]) != 2:  # why: '10:5' is more likely a typo for 10:50 than 10:05
            raise ScheduleSpecError(BAD_TIME, "minutes need two digits, as in 10:05", token)
    elif m["half"]:
        minute = 30
    elif m["m2"] is not None:
        minute = int(m["m2"])
    else:
        minute = 0
    pre, post = m["pre"], m["post"]
    if pre and post:
        raise ScheduleSpecError(BAD_TIME, "am/pm given twice", token)
    if pre in ("午前", "午後"):
        # 午後0時 = 12:00; 午後12時 is read both ways in practice, so it is refused.
        if not 0 <= hour <= 11:
            raise ScheduleSpecError(BAD_TIME, "午前/午後 need an hour 0..11", token)
        hour += 12 if pre == "午後" else 0
    elif pre or post:
        marker = (pre or post or "").replace(".", "")
        if not 1 <= hour <= 12:
            raise ScheduleSpecError(BAD_TIME, "am/pm need an hour 1..12", token)
        hour = hour % 12 + (12 if marker == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ScheduleSpecError(BAD_TIME, "a time must be 00:00..23:59", token)
    return time(hour, minute)


def parse_time_token(text: str) -> time:
    """Parse one time of day (``21:00``, 「21時」, 「９時半」, ``9pm``).

    Raises ``ScheduleSpecError`` (code ``bad_time``) for anything else.
    """
    norm = normalise_text(text)
    if norm in ("正午", "noon"):
        return time(12, 0)
    m = _TIME_RE.fullmatch(norm)
    if m is None:
        raise ScheduleSpecError(BAD_TIME, "not a time of day", norm)
    return _time_from_match(m)


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        for kind, pattern in _PATTERNS:
            m = pattern.match(text, pos)
            if m is None or m.end() == pos:
                continue
            token = m.group(0)
            if kind == "time":
                tokens.append(_Token("time", token, _time_from_match(m)))
            elif kind == "noon":
                tokens.append(_Token("time", token, time(12, 0)))
            elif kind == "oki":
                raise ScheduleSpecError(
                    UNKNOWN_WORD,
                    "「N日おき」 is ambiguous; write 「N日ごと」 (every N days)",
                    token,
                )
            elif kind == "interval":
                tokens.append(_Token("interval", token, int(m["n"])))
            elif kind == "every_other":
                tokens.append(_Token("interval", token, 2))
            elif kind == "monthday":
                tokens.append(_Token("monthday", token, int(m["d"])))
            elif kind == "lastday":
                tokens.append(_Token("monthday", token, 31))
            elif kind == "weekdays":
                tokens.append(_Token("weekday_set", token, (0, 1, 2, 3, 4)))
            elif kind == "weekends":
                tokens.append(_Token("weekday_set", token, (5, 6)))
            elif kind == "weekday":
                tokens.append(_Token("weekday", token, _WEEKDAY_CHARS.index(m["wd"])))
            elif kind == "weekday_en":
                value = next(i for prefix, i in _EN_WEEKDAYS if m["wde"].startswith(prefix))
                tokens.append(_Token("weekday", token, value))
            elif kind == "number":
                tokens.append(_Token("number", token, int(token)))
            elif kind in ("sep", "filler"):
                pass  # separators and particles carry no meaning here
            else:  # dash, daily, monthly, weekly: markers without a value
                tokens.append(_Token(kind, token))
            pos = m.end()
            break
        else:
            unknown = _UNKNOWN_RE.match(text, pos)
            word = unknown.group(0) if unknown else text[pos]
            raise ScheduleSpecError(UNKNOWN_WORD, "unknown word in schedule", word)
    return tokens


def _expand_ranges(tokens: list[_Token]) -> list[_Token]:
    """Turn weekday, dash, weekday (「月〜金」, ``mon-fri``) into one set; wraps (金〜月)."""
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind != "dash":
            out.append(tok)
            i += 1
            continue
        prev = out[-1] if out else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if prev is None or nxt is None or prev.kind != "weekday" or nxt.kind != "weekday":
            raise ScheduleSpecError(
                BAD_DAY, "a range needs a weekday on both sides, as in 月〜金", tok.text
            )
        start, end = int(prev.value), int(nxt.value)
        span = (end - start) % 7
        out[-1] = _Token(
            "weekday_set",
            prev.text + tok.text + nxt.text,
            tuple((start + k) % 7 for k in range(span + 1)),
        )
        i += 2
    return out


def parse_schedule(text: str) -> ScheduleSpec:
    """Parse a coordinator's schedule text; raises ``ScheduleSpecError`` with a stable code."""
    norm = normalise_text(text)
    if not norm:
        raise ScheduleSpecError(EMPTY, "the schedule is empty")
    if len(norm) > MAX_INPUT_CHARS:
        raise ScheduleSpecError(TOO_LONG, f"at most {MAX_INPUT_CHARS} characters")
    tokens = _expand_ranges(_tokenise(norm))

    times: list[time] = []
    weekdays: set[int] = set()
    monthdays: list[_Token] = []
    numbers: list[_Token] = []
    intervals: list[_Token] = []
    markers: set[str] = set()
    for tok in tokens:
        if tok.kind == "time":
            times.append(tok.value)
        elif tok.kind == "weekday":
            weekdays.add(tok.value)
        elif tok.kind == "weekday_set":
            weekdays.update(tok.value)
        elif tok.kind == "monthday":
            monthdays.append(tok)
        elif tok.kind == "number":
            numbers.append(tok)
        elif tok.kind == "interval":
            intervals.append(tok)
        else:
            markers.add(tok.kind)

    kinds: list[str] = []
    if "daily" in markers:
        kinds.append("daily")
    if intervals:
        kinds.append("every_n_days")
    if "monthly" in markers or monthdays:
        kinds.append("monthly")
    if weekdays:
        kinds.append("weekly")
    if len(kinds) > 1:
        raise ScheduleSpecError(MIXED_KINDS, f"cannot combine {' and '.join(kinds)} schedules")
    if "weekly" in markers and kinds not in ([], ["weekly"]):
        raise ScheduleSpecError(MIXED_KINDS, f"'every'/毎週 cannot be combined with {kinds[0]}")
    kind = kinds[0] if kinds else None

    if numbers and kind != "monthly":
        raise ScheduleSpecError(
            BAD_TIME, "a bare number is not a time; write 10:00 or 10時", numbers[0].text
        )
    if kind is None:
        raise ScheduleSpecError(
            NO_DAY, "say which days: weekdays, 毎日/daily, N日ごと or 毎月 with days"
        )
    if not times:
        raise ScheduleSpecError(NO_TIME, "add a time of day such as 10:00 or 10時")
    if len(set(times)) > MAX_TIMES_PER_DAY:
        raise ScheduleSpecError(
            TOO_MANY_TIMES, f"at most {MAX_TIMES_PER_DAY} times a day are allowed"
        )

    if kind == "daily":
        return DailySpec(times=tuple(times))
    if kind == "weekly":
        return WeeklySpec(times=tuple(times), weekdays=tuple(weekdays))
    if kind == "every_n_days":
        if len(intervals) > 1:
            raise ScheduleSpecError(BAD_INTERVAL, "give one interval only", intervals[1].text)
        n = int(intervals[0].value)
        if not 1 <= n <= MAX_INTERVAL_DAYS:
            raise ScheduleSpecError(
                BAD_INTERVAL,
                f"the interval must be 1..{MAX_INTERVAL_DAYS} days",
                intervals[0].text,
            )
        return EveryNDaysSpec(times=tuple(times), interval=n)
    # monthly
    days: list[int] = []
    for tok in [*monthdays, *numbers]:
        d = int(tok.value)
        if not 1 <= d <= 31:
            raise ScheduleSpecError(BAD_MONTH_DAY, "days of the month are 1..31", tok.text)
        days.append(d)
    if not days:
        raise ScheduleSpecError(BAD_MONTH_DAY, "say which days of the month, as in 毎月1日と15日")
    return MonthlySpec(times=tuple(times), days=tuple(days))
