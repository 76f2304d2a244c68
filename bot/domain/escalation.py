"""The escalation ladder (pure): what a signal means for the team's queue, and when an
unclaimed or stale item must be raised again. `now` is always passed in.

One open escalation per person gathers new signals; its priority only rises. A resolved one
stays resolved: the next signal opens a new one (早期にもどす — early return).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

P1 = 1  # at once: risk to life
P2 = 2  # soon: serious need, or the person asked to talk
P3 = 3  # within a day: repeated low mood, unreachable, silence

DISTRESS = "distress"  # what the person wrote
HELP_REQUEST = "help_request"  # 「話したい」, 相談したい, 助けて
UNREACHABLE = "unreachable"  # Telegram says the bot is blocked
SILENCE = "silence"  # no contact against the person's rhythm (its own issue)
REASONS = (DISTRESS, HELP_REQUEST, UNREACHABLE, SILENCE)

OPEN = "open"  # waiting for someone to take it
CLAIMED = "claimed"  # a supporter has it
RESOLVED = "resolved"  # done, with an outcome

# Outcomes a supporter records when resolving.
OUTCOMES = ("contacted", "visited", "reconnected", "false_alarm", "declined", "other")


@dataclass(frozen=True)
class LadderPolicy:
    watch_repeats: int = 2  # this many `watch` replies ...
    watch_window: timedelta = timedelta(days=7)  # ... within this window make a P3
    sla: dict[int, timedelta] = field(
        default_factory=lambda: {
            P1: timedelta(minutes=10),
            P2: timedelta(hours=2),
            P3: timedelta(hours=24),
        }
    )
    # A claimed item not resolved within this many SLAs is shown to the team again.
    stale_claim_factor: int = 3

    def sla_for(self, priority: int) -> timedelta:
        return self.sla[priority]


def reply_priority(
    level: str, categories: tuple[str, ...], recent_watch: int, policy: LadderPolicy
) -> tuple[int, str] | None:
    """Priority and reason for an assessed reply, or None when it needs no human yet.

    `recent_watch` counts this person's `watch` replies inside the window, this one included.
    """
    if level == "urgent":
        return P1, DISTRESS
    if "help_request" in categories:
        return P2, HELP_REQUEST
    if level == "high":
        return P2, DISTRESS
    if level == "watch" and recent_watch >= policy.watch_repeats:
        return P3, DISTRESS
    return None


PersonReply = Literal["crisis", "contact_soon", "ack"]


def person_reply(level: str, categories: tuple[str, ...]) -> PersonReply:
    """What the person hears back. Never "we detected"; always that someone will reach out."""
    if level == "urgent":
        return "crisis"
    if level == "high" or "help_request" in categories:
        return "contact_soon"
    return "ack"


@dataclass(frozen=True)
class CaseState:
    priority: int
    reason: str
    status: str


@dataclass(frozen=True)
class LadderStep:
    # open: a new item; raise: priority went up (alert again); gather: recorded, no new alert.
    action: Literal["open", "raise", "gather"]
    priority: int
    reason: str


def apply_signal(case: CaseState | None, priority: int, reason: str) -> LadderStep:
    if case is None or case.status == RESOLVED:
        return LadderStep("open", priority, reason)
    if priority < case.priority:
        return LadderStep("raise", priority, reason)
    return LadderStep("gather", case.priority, case.reason)


def next_alert_after(
    status: str, priority: int, moment: datetime, policy: LadderPolicy
) -> datetime | None:
    """When the SLA job should look at an item again, counted from `moment`."""
    if status == OPEN:
        return moment + policy.sla_for(priority)
    if status == CLAIMED:
        return moment + policy.sla_for(priority) * policy.stale_claim_factor
    return None


@dataclass(frozen=True)
class SlaStep:
    # realert: still unclaimed; stale_claim: claimed but not resolved for too long.
    action: Literal["realert", "stale_claim"]
    # Whether the team's coordinators are told too (the second unclaimed round onwards).
    to_coordinators: bool
    next_alert_at: datetime


def sla_step(
    status: str,
    priority: int,
    rounds: int,
    next_alert_at: datetime | None,
    now: datetime,
    policy: LadderPolicy,
) -> SlaStep | None:
    """What the SLA job does for one item at `now` (None: nothing yet)."""
    if next_alert_at is None or now < next_alert_at or status == RESOLVED:
        return None
    if status == OPEN:
        return SlaStep("realert", rounds >= 1, now + policy.sla_for(priority))
    return SlaStep("stale_claim", False, now + policy.sla_for(priority) * policy.stale_claim_factor)
