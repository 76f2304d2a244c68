"""The escalation ladder (pure): which reply needs a human, what the person hears, how one open
item per person gathers signals, and when the SLA job raises an item again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import escalation as ladder
from bot.domain.escalation import (
    CLAIMED,
    DISTRESS,
    HELP_REQUEST,
    OPEN,
    P1,
    P2,
    P3,
    RESOLVED,
    SILENCE,
    UNREACHABLE,
    CaseState,
    LadderPolicy,
    apply_signal,
    next_alert_after,
    person_reply,
    reply_priority,
    sla_step,
)

POLICY = LadderPolicy()
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
LEVELS = ("none", "watch", "high", "urgent")
CATEGORIES = ("suicide", "money", "housing", "loneliness", "mood", "help_request")


# --- reply_priority -----------------------------------------------------------------------


def test_urgent_is_p1_distress_whatever_else_it_says() -> None:
    assert reply_priority("urgent", ("suicide",), 0, POLICY) == (P1, DISTRESS)
    # Asking to talk does not soften an urgent reply.
    assert reply_priority("urgent", ("suicide", "help_request"), 5, POLICY) == (P1, DISTRESS)


def test_high_is_p2_distress() -> None:
    assert reply_priority("high", ("money", "housing"), 0, POLICY) == (P2, DISTRESS)


@pytest.mark.parametrize("level", ["none", "watch", "high"])
def test_asking_to_talk_is_a_p2_help_request(level: str) -> None:
    assert reply_priority(level, ("help_request",), 0, POLICY) == (P2, HELP_REQUEST)


def test_one_watch_reply_alone_needs_nobody() -> None:
    assert reply_priority("watch", ("loneliness",), 1, POLICY) is None


def test_repeated_watch_replies_make_a_p3() -> None:
    assert reply_priority("watch", ("loneliness",), 2, POLICY) == (P3, DISTRESS)
    assert reply_priority("watch", ("mood",), 7, POLICY) == (P3, DISTRESS)


def test_watch_repeats_follow_the_policy() -> None:
    strict = LadderPolicy(watch_repeats=3)
    assert reply_priority("watch", ("mood",), 2, strict) is None
    assert reply_priority("watch", ("mood",), 3, strict) == (P3, DISTRESS)


def test_an_ordinary_reply_needs_nobody() -> None:
    assert reply_priority("none", (), 0, POLICY) is None
    # `recent_watch` counts watch replies only; an ordinary reply never becomes P3.
    assert reply_priority("none", (), 10, POLICY) is None


@given(
    st.sampled_from(LEVELS),
    st.lists(st.sampled_from(CATEGORIES), max_size=3).map(tuple),
    st.integers(min_value=0, max_value=20),
)
def test_priority_never_goes_below_what_the_level_demands(
    level: str, categories: tuple[str, ...], recent_watch: int
) -> None:
    signal = reply_priority(level, categories, recent_watch, POLICY)
    if level == "urgent":
        assert signal == (P1, DISTRESS)
    elif level == "high" or "help_request" in categories:
        assert signal is not None and signal[0] == P2
    if signal is not None:
        assert signal[0] in (P1, P2, P3)
        assert signal[1] in ladder.REASONS


# --- person_reply -------------------------------------------------------------------------


def test_what_the_person_hears() -> None:
    assert person_reply("urgent", ("suicide",)) == "crisis"
    assert person_reply("urgent", ("suicide", "help_request")) == "crisis"
    assert person_reply("high", ("money",)) == "contact_soon"
    assert person_reply("watch", ("help_request",)) == "contact_soon"
    assert person_reply("none", ("help_request",)) == "contact_soon"
    assert person_reply("watch", ("loneliness",)) == "ack"
    assert person_reply("none", ()) == "ack"


@given(st.sampled_from(LEVELS), st.lists(st.sampled_from(CATEGORIES), max_size=3).map(tuple))
def test_whoever_is_escalated_is_told_someone_will_reach_out(
    level: str, categories: tuple[str, ...]
) -> None:
    """P1/P2 always come with a human answer; only a quiet P3 gets the ordinary ack."""
    signal = reply_priority(level, categories, 0, POLICY)
    answer = person_reply(level, categories)
    if signal is not None and signal[0] in (P1, P2):
        assert answer in ("crisis", "contact_soon")


# --- apply_signal -------------------------------------------------------------------------


def test_no_case_opens_one() -> None:
    assert apply_signal(None, P2, DISTRESS) == ladder.LadderStep("open", P2, DISTRESS)


def test_a_resolved_case_stays_resolved_and_a_new_one_opens() -> None:
    done = CaseState(P1, DISTRESS, RESOLVED)
    assert apply_signal(done, P3, DISTRESS) == ladder.LadderStep("open", P3, DISTRESS)


@pytest.mark.parametrize("status", [OPEN, CLAIMED])
def test_a_more_serious_signal_raises_the_open_case(status: str) -> None:
    case = CaseState(P3, UNREACHABLE, status)
    assert apply_signal(case, P1, DISTRESS) == ladder.LadderStep("raise", P1, DISTRESS)


@pytest.mark.parametrize("status", [OPEN, CLAIMED])
def test_an_equal_or_milder_signal_is_gathered_without_changing_the_case(status: str) -> None:
    case = CaseState(P2, HELP_REQUEST, status)
    assert apply_signal(case, P2, DISTRESS) == ladder.LadderStep("gather", P2, HELP_REQUEST)
    assert apply_signal(case, P3, SILENCE) == ladder.LadderStep("gather", P2, HELP_REQUEST)


@given(
    st.sampled_from([P1, P2, P3]),
    st.sampled_from([OPEN, CLAIMED]),
    st.lists(st.sampled_from([P1, P2, P3]), min_size=1, max_size=8),
)
def test_priority_only_rises(start: int, status: str, signals: list[int]) -> None:
    case = CaseState(start, DISTRESS, status)
    for priority in signals:
        step = apply_signal(case, priority, DISTRESS)
        assert step.action in ("raise", "gather")
        assert step.priority <= case.priority
        assert step.priority == min(case.priority, priority)
        case = CaseState(step.priority, step.reason, status)
    assert case.priority == min([start, *signals])


# --- next_alert_after ---------------------------------------------------------------------


def test_open_items_are_looked_at_again_after_their_sla() -> None:
    assert next_alert_after(OPEN, P1, NOW, POLICY) == NOW + timedelta(minutes=10)
    assert next_alert_after(OPEN, P2, NOW, POLICY) == NOW + timedelta(hours=2)
    assert next_alert_after(OPEN, P3, NOW, POLICY) == NOW + timedelta(hours=24)


def test_claimed_items_are_looked_at_after_three_slas() -> None:
    assert next_alert_after(CLAIMED, P1, NOW, POLICY) == NOW + timedelta(minutes=30)
    assert next_alert_after(CLAIMED, P3, NOW, POLICY) == NOW + timedelta(hours=72)


def test_resolved_items_are_never_looked_at_again() -> None:
    assert next_alert_after(RESOLVED, P1, NOW, POLICY) is None


# --- sla_step -----------------------------------------------------------------------------


def test_nothing_before_the_sla() -> None:
    due = NOW + timedelta(minutes=10)
    assert sla_step(OPEN, P1, 0, due, due - timedelta(seconds=1), POLICY) is None
    assert sla_step(OPEN, P1, 0, None, NOW + timedelta(days=9), POLICY) is None


def test_first_unclaimed_round_realerts_the_team_only() -> None:
    due = NOW + timedelta(minutes=10)
    step = sla_step(OPEN, P1, 0, due, due, POLICY)
    assert step == ladder.SlaStep("realert", False, due + timedelta(minutes=10))


def test_later_unclaimed_rounds_reach_the_coordinators() -> None:
    due = NOW + timedelta(minutes=20)
    for rounds in (1, 2, 5):
        step = sla_step(OPEN, P1, rounds, due, due, POLICY)
        assert step is not None and step.action == "realert" and step.to_coordinators


def test_a_stale_claim_is_surfaced_again() -> None:
    due = NOW + timedelta(minutes=30)
    later = due + timedelta(minutes=1)
    step = sla_step(CLAIMED, P1, 0, due, later, POLICY)
    assert step == ladder.SlaStep("stale_claim", False, later + timedelta(minutes=30))


def test_a_resolved_item_is_left_alone_even_when_due() -> None:
    assert sla_step(RESOLVED, P1, 3, NOW, NOW + timedelta(hours=1), POLICY) is None


def test_the_next_look_is_counted_from_now_not_from_the_missed_deadline() -> None:
    """After downtime the item is raised once, not once per missed SLA."""
    due = NOW
    late = NOW + timedelta(hours=5)
    step = sla_step(OPEN, P1, 0, due, late, POLICY)
    assert step is not None and step.next_alert_at == late + timedelta(minutes=10)
    assert sla_step(OPEN, P1, 1, step.next_alert_at, late, POLICY) is None
