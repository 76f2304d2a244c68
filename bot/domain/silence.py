"""Silence: the もどし signal that has no words (pure; `now` passed in).

Silence is judged against the person's own rhythm, learned from their check-in history: for
someone who usually answers, one missed check-in is unusual and earns one gentle follow-up
(never a reminder to answer); for someone who rarely answers, the thresholds stretch. A long
enough silence becomes a P3 item for the team, rising to P2 at twice the threshold. Paused
and stopped people are never silent (the caller only asks about active people).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

# Priors for someone with little history: answers about two in three, within six hours.
PRIOR_ANSWERED = 2.0
PRIOR_SENT = 3.0
DEFAULT_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class SilencePolicy:
    missed_checkins: int = 3  # this many missed check-ins in a row ...
    quiet_days: float = 7.0  # ... or this many days without any contact, whichever first
    # A missed check-in is "unusual" (worth one follow-up) for people answering this often.
    usual_reply_rate: float = 0.5


@dataclass(frozen=True)
class SentCheckin:
    sent_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class Rhythm:
    reply_rate: float  # smoothed share of check-ins answered
    typical_delay: timedelta  # median time to answer

    @property
    def scale(self) -> float:
        """How much to stretch thresholds for someone who answers rarely (1.0 … 3.0)."""
        return 1.0 if self.reply_rate >= 0.6 else min(3.0, 0.6 / max(self.reply_rate, 0.05))


def learn_rhythm(history: list[SentCheckin]) -> Rhythm:
    """The person's usual reply rate and delay from their own recent check-ins."""
    answered = [c for c in history if c.answered_at is not None]
    rate = (len(answered) + PRIOR_ANSWERED) / (len(history) + PRIOR_SENT)
    delays = [c.answered_at - c.sent_at for c in answered if c.answered_at is not None]
    delay = statistics.median(delays) if delays else DEFAULT_DELAY
    return Rhythm(reply_rate=rate, typical_delay=max(delay, timedelta(0)))


@dataclass(frozen=True)
class SilenceJudgement:
    missed: int  # check-ins since the last contact, past their answer window, unanswered
    silent_for: timedelta
    priority: int | None  # 3 or 2 when the team should know, else None
    follow_up: bool  # send the one gentle follow-up now


def judge(
    *,
    now: datetime,
    since: datetime,
    checkins_since: list[SentCheckin],
    rhythm: Rhythm,
    follow_up_sent_at: datetime | None,
    policy: SilencePolicy,
) -> SilenceJudgement:
    """`since` is the last sign of life (or when check-ins (re)started, if later)."""
    # A check-in is missed only once its usual answer window has passed.
    window = max(timedelta(hours=6), rhythm.typical_delay * 2)
    missed = sum(1 for c in checkins_since if c.answered_at is None and c.sent_at + window <= now)
    silent_for = now - since
    missed_limit = math.ceil(policy.missed_checkins * rhythm.scale)
    days_limit = timedelta(days=policy.quiet_days * rhythm.scale)
    priority: int | None = None
    if missed >= 2 * missed_limit or silent_for >= 2 * days_limit:
        priority = 2
    elif missed >= missed_limit or silent_for >= days_limit:
        priority = 3
    already_followed = follow_up_sent_at is not None and follow_up_sent_at >= since
    follow_up = (
        priority is None
        and missed >= 1
        and rhythm.reply_rate >= policy.usual_reply_rate
        and not already_followed
    )
    return SilenceJudgement(missed, silent_for, priority, follow_up)
