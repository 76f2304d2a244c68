"""Silence judged against the person's own rhythm (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.silence import SentCheckin, SilencePolicy, judge, learn_rhythm

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
POLICY = SilencePolicy()


def sent(days_ago: float, answered_after_hours: float | None = None) -> SentCheckin:
    at = NOW - timedelta(days=days_ago)
    answered = None if answered_after_hours is None else at + timedelta(hours=answered_after_hours)
    return SentCheckin(at, answered)


def test_new_people_get_sane_defaults() -> None:
    rhythm = learn_rhythm([])
    assert 0.6 <= rhythm.reply_rate <= 0.7
    assert rhythm.typical_delay == timedelta(hours=6)
    assert rhythm.scale == 1.0


def test_rhythm_is_learned_from_history() -> None:
    often = learn_rhythm([sent(d, 1) for d in range(1, 11)])
    rarely = learn_rhythm([sent(d) for d in range(1, 11)] + [sent(12, 30)])
    assert often.reply_rate > 0.9 and often.typical_delay == timedelta(hours=1)
    assert rarely.reply_rate < 0.3 and rarely.scale > 2.0


def test_one_unusual_miss_earns_one_gentle_follow_up() -> None:
    rhythm = learn_rhythm([sent(d, 1) for d in range(5, 15)])
    since = NOW - timedelta(days=3)
    missed = [sent(1)]
    first = judge(
        now=NOW,
        since=since,
        checkins_since=missed,
        rhythm=rhythm,
        follow_up_sent_at=None,
        policy=POLICY,
    )
    assert first.follow_up and first.priority is None and first.missed == 1
    again = judge(
        now=NOW,
        since=since,
        checkins_since=missed,
        rhythm=rhythm,
        follow_up_sent_at=NOW - timedelta(hours=2),
        policy=POLICY,
    )
    assert not again.follow_up


def test_a_check_in_inside_its_answer_window_is_not_missed() -> None:
    rhythm = learn_rhythm([])
    fresh = judge(
        now=NOW,
        since=NOW - timedelta(days=1),
        checkins_since=[sent(0.1)],
        rhythm=rhythm,
        follow_up_sent_at=None,
        policy=POLICY,
    )
    assert fresh.missed == 0 and not fresh.follow_up


def test_three_misses_or_seven_days_make_p3_and_twice_that_p2() -> None:
    rhythm = learn_rhythm([sent(d, 1) for d in range(20, 30)])
    three = judge(
        now=NOW,
        since=NOW - timedelta(days=5),
        checkins_since=[sent(1), sent(2), sent(4)],
        rhythm=rhythm,
        follow_up_sent_at=None,
        policy=POLICY,
    )
    assert three.priority == 3
    week = judge(
        now=NOW,
        since=NOW - timedelta(days=7, minutes=1),
        checkins_since=[],
        rhythm=rhythm,
        follow_up_sent_at=None,
        policy=POLICY,
    )
    assert week.priority == 3
    fortnight = judge(
        now=NOW,
        since=NOW - timedelta(days=14, minutes=1),
        checkins_since=[],
        rhythm=rhythm,
        follow_up_sent_at=None,
        policy=POLICY,
    )
    assert fortnight.priority == 2


def test_thresholds_stretch_for_people_who_rarely_answer() -> None:
    rarely = learn_rhythm([sent(d) for d in range(1, 21)] + [sent(25, 5)])
    judgement = judge(
        now=NOW,
        since=NOW - timedelta(days=8),
        checkins_since=[sent(1), sent(3), sent(6)],
        rhythm=rarely,
        follow_up_sent_at=None,
        policy=POLICY,
    )
    assert judgement.priority is None
    assert not judgement.follow_up  # a miss is their usual rhythm: no nudge
