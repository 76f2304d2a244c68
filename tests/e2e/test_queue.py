"""The supporters' queue end to end: a person's reply → alerts in the team chat and the on-duty
supporter's private chat → claim / resolve / notes / handover / connections, SLA re-alerts, and
forged buttons refused — over the real PTB stack against the Bot API stand-in, test clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import texts
from bot.domain.invites import deep_link
from storage.models import (
    AlertMessage,
    Audit,
    Connection,
    Escalation,
    Inbound,
    Note,
    Outbox,
    Team,
)
from tests.e2e.harness import (
    COORDINATOR_ID,
    PERSON_ID,
    World,
    answer_for,
    code_from_link,
    enrol_person,
    eventually,
    next_message,
    running_bot,
    say,
)
from tests.fakes import FakeClock, make_settings
from tests.standin import BotApiStandin, FakeGroup, FakeUser, SentMessage

SATO_ID = 5002  # supporter, on duty
SUZUKI_ID = 5003  # supporter
STRANGER_ID = 7001  # in the group, not staff
GROUP_ID = -1009876500001
URGENT = "もう死にたい"
HIGH = "家賃が払えなくて追い出されそう"
WATCH = "ちょっと寂しい"


@dataclass
class Crew:
    world: World
    coordinator: FakeUser
    sato: FakeUser
    suzuki: FakeUser
    group: FakeGroup
    person: FakeUser

    @property
    def standin(self) -> BotApiStandin:
        return self.world.standin

    @property
    def clock(self) -> FakeClock:
        return self.world.clock

    async def rows(self, model: Any, *where: Any) -> list[Any]:
        async with self.world.db.transaction() as session:
            return list(await session.scalars(select(model).where(*where).order_by(model.id)))

    async def case(self) -> Escalation:
        cases = await self.rows(Escalation)
        assert len(cases) == 1, cases
        return cases[0]

    def alerts(self, chat_id: int) -> list[SentMessage]:
        """The alerts (every round) the bot posted to a chat, in order."""
        return [m for m in self.standin.sent_messages(chat_id) if "\n理由：" in (m.text or "")]

    async def alerts_arrive(self, chat_id: int, count: int, within: float = 5.0) -> None:
        await self.standin.await_for(
            lambda: len(self.alerts(chat_id)) >= count,
            timeout=within,
            description=f"{count} alerts to {chat_id}",
        )

    def wake(self) -> None:
        sender = self.world.runner.state.sender
        assert sender is not None
        sender.wake()

    async def recorded(self, count: int) -> None:
        """Wait until the sender has recorded `count` posted alert copies (for later edits)."""

        async def check() -> bool:
            return len(await self.rows(AlertMessage)) >= count

        await eventually(check, f"{count} alert copies never recorded")

    async def audit(self, action: str) -> list[Audit]:
        return await self.rows(Audit, Audit.action == action)


async def _register_staff(standin: BotApiStandin, coordinator: FakeUser, name: str, uid: int):  # type: ignore[no-untyped-def]
    link = await say(standin, coordinator, f"/invite_supporter {name}")
    user = standin.user(uid, name)
    user.start(code_from_link(link.text or ""))
    welcome = await next_message(standin, uid, 0)
    assert texts.ROLE_LABELS["supporter"] in (welcome.text or "")
    return user


@pytest.fixture
async def crew(standin: BotApiStandin, sqlite_url: str) -> AsyncIterator[Crew]:
    settings = make_settings(database_url=sqlite_url, telegram_base_url=standin.base_url)
    clock = FakeClock()
    async with running_bot(settings, clock) as runner:
        world = World(standin, settings, clock, runner, runner.state.db)
        # The first coordinator (the operator's bootstrap invite, without the CLI process).
        code = await runner.state.services.create_invite("coordinator", "山田")
        assert deep_link(standin.bot_username, code).endswith(code)
        coordinator = standin.user(COORDINATOR_ID, "山田")
        coordinator.start(code)
        await next_message(standin, COORDINATOR_ID, 0)
        sato = await _register_staff(standin, coordinator, "佐藤", SATO_ID)
        suzuki = await _register_staff(standin, coordinator, "鈴木", SUZUKI_ID)
        group = standin.group(GROUP_ID, "支援チーム")
        group.send_text(coordinator, "/set_alert_chat")
        done = await next_message(standin, GROUP_ID, 0)
        assert done.text == texts.alert_chat_set("default") or "default" in (done.text or "")
        on = await say(standin, sato, "/duty")
        assert on.text == texts.duty_on()
        person = await enrol_person(world)
        yield Crew(world, coordinator, sato, suzuki, group, person)


# --- the alert ---------------------------------------------------------------------------------


async def test_urgent_reply_alerts_team_chat_and_on_duty_supporter_and_person_gets_crisis_help(
    crew: Crew,
) -> None:
    standin = crew.standin
    words = "もう死にたい。誰にも会いたくない"
    before_person = len(standin.sent_messages(PERSON_ID))
    started = time.monotonic()
    crew.person.send_text(words)
    await crew.alerts_arrive(GROUP_ID, 1)
    await crew.alerts_arrive(SATO_ID, 1)
    group_alert = crew.alerts(GROUP_ID)[0]
    private_alert = crew.alerts(SATO_ID)[0]
    latency = group_alert.sent_at - started
    print(
        f"\nreply → P1 alert through the stand-in: team chat {latency * 1000:.1f} ms, "
        f"on-duty private {(private_alert.sent_at - started) * 1000:.1f} ms"
    )
    # Within one sender cycle: no clock moved, no sweep was run by the test.
    crisis = await next_message(standin, PERSON_ID, before_person)
    assert crisis.text == texts.crisis_message(crew.world.settings.crisis_resources)
    assert "支援チームに伝えました" in (crisis.text or "")
    for alert in (group_alert, private_alert):
        assert "【至急 P1】田中さん" in (alert.text or "")
        assert alert.button_labels == [texts.ALERT_CLAIM, texts.ALERT_RESOLVE, texts.ALERT_NOTE]
    # The person's words: in the private alert, not in the team chat (team default).
    assert words in (private_alert.text or "")
    assert words not in (group_alert.text or "")
    assert "本文：" not in (group_alert.text or "")
    # Nobody else was told privately (P1 goes to the on-duty supporter only).
    assert crew.alerts(SUZUKI_ID) == [] and crew.alerts(COORDINATOR_ID) == []
    case = await crew.case()
    assert (case.priority, case.status) == (1, "open")


async def test_claim_edits_every_copy_and_resolve_records_the_outcome(crew: Crew) -> None:
    standin = crew.standin
    crew.person.send_text(URGENT)
    await crew.alerts_arrive(GROUP_ID, 1)
    await crew.alerts_arrive(SATO_ID, 1)
    group_alert = crew.alerts(GROUP_ID)[0]
    await crew.recorded(2)
    crew.clock.advance(minutes=3)
    pressed = crew.group.press_button(crew.suzuki, group_alert.message_id, texts.ALERT_CLAIM)
    assert (await answer_for(standin, pressed)).text == texts.CLAIMED_BY_YOU

    def shows_claimant(chat_id: int) -> bool:
        current = standin.sent_messages(chat_id)
        alert = next(m for m in current if m.message_id == crew.alerts(chat_id)[0].message_id)
        return "鈴木さんが担当しています" in (alert.current_text or "")

    await standin.await_for(lambda: shows_claimant(GROUP_ID) and shows_claimant(SATO_ID))
    case = await crew.case()
    assert case.status == "claimed"
    [claim] = await crew.audit("escalation.claim")
    assert claim.person_id == case.person_id

    # Resolve: the outcome is asked privately, then every copy shows it, buttons gone.
    before = len(standin.sent_messages(SUZUKI_ID))
    crew.group.press_button(crew.suzuki, group_alert.message_id, texts.ALERT_RESOLVE)
    question = await next_message(standin, SUZUKI_ID, before)
    assert question.text == texts.OUTCOME_QUESTION
    assert question.button_labels == list(texts.OUTCOME_LABELS.values())
    assert crew.standin.sent_messages(GROUP_ID)[-1].text != texts.OUTCOME_QUESTION
    crew.suzuki.press_button(question.message_id, texts.OUTCOME_LABELS["visited"])

    def resolved_everywhere() -> bool:
        copies = [
            m
            for chat in (GROUP_ID, SATO_ID)
            for m in standin.sent_messages(chat)
            if m.message_id == crew.alerts(chat)[0].message_id
        ]
        return all(
            "対応済み：会えた（訪問）（鈴木さん）" in (m.current_text or "") and m.buttons == []
            for m in copies
        )

    await standin.await_for(resolved_everywhere)
    await standin.await_for(
        lambda: "対応済みにしました" in (standin.sent_messages(SUZUKI_ID)[-1].current_text or "")
    )
    case = await crew.case()
    assert (case.status, case.outcome) == ("resolved", "visited")
    [resolve] = await crew.audit("escalation.resolve")
    assert resolve.detail == {"escalation": case.id, "outcome": "visited"}


async def test_two_concurrent_claims_have_one_winner(crew: Crew) -> None:
    crew.person.send_text(URGENT)
    await crew.alerts_arrive(GROUP_ID, 1)
    alert = crew.alerts(GROUP_ID)[0]
    first = crew.group.press_button(crew.sato, alert.message_id, texts.ALERT_CLAIM)
    second = crew.group.press_button(crew.suzuki, alert.message_id, texts.ALERT_CLAIM)
    answers = [await answer_for(crew.standin, ref) for ref in (first, second)]
    wins = [a for a in answers if a.text == texts.CLAIMED_BY_YOU]
    losses = [a for a in answers if a.text != texts.CLAIMED_BY_YOU]
    assert len(wins) == 1 and len(losses) == 1
    winner = "佐藤" if wins[0].user_id == SATO_ID else "鈴木"
    assert losses[0].text == texts.already_claimed(winner) and losses[0].show_alert
    case = await crew.case()
    assert case.status == "claimed"
    assert len(await crew.audit("escalation.claim")) == 1


async def test_a_429_and_a_5xx_during_an_alert_still_deliver_it_once(crew: Crew) -> None:
    standin = crew.standin
    standin.fail_next("sendMessage", "retry_after", chat_id=GROUP_ID, retry_after=1)
    standin.fail_next("sendMessage", "server_error", chat_id=SATO_ID)
    crew.person.send_text(URGENT)

    async def both_arrived() -> bool:
        # Retries wait on the bot's (test) clock: let it move a second at a time.
        crew.clock.advance(seconds=1)
        crew.wake()
        return bool(crew.alerts(GROUP_ID)) and bool(crew.alerts(SATO_ID))

    await eventually(both_arrived, "the alert never arrived after 429 / 5xx", within=10.0)
    await asyncio.sleep(0.2)  # a duplicate would show up now
    crew.wake()
    await asyncio.sleep(0.1)
    assert len(crew.alerts(GROUP_ID)) == 1
    assert len(crew.alerts(SATO_ID)) == 1
    calls = [c for c in standin.calls("sendMessage") if c.params.get("chat_id") in (GROUP_ID,)]
    assert len(calls) >= 2  # the failed attempt, then the one that went through
    sent = await crew.rows(Outbox, Outbox.kind == "alert")
    assert sorted(o.status for o in sent) == ["sent", "sent"]


# --- SLA ----------------------------------------------------------------------------------------


async def test_unclaimed_p1_realerts_after_the_sla_then_reaches_the_coordinator(
    crew: Crew,
) -> None:
    crew.person.send_text(URGENT)
    await crew.alerts_arrive(GROUP_ID, 1)
    crew.clock.advance(minutes=9)
    await crew.world.runner.state.services.queue.sla_sweep()
    await asyncio.sleep(0.15)  # the SLA job runs every 0.05 s: it must not re-alert yet
    assert len(crew.alerts(GROUP_ID)) == 1
    crew.clock.advance(minutes=1, seconds=1)
    await crew.alerts_arrive(GROUP_ID, 2)
    realert = crew.alerts(GROUP_ID)[1]
    assert (realert.text or "").startswith(texts.ALERT_PREFIX["realert"])
    assert not any(
        (m.text or "").startswith(texts.ALERT_PREFIX["coordinators"])
        for m in crew.standin.sent_messages(COORDINATOR_ID)
    )
    crew.clock.advance(minutes=10, seconds=1)
    await crew.alerts_arrive(COORDINATOR_ID, 1)
    to_coordinator = crew.alerts(COORDINATOR_ID)[0]
    assert (to_coordinator.text or "").startswith(texts.ALERT_PREFIX["coordinators"])
    assert URGENT in (to_coordinator.text or "")
    # A claim from the re-alert stops further rounds.
    pressed = crew.group.press_button(crew.sato, realert.message_id, texts.ALERT_CLAIM)
    assert (await answer_for(crew.standin, pressed)).text == texts.CLAIMED_BY_YOU
    count = len(crew.alerts(GROUP_ID))
    crew.clock.advance(minutes=20)
    await crew.world.runner.state.services.queue.sla_sweep()
    await asyncio.sleep(0.15)
    assert len(crew.alerts(GROUP_ID)) == count


async def test_a_claim_not_resolved_within_three_slas_is_surfaced_again(crew: Crew) -> None:
    crew.person.send_text(URGENT)
    await crew.alerts_arrive(GROUP_ID, 1)
    alert = crew.alerts(GROUP_ID)[0]
    pressed = crew.group.press_button(crew.suzuki, alert.message_id, texts.ALERT_CLAIM)
    assert (await answer_for(crew.standin, pressed)).text == texts.CLAIMED_BY_YOU
    crew.clock.advance(minutes=29)
    await crew.world.runner.state.services.queue.sla_sweep()
    await asyncio.sleep(0.15)
    assert len(crew.alerts(GROUP_ID)) == 1
    crew.clock.advance(minutes=1, seconds=1)
    await crew.alerts_arrive(GROUP_ID, 2)
    await crew.alerts_arrive(SUZUKI_ID, 1)  # the claimant hears it privately
    for stale in (crew.alerts(GROUP_ID)[1], crew.alerts(SUZUKI_ID)[0]):
        assert (stale.text or "").startswith(texts.ALERT_PREFIX["stale_claim"])
        assert "担当：鈴木さん" in (stale.text or "")


# --- other signals -------------------------------------------------------------------------------


async def test_high_reply_is_p2_in_the_team_chat_and_the_person_hears_someone_will_call(
    crew: Crew,
) -> None:
    reply = await say(crew.standin, crew.person, HIGH)
    assert reply.text == texts.CONTACT_SOON
    await crew.alerts_arrive(GROUP_ID, 1)
    assert "【早めに P2】田中さん" in (crew.alerts(GROUP_ID)[0].text or "")
    await asyncio.sleep(0.1)
    assert crew.alerts(SATO_ID) == []  # P2 is not pushed to the on-duty phone


async def test_pressing_want_to_talk_on_a_checkin_is_a_p2_help_request(crew: Crew) -> None:
    person = await crew.world.person(PERSON_ID)
    assert person.next_checkin_at is not None
    crew.clock.set(person.next_checkin_at + timedelta(minutes=1))
    await crew.world.sweep_and_send()
    checkin = await crew.standin.await_for(
        lambda: next(
            (m for m in crew.standin.sent_messages(PERSON_ID) if "話したい" in m.button_labels),
            None,
        )
    )
    before = len(crew.standin.sent_messages(PERSON_ID))
    crew.person.press_button(checkin.message_id, "話したい")
    reply = await next_message(crew.standin, PERSON_ID, before)
    assert reply.text == texts.CONTACT_SOON
    for word in ("検知", "検出", "判定", "detect"):
        assert word not in (reply.text or "")
    await crew.alerts_arrive(GROUP_ID, 1)
    assert texts.REASON_LABELS["help_request"] in (crew.alerts(GROUP_ID)[0].text or "")
    case = await crew.case()
    assert (case.priority, case.reason) == (2, "help_request")


async def test_watch_replies_once_nothing_twice_in_a_week_p3(crew: Crew) -> None:
    first = await say(crew.standin, crew.person, WATCH)
    assert first.text in texts.ACK_VARIANTS
    await asyncio.sleep(0.1)
    assert crew.alerts(GROUP_ID) == []
    assert await crew.rows(Escalation) == []
    crew.clock.advance(days=3)
    crew.person.send_text("最近しんどい")
    await crew.alerts_arrive(GROUP_ID, 1)
    assert "【今日中に P3】田中さん" in (crew.alerts(GROUP_ID)[0].text or "")


async def test_one_item_gathers_signals_and_rises_and_a_new_one_after_resolution(
    crew: Crew,
) -> None:
    await say(crew.standin, crew.person, HIGH)
    await crew.alerts_arrive(GROUP_ID, 1)
    crew.clock.advance(minutes=2)
    await say(crew.standin, crew.person, "話したい")
    await asyncio.sleep(0.15)
    assert len(crew.alerts(GROUP_ID)) == 1  # gathered: no second alert
    crew.person.send_text(URGENT)
    await crew.alerts_arrive(GROUP_ID, 2)
    await crew.alerts_arrive(SATO_ID, 1)
    assert (crew.alerts(GROUP_ID)[1].text or "").startswith(texts.ALERT_PREFIX["raised"])
    case = await crew.case()
    assert case.priority == 1
    queue = crew.world.runner.state.services.queue
    assert (await queue.resolve(case.id, SATO_ID, "contacted")).kind == "ok"
    crew.clock.advance(hours=1)
    await say(crew.standin, crew.person, HIGH)
    await crew.alerts_arrive(GROUP_ID, 3)
    cases = await crew.rows(Escalation)
    assert [c.status for c in cases] == ["resolved", "open"]


async def test_a_blocked_bot_becomes_an_unreachable_p3(crew: Crew) -> None:
    person = await crew.world.person(PERSON_ID)
    assert person.next_checkin_at is not None
    crew.standin.block(PERSON_ID)
    crew.clock.set(person.next_checkin_at + timedelta(minutes=1))
    await crew.world.sweep_and_send()
    await crew.alerts_arrive(GROUP_ID, 1)
    alert = crew.alerts(GROUP_ID)[0]
    assert "【今日中に P3】田中さん" in (alert.text or "")
    assert texts.REASON_LABELS["unreachable"] in (alert.text or "")
    case = await crew.case()
    assert case.reason == "unreachable"
    assert (await crew.world.person(PERSON_ID)).unreachable_at is not None


async def test_team_chat_shows_the_words_when_the_team_shares_them(crew: Crew) -> None:
    async with crew.world.db.transaction() as session:
        for team in await session.scalars(select(Team)):
            team.share_text_in_team_chat = True
    crew.person.send_text(HIGH)
    await crew.alerts_arrive(GROUP_ID, 1)
    assert HIGH in (crew.alerts(GROUP_ID)[0].text or "")


# --- forged buttons ------------------------------------------------------------------------------


async def test_forged_callbacks_are_refused(crew: Crew) -> None:
    standin = crew.standin
    crew.person.send_text(URGENT)
    await crew.alerts_arrive(GROUP_ID, 1)
    alert = crew.alerts(GROUP_ID)[0]
    case = await crew.case()
    stranger = standin.user(STRANGER_ID, "だれか")

    # From a non-member in the team chat: the real button, the wrong hand.
    ref = crew.group.press_button(stranger, alert.message_id, texts.ALERT_CLAIM)
    answer = await answer_for(standin, ref)
    assert answer.text == texts.NOT_YOURS and answer.show_alert
    ref = crew.group.press_button(stranger, alert.message_id, texts.ALERT_RESOLVE)
    assert (await answer_for(standin, ref)).text == texts.NOT_YOURS
    ref = crew.group.press(stranger, alert.message_id, f"esc:{case.id}:out:contacted", strict=False)
    assert (await answer_for(standin, ref)).text == texts.NOT_YOURS
    # From the person themselves, in their own chat.
    own = standin.sent_messages(PERSON_ID)[-1]
    ref = crew.person.press(own.message_id, f"esc:{case.id}:claim", strict=False)
    assert (await answer_for(standin, ref)).text == texts.NOT_YOURS
    assert (await crew.case()).status == "open"

    # Garbage data: nothing happens, politely.
    welcome = standin.sent_messages(SATO_ID)[0]
    for data in (
        "esc:",
        "esc:abc:claim",
        "esc:-1:claim",
        f"esc:{case.id}",
        f"esc:{case.id}:frobnicate",
        f"esc:{case.id}:out:bogus",
        f"esc:{case.id}:rc:abc",
        f"esc:{case.id + 50}:claim",
        "garbage",
        "x" * 64,
    ):
        ref = crew.sato.press(welcome.message_id, data, strict=False)
        answered = await answer_for(standin, ref)
        assert answered.text in (texts.BUTTON_EXPIRED, texts.NOT_YOURS), (data, answered.text)
    assert (await crew.case()).status == "open"

    # For a resolved item: the old button (gone from the keyboard, forged back) claims nothing.
    queue = crew.world.runner.state.services.queue
    assert (await queue.resolve(case.id, SATO_ID, "false_alarm")).kind == "ok"
    ref = crew.group.press(crew.suzuki, alert.message_id, f"esc:{case.id}:claim", strict=False)
    answer = await answer_for(standin, ref)
    assert answer.text == texts.ALREADY_RESOLVED
    ref = crew.sato.press(welcome.message_id, f"esc:{case.id}:out:visited", strict=False)
    assert (await answer_for(standin, ref)).text == texts.ALREADY_RESOLVED
    case = await crew.case()
    assert (case.status, case.outcome) == ("resolved", "false_alarm")
    assert await crew.audit("escalation.claim") == []
    assert len(await crew.audit("escalation.resolve")) == 1


async def test_other_teams_people_are_invisible_and_their_buttons_refused(crew: Crew) -> None:
    standin = crew.standin
    made = await say(standin, crew.coordinator, "/new_team 北チーム")
    assert made.text == texts.team_created("北チーム")
    moved = await say(standin, crew.coordinator, "/move 田中さん 北チーム")
    assert moved.text == texts.person_moved("田中さん", "北チーム")
    crew.person.send_text(URGENT)
    # 北チーム has no team chat and nobody on duty: its members (the coordinator) are told.
    await crew.alerts_arrive(COORDINATOR_ID, 1)
    await asyncio.sleep(0.1)
    assert crew.alerts(GROUP_ID) == [] and crew.alerts(SATO_ID) == []
    case = await crew.case()

    # 佐藤 is in the default team only: nothing about 田中さん, and a forged claim fails.
    assert (await say(standin, crew.sato, "/queue")).text == texts.QUEUE_EMPTY
    assert (await say(standin, crew.sato, "/person 田中さん")).text == texts.PERSON_NOT_FOUND
    assert (await say(standin, crew.sato, "/note 田中さん 見ました")).text == (
        texts.PERSON_NOT_FOUND
    )
    welcome = standin.sent_messages(SATO_ID)[0]
    ref = crew.sato.press(welcome.message_id, f"esc:{case.id}:claim", strict=False)
    assert (await answer_for(standin, ref)).text == texts.NOT_YOURS
    ref = crew.sato.press(welcome.message_id, f"esc:{case.id}:out:contacted", strict=False)
    assert (await answer_for(standin, ref)).text == texts.NOT_YOURS
    assert (await crew.case()).status == "open"
    assert await crew.audit("person.view") == []
    assert await crew.rows(Note) == []

    # The coordinator (in 北チーム) sees and acts.
    listing = await say(standin, crew.coordinator, "/queue")
    assert "田中さん" in (listing.text or "")
    alert = crew.alerts(COORDINATOR_ID)[0]
    ref = crew.coordinator.press_button(alert.message_id, texts.ALERT_CLAIM)
    assert (await answer_for(standin, ref)).text == texts.CLAIMED_BY_YOU


# --- staff commands ------------------------------------------------------------------------------


async def test_queue_person_note_and_handover_commands(crew: Crew) -> None:
    standin = crew.standin
    assert (await say(standin, crew.sato, "/queue")).text == texts.QUEUE_EMPTY
    crew.person.send_text(HIGH)
    await crew.alerts_arrive(GROUP_ID, 1)
    alert = crew.alerts(GROUP_ID)[0]
    crew.clock.advance(minutes=45)
    ref = crew.group.press_button(crew.sato, alert.message_id, texts.ALERT_CLAIM)
    assert (await answer_for(standin, ref)).text == texts.CLAIMED_BY_YOU

    listing = await say(standin, crew.suzuki, "/queue")
    assert (listing.text or "").startswith(texts.QUEUE_TITLE)
    assert "【早めに P2】田中さん" in (listing.text or "") and "佐藤さん" in (listing.text or "")
    assert "45分前" in (listing.text or "")

    saved = await say(standin, crew.sato, "/note 田中さん 電話で話せた。来週もう一度。")
    assert saved.text == texts.NOTE_SAVED
    [note] = await crew.rows(Note)
    assert note.text == "電話で話せた。来週もう一度。"
    assert len(await crew.audit("note.add")) == 1

    timeline = await say(standin, crew.suzuki, "/person 田中さん")
    shown = timeline.text or ""
    assert shown.startswith("田中さん")
    assert HIGH in shown and "電話で話せた。来週もう一度。" in shown
    [view] = await crew.audit("person.view")
    assert view.person_id == (await crew.world.person(PERSON_ID)).id

    before = len(standin.sent_messages(SUZUKI_ID))
    handed = await say(standin, crew.sato, "/handover 田中さん 鈴木")
    assert handed.text == texts.handed_over("田中さん", "鈴木")
    told = await next_message(standin, SUZUKI_ID, before)
    assert "田中さん" in (told.text or "")
    case = await crew.case()
    assert case.status == "claimed"
    assert len(await crew.audit("escalation.handover")) == 1
    listing = await say(standin, crew.coordinator, "/queue")
    assert "鈴木さん" in (listing.text or "")


async def test_an_alert_delivered_after_the_claim_shows_the_claimant(crew: Crew) -> None:
    crew.standin.fail_next("sendMessage", "server_error", chat_id=SATO_ID)
    crew.person.send_text(URGENT)
    await crew.alerts_arrive(GROUP_ID, 1)
    await crew.recorded(1)
    alert = crew.alerts(GROUP_ID)[0]
    ref = crew.group.press_button(crew.suzuki, alert.message_id, texts.ALERT_CLAIM)
    assert (await answer_for(crew.standin, ref)).text == texts.CLAIMED_BY_YOU

    async def delivered() -> bool:
        crew.clock.advance(seconds=1)
        crew.wake()
        return bool(crew.alerts(SATO_ID))

    await eventually(delivered, "the on-duty copy never arrived")

    def shows_claimant() -> bool:
        late = crew.standin.sent_messages(SATO_ID)[-1]
        return "鈴木さん" in (late.current_text or "")

    await crew.standin.await_for(shows_claimant, timeout=1.0)


async def test_handover_updates_the_alert_to_show_the_new_holder(crew: Crew) -> None:
    crew.person.send_text(HIGH)
    await crew.alerts_arrive(GROUP_ID, 1)
    alert = crew.alerts(GROUP_ID)[0]
    ref = crew.group.press_button(crew.sato, alert.message_id, texts.ALERT_CLAIM)
    await answer_for(crew.standin, ref)
    await say(crew.standin, crew.sato, "/handover 田中さん 鈴木")

    def shows_new_holder() -> bool:
        current = next(
            m for m in crew.standin.sent_messages(GROUP_ID) if m.message_id == alert.message_id
        )
        return "鈴木さんが担当" in (current.current_text or "")

    await crew.standin.await_for(shows_new_holder, timeout=1.0)


async def test_a_person_never_sees_staff_commands_output(crew: Crew) -> None:
    assert (await say(crew.standin, crew.person, HIGH)).text == texts.CONTACT_SOON
    await crew.alerts_arrive(GROUP_ID, 1)
    for command in ("/queue", "/person 田中さん", "/note 田中さん x", "/duty", "/handover a b"):
        answer = await say(crew.standin, crew.person, command)
        assert answer.text == texts.PERSON_UNKNOWN_COMMAND, command
        assert "田中" not in (answer.text or "") and "P2" not in (answer.text or "")
    stranger = crew.standin.user(STRANGER_ID, "だれか")
    assert (await say(crew.standin, stranger, "/queue")).text == texts.UNKNOWN_USER
    assert await crew.audit("person.view") == []


# --- connections (つなげない選択) ----------------------------------------------------------------


@pytest.mark.parametrize("yes", [True, False], ids=["hai", "iie"])
async def test_connect_asks_the_person_first(crew: Crew, yes: bool) -> None:
    standin = crew.standin
    before = len(standin.sent_messages(PERSON_ID))
    asked = await say(standin, crew.sato, "/connect 田中さん 地域包括支援センター 行政")
    assert asked.text == texts.connect_asked("田中さん", "地域包括支援センター")
    question = await next_message(standin, PERSON_ID, before)
    assert question.text == texts.connection_question("地域包括支援センター")
    assert question.button_labels == [texts.CONSENT_YES, texts.CONSENT_NO]
    [connection] = await crew.rows(Connection)
    assert connection.status == "proposed"
    # Nobody but the person can answer.
    ref = crew.sato.press(
        standin.sent_messages(SATO_ID)[0].message_id, f"conn:{connection.id}:yes", strict=False
    )
    assert (await answer_for(standin, ref)).text == texts.BUTTON_EXPIRED
    staff_before = len(standin.sent_messages(SATO_ID))
    crew.person.press_button(question.message_id, texts.CONSENT_YES if yes else texts.CONSENT_NO)
    answer = await next_message(standin, PERSON_ID, before + 1)
    expected = (
        texts.connection_granted("地域包括支援センター") if yes else texts.CONNECTION_DECLINED
    )
    assert answer.text == expected
    notice = await next_message(standin, SATO_ID, staff_before)
    assert notice.text == texts.connect_answered("田中さん", "地域包括支援センター", yes)
    [connection] = await crew.rows(Connection)
    assert connection.status == ("active" if yes else "declined")
    assert [a.action for a in await crew.rows(Audit, Audit.action.like("connection.%"))] == [
        "connection.propose",
        f"connection.{connection.status}",
    ]
    # A second press (forged back) changes nothing.
    ref = crew.person.press(question.message_id, f"conn:{connection.id}:yes", strict=False)
    assert (await answer_for(standin, ref)).text == texts.BUTTON_EXPIRED
    assert (await crew.rows(Connection))[0].status == connection.status


# --- found while testing --------------------------------------------------------------------------


async def test_a_reply_edited_into_an_urgent_one_alerts_the_team(crew: Crew) -> None:
    await say(crew.standin, crew.person, "きょうは元気です")
    inbound_message_id = await _last_inbound_message_id(crew)
    crew.person.edit_text(inbound_message_id, URGENT)
    await crew.alerts_arrive(GROUP_ID, 1, within=1.0)


async def _last_inbound_message_id(crew: Crew) -> int:
    rows = await crew.rows(Inbound)
    assert rows and rows[-1].message_id is not None
    return int(rows[-1].message_id)
