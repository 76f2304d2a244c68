"""The Queue services against a real database (SQLite always, PostgreSQL when configured):
replies → escalations and alerts in the outbox, one item per person, claims, resolutions,
SLA rounds, the team's views, and every staff action re-checked against the database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import texts
from bot.domain import escalation as ladder
from bot.services import Services
from bot.teams import Teams
from storage import repo
from storage.models import Audit, Connection, EscalationSignal, Note, Outbox, Person
from storage.models import Team as TeamRow
from tests.bot.staffing import (
    ALERT_CHAT,
    COORD,
    HIGH,
    ORDINARY,
    OTHER_SUPPORTER,
    PERSON,
    SUPPORTER,
    URGENT,
    WATCH,
    Team,
    add_person,
    add_staff,
    next_update_id,
)
from tests.fakes import FakeClock

# --- replies → escalations -----------------------------------------------------------------


async def test_urgent_reply_opens_p1_alerts_team_chat_and_on_duty_and_sends_crisis_help(
    team: Team,
) -> None:
    assert await team.reply(PERSON, URGENT) == "crisis"
    [case] = await team.cases()
    assert (case.priority, case.reason, case.status) == (ladder.P1, ladder.DISTRESS, "open")
    assert case.next_alert_at == team.clock.now() + timedelta(minutes=10)
    alerts = await team.alerts()
    assert sorted(a.chat_id for a in alerts) == sorted([ALERT_CHAT, SUPPORTER])
    assert all(a.escalation_id == case.id and a.priority == 0 for a in alerts)
    assert all("田中さん" in a.payload["text"] and "P1" in a.payload["text"] for a in alerts)
    buttons = [label for row in alerts[0].payload["choices"] for label, _ in row]
    assert buttons == [texts.ALERT_CLAIM, texts.ALERT_RESOLVE, texts.ALERT_NOTE]
    [crisis] = await team.to_person()
    assert crisis.payload["text"] == texts.crisis_message(team.services.settings.crisis_resources)
    assert crisis.priority == 0  # goes out with the alerts, before anything else


async def test_a_redelivered_reply_is_assessed_once(team: Team) -> None:
    update_id = next_update_id()
    for _ in range(2):
        await team.services.record_message(
            update_id=update_id,
            telegram_user_id=PERSON,
            chat_id=PERSON,
            message_id=1,
            kind="text",
            text=URGENT,
        )
    assert await team.queue.assess_reply(update_id) == "crisis"
    assert await team.queue.assess_reply(update_id) is None
    assert len(await team.cases()) == 1
    assert len(await team.alerts()) == 2
    assert len(await team.to_person()) == 1


@pytest.mark.parametrize("text", [HIGH, "話したい"])
async def test_high_reply_or_asking_to_talk_is_p2_and_the_person_hears_someone_will_call(
    team: Team, text: str
) -> None:
    assert await team.reply(PERSON, text) == "contact_soon"
    [case] = await team.cases()
    assert case.priority == ladder.P2
    assert case.reason == (ladder.DISTRESS if text == HIGH else ladder.HELP_REQUEST)
    # P2: the team chat only, no private alert to the on-duty supporter.
    assert [a.chat_id for a in await team.alerts()] == [ALERT_CHAT]
    [answer] = await team.to_person()
    assert answer.payload["text"] == texts.CONTACT_SOON


async def test_what_the_person_hears_never_says_they_were_detected(team: Team) -> None:
    for text in (URGENT, HIGH, "話したい", WATCH, WATCH):
        await team.reply(PERSON, text)
        team.clock.advance(minutes=1)
    said = " ".join(o.payload["text"] for o in await team.to_person())
    for word in ("検知", "検出", "判定", "判断しました", "detect", "flag", "キーワード", "自動"):
        assert word not in said


async def test_one_watch_reply_alone_raises_nothing(team: Team) -> None:
    assert await team.reply(PERSON, WATCH) == "ack"
    assert await team.cases() == []
    assert await team.alerts() == []


async def test_two_watch_replies_within_seven_days_make_a_p3(team: Team) -> None:
    await team.reply(PERSON, WATCH)
    team.clock.advance(days=6, hours=23)
    await team.reply(PERSON, "しんどい")
    [case] = await team.cases()
    assert (case.priority, case.reason) == (ladder.P3, ladder.DISTRESS)
    assert [a.chat_id for a in await team.alerts()] == [ALERT_CHAT]


async def test_watch_replies_further_apart_than_the_window_raise_nothing(team: Team) -> None:
    await team.reply(PERSON, WATCH)
    team.clock.advance(days=7, minutes=1)
    await team.reply(PERSON, WATCH)
    assert await team.cases() == []


async def test_one_open_item_gathers_signals_and_rises_without_duplicates(team: Team) -> None:
    await team.reply(PERSON, "話したい")  # P2 help request
    team.clock.advance(minutes=5)
    await team.reply(PERSON, HIGH)  # also P2: gathered, no new alert
    [case] = await team.cases()
    assert (case.priority, case.reason) == (ladder.P2, ladder.HELP_REQUEST)
    assert len(await team.alerts()) == 1
    team.clock.advance(minutes=5)
    await team.reply(PERSON, URGENT)  # more serious: the same item rises, alerts again
    [case] = await team.cases()
    assert (case.priority, case.reason) == (ladder.P1, ladder.DISTRESS)
    assert case.next_alert_at == team.clock.now() + timedelta(minutes=10)
    raised = (await team.alerts())[1:]
    assert sorted(a.chat_id for a in raised) == sorted([ALERT_CHAT, SUPPORTER])
    assert all(a.payload["text"].startswith(texts.ALERT_PREFIX["raised"]) for a in raised)
    signals = await team.rows(EscalationSignal)
    assert [s.priority for s in signals] == [2, 2, 1]
    assert {s.escalation_id for s in signals} == {case.id}
    assert [a.action for a in await team.rows(Audit, Audit.action.like("escalation.%"))] == [
        "escalation.open",
        "escalation.gather",
        "escalation.raise",
    ]


async def test_a_resolved_item_plus_a_new_signal_opens_a_new_item(team: Team) -> None:
    await team.reply(PERSON, HIGH)
    [first] = await team.cases()
    assert (await team.queue.resolve(first.id, SUPPORTER, "contacted")).kind == "ok"
    team.clock.advance(hours=1)
    await team.reply(PERSON, "話したい")
    first, second = await team.cases()
    assert first.status == "resolved" and first.outcome == "contacted"
    assert second.status == "open" and second.reason == ladder.HELP_REQUEST
    assert (await team.alerts())[-1].escalation_id == second.id


async def test_unreachable_person_is_a_p3_item(team: Team) -> None:
    async with team.services.db.transaction() as session:
        person = await repo.person_by_user(session, PERSON)
        assert person is not None
        await team.queue.person_unreachable(session, person, team.clock.now())
    [case] = await team.cases()
    assert (case.priority, case.reason) == (ladder.P3, ladder.UNREACHABLE)
    [alert] = await team.alerts()
    assert alert.chat_id == ALERT_CHAT
    assert texts.REASON_LABELS["unreachable"] in alert.payload["text"]


async def test_with_no_team_chat_and_nobody_on_duty_every_member_is_told(
    services: Services, clock: FakeClock
) -> None:
    await add_staff(services, "coordinator", "山田", COORD)
    await add_staff(services, "supporter", "佐藤", SUPPORTER)
    await add_person(services, "田中さん", PERSON)
    world = Team(services, clock)
    await world.reply(PERSON, HIGH)
    assert sorted(a.chat_id for a in await world.alerts()) == [COORD, SUPPORTER]


# --- what the alert shows ---------------------------------------------------------------------


async def test_message_text_in_private_alerts_but_not_in_the_team_chat_by_default(
    team: Team,
) -> None:
    words = "もう死にたい、今夜は眠れない"
    await team.reply(PERSON, words)
    private = (await team.alerts(SUPPORTER))[0]
    group = (await team.alerts(ALERT_CHAT))[0]
    assert words in private.payload["text"] and private.payload["shows_text"] is True
    assert words not in group.payload["text"] and group.payload["shows_text"] is False
    assert "今夜は眠れない" not in group.payload["text"]


async def test_message_text_in_the_team_chat_when_the_team_shares_it(team: Team) -> None:
    async with team.services.db.transaction() as session:
        for row in await session.scalars(select(Person)):
            chat_team = await repo.team_by_id(session, row.team_id)
            assert chat_team is not None
            chat_team.share_text_in_team_chat = True
    await team.reply(PERSON, HIGH)
    [group] = await team.alerts(ALERT_CHAT)
    assert HIGH in group.payload["text"] and group.payload["shows_text"] is True


async def test_no_words_of_the_person_in_the_team_chat_by_default(team: Team) -> None:
    await team.reply(PERSON, "もう死にたい。誰にも会いたくない")
    [group] = await team.alerts(ALERT_CHAT)
    assert "誰にも会いたくない" not in group.payload["text"]  # today: 根拠：「誰にも会いたくない」
    assert "死にたい" not in group.payload["text"]


async def test_an_alert_fits_in_one_telegram_message_however_long_the_reply(team: Team) -> None:
    await team.reply(PERSON, URGENT + "。" + "つらい毎日が続いています。" * 300)
    for alert in await team.alerts():
        assert len(alert.payload["text"]) <= 4096


# --- claim ------------------------------------------------------------------------------------


async def test_two_concurrent_claims_have_one_winner(team: Team) -> None:
    await team.reply(PERSON, URGENT)
    [case] = await team.cases()
    results = await asyncio.gather(
        team.queue.claim(case.id, SUPPORTER), team.queue.claim(case.id, OTHER_SUPPORTER)
    )
    kinds = sorted(r.kind for r in results)
    assert kinds == ["ok", "taken"]
    winner = next(r for r in results if r.kind == "ok").name
    loser = next(r for r in results if r.kind == "taken")
    assert loser.name == winner
    [case] = await team.cases()
    assert case.status == "claimed"
    assert len(await team.audit("escalation.claim")) == 1
    # Pressing again is harmless for the holder.
    holder = SUPPORTER if winner == "佐藤" else OTHER_SUPPORTER
    assert (await team.queue.claim(case.id, holder)).kind == "ok"
    assert len(await team.audit("escalation.claim")) == 1


async def test_claim_moves_the_next_look_to_three_slas(team: Team) -> None:
    await team.reply(PERSON, URGENT)
    [case] = await team.cases()
    team.clock.advance(minutes=2)
    result = await team.queue.claim(case.id, SUPPORTER)
    assert result.kind == "ok" and result.name == "佐藤"
    [case] = await team.cases()
    assert case.next_alert_at == team.clock.now() + timedelta(minutes=30)


async def test_claim_edits_only_posted_copies_and_names_the_claimant(team: Team) -> None:
    await team.reply(PERSON, URGENT)
    [case] = await team.cases()
    alerts = await team.alerts()
    async with team.services.db.transaction() as session:
        for number, alert in enumerate(alerts, start=1):
            await team.queue.record_alert_sent(
                session, case.id, alert.chat_id, 100 + number, alert.payload["shows_text"]
            )
    result = await team.queue.claim(case.id, OTHER_SUPPORTER)
    assert {(e.chat_id, e.message_id) for e in result.edits} == {
        (a.chat_id, 100 + n) for n, a in enumerate(alerts, start=1)
    }
    for edit in result.edits:
        assert "鈴木さんが担当しています" in edit.message.text
        assert (URGENT in edit.message.text) == (edit.chat_id == SUPPORTER)


async def test_claims_from_outside_the_team_or_on_resolved_items_are_refused(
    team: Team,
) -> None:
    await team.reply(PERSON, URGENT)
    [case] = await team.cases()
    assert (await team.queue.claim(case.id, 999_999)).kind == "forbidden"  # not staff
    assert (await team.queue.claim(case.id, PERSON)).kind == "forbidden"  # the person
    assert (await team.queue.claim(case.id + 1000, SUPPORTER)).kind == "missing"
    # A coordinator's new team: its members are not members of the person's team.
    assert await team.services.queue.set_duty(COORD) is True
    async with team.services.db.transaction() as session:
        other = await repo.add_team(session, "北チーム", team.clock.now())
        assert other is not None
        staff = await repo.staff_by_user(session, OTHER_SUPPORTER)
        assert staff is not None
        await repo.remove_team_member(session, case.team_id, staff.id)
        await repo.add_team_member(session, other.id, staff.id)
    assert (await team.queue.claim(case.id, OTHER_SUPPORTER)).kind == "forbidden"
    assert (await team.queue.outcome_choices(case.id, OTHER_SUPPORTER)).kind == "forbidden"
    assert (await team.queue.resolve(case.id, OTHER_SUPPORTER, "contacted")).kind == "forbidden"
    assert (await team.queue.note_target(case.id, OTHER_SUPPORTER)).kind == "forbidden"
    assert (await team.cases())[0].status == "open"
    assert (await team.queue.note_target(case.id, SUPPORTER)).name == "田中さん"
    assert (await team.queue.resolve(case.id, SUPPORTER, "false_alarm")).kind == "ok"
    # A note can still be written after resolving; the button names the person.
    assert (await team.queue.note_target(case.id, SUPPORTER)).name == "田中さん"
    assert (await team.queue.note_target(case.id, OTHER_SUPPORTER)).kind == "forbidden"
    assert (await team.queue.claim(case.id, SUPPORTER)).kind == "resolved"
    assert (await team.queue.resolve(case.id, SUPPORTER, "visited")).kind == "resolved"
    [case] = await team.cases()
    assert case.outcome == "false_alarm"
    assert await team.audit("escalation.claim") == []


# --- resolve ----------------------------------------------------------------------------------


async def test_resolve_records_the_outcome_and_is_audited(team: Team) -> None:
    await team.reply(PERSON, HIGH)
    [case] = await team.cases()
    choices = await team.queue.outcome_choices(case.id, SUPPORTER)
    data = [c.data for row in choices.choices for c in row]
    assert data == [f"esc:{case.id}:out:{code}" for code in texts.OUTCOME_LABELS]
    assert (await team.queue.resolve(case.id, SUPPORTER, "nonsense")).kind == "forbidden"
    team.clock.advance(minutes=7)
    result = await team.queue.resolve(case.id, SUPPORTER, "visited")
    assert result.kind == "ok" and result.name == "田中さん"
    [case] = await team.cases()
    assert case.status == "resolved" and case.outcome == "visited"
    assert case.resolved_at == team.clock.now() and case.next_alert_at is None
    [audit] = await team.audit("escalation.resolve")
    assert audit.detail == {"escalation": case.id, "outcome": "visited"}
    assert audit.person_id == await team.person_id()


async def test_resolve_as_reconnected_only_with_the_persons_own_connection(
    team: Team, services: Services
) -> None:
    await add_person(services, "木村さん", 6102)
    for name, resource in (("田中さん", "包括センター"), ("木村さん", "フードバンク")):
        proposed = await team.queue.propose_connection(COORD, name, resource, "その他")
        assert proposed.kind == "ok"
    own, other = await team.rows(Connection)
    assert await team.queue.decide_connection(PERSON, own.id, granted=True) is not None
    await team.reply(PERSON, HIGH)
    [case] = await team.cases()
    choices = await team.queue.reconnect_choices(case.id, SUPPORTER)
    labels = [c.label for row in choices.choices for c in row]
    assert labels == ["包括センター", texts.RECONNECT_NONE]
    refused = await team.queue.resolve(case.id, SUPPORTER, "reconnected", other.id)
    assert refused.kind == "forbidden"
    assert (await team.queue.resolve(case.id, SUPPORTER, "reconnected", own.id)).kind == "ok"
    [case] = await team.cases()
    assert case.outcome_connection_id == own.id


# --- SLA ----------------------------------------------------------------------------------------


async def test_unclaimed_p1_realerts_the_team_then_reaches_the_coordinators(team: Team) -> None:
    await team.reply(PERSON, URGENT)
    first = len(await team.alerts())
    team.clock.advance(minutes=9, seconds=59)
    assert await team.queue.sla_sweep() == 0
    team.clock.advance(seconds=1)
    assert await team.queue.sla_sweep() == 2
    realert = (await team.alerts())[first:]
    assert sorted(a.chat_id for a in realert) == sorted([ALERT_CHAT, SUPPORTER])
    assert all(a.payload["text"].startswith(texts.ALERT_PREFIX["realert"]) for a in realert)
    assert await team.queue.sla_sweep() == 0  # once per round
    team.clock.advance(minutes=10)
    assert await team.queue.sla_sweep() == 3
    second = (await team.alerts())[first + 2 :]
    assert sorted(a.chat_id for a in second) == sorted([ALERT_CHAT, SUPPORTER, COORD])
    private = next(a for a in second if a.chat_id == COORD)
    assert private.payload["text"].startswith(texts.ALERT_PREFIX["coordinators"])
    assert URGENT in private.payload["text"]
    [case] = await team.cases()
    assert case.alert_rounds == 2
    assert len(await team.audit("escalation.realert")) == 2


async def test_a_claim_stops_the_realerts_until_the_claim_goes_stale(team: Team) -> None:
    await team.reply(PERSON, URGENT)
    [case] = await team.cases()
    team.clock.advance(minutes=5)
    assert (await team.queue.claim(case.id, OTHER_SUPPORTER)).kind == "ok"
    before = len(await team.alerts())
    team.clock.advance(minutes=29)
    assert await team.queue.sla_sweep() == 0
    team.clock.advance(minutes=1)
    assert await team.queue.sla_sweep() > 0
    stale = (await team.alerts())[before:]
    chats = {a.chat_id for a in stale}
    assert {ALERT_CHAT, OTHER_SUPPORTER} <= chats
    assert all(a.payload["text"].startswith(texts.ALERT_PREFIX["stale_claim"]) for a in stale)
    assert all("担当：鈴木さん" in a.payload["text"] for a in stale)
    assert len(await team.audit("escalation.stale_claim")) == 1


async def test_a_resolved_item_is_never_realerted(team: Team) -> None:
    await team.reply(PERSON, URGENT)
    [case] = await team.cases()
    await team.queue.resolve(case.id, SUPPORTER, "contacted")
    before = len(await team.alerts())
    team.clock.advance(days=3)
    assert await team.queue.sla_sweep() == 0
    assert len(await team.alerts()) == before


# --- staff views and actions -----------------------------------------------------------------


async def test_queue_lists_open_items_by_priority_then_age_with_the_claimant(
    team: Team, services: Services
) -> None:
    await add_person(services, "木村さん", 6102)
    await add_person(services, "小林さん", 6103)
    await team.reply(6102, HIGH)  # P2, oldest
    team.clock.advance(minutes=30)
    await team.reply(6103, "話したい")  # P2, newer
    team.clock.advance(minutes=30)
    await team.reply(PERSON, URGENT)  # P1, newest
    cases = {c.person_id: c for c in await team.cases()}
    tanaka = cases[await team.person_id(PERSON)]
    await team.queue.claim(tanaka.id, SUPPORTER)
    lines = await team.queue.queue_lines(COORD)
    assert lines is not None and len(lines) == 3
    assert "田中さん" in lines[0] and "佐藤さん" in lines[0] and "P1" in lines[0]
    assert "木村さん" in lines[1] and texts.UNCLAIMED in lines[1] and "1時間前" in lines[1]
    assert "小林さん" in lines[2] and "30分前" in lines[2]
    await team.queue.resolve(tanaka.id, SUPPORTER, "contacted")
    lines = await team.queue.queue_lines(SUPPORTER)
    assert lines is not None and [("田中さん" in line) for line in lines] == [False, False]
    assert await team.queue.queue_lines(PERSON) is None
    assert await team.queue.queue_lines(424242) is None


async def test_person_timeline_shows_history_and_every_read_is_audited(team: Team) -> None:
    await team.reply(PERSON, ORDINARY)
    team.clock.advance(minutes=3)
    await team.reply(PERSON, HIGH)
    await team.queue.add_note(SUPPORTER, "田中", "電話で話せた。来週訪問。")
    found, lines = await team.queue.person_timeline(OTHER_SUPPORTER, "田中")
    assert found.kind == "ok"
    shown = "\n".join(lines)
    assert ORDINARY in shown and HIGH in shown
    assert "電話で話せた。来週訪問。" in shown and "佐藤" in shown
    assert "P2" in shown
    [audit] = await team.audit("person.view")
    assert audit.person_id == await team.person_id()
    assert audit.actor_kind == "staff"
    # The person themselves, or a stranger, see nothing and leave no read.
    assert (await team.queue.person_timeline(PERSON, "田中"))[0].kind == "forbidden"
    assert (await team.queue.person_timeline(424242, "田中"))[0].kind == "forbidden"
    assert (await team.queue.person_timeline(SUPPORTER, "だれか"))[0].kind == "not_found"
    assert len(await team.audit("person.view")) == 1


async def test_a_note_is_stored_on_the_open_item_and_audited(team: Team) -> None:
    await team.reply(PERSON, HIGH)
    [case] = await team.cases()
    found = await team.queue.add_note(SUPPORTER, "田中さん", "折り返し待ち")
    assert found.kind == "ok"
    [note] = await team.rows(Note)
    assert (note.text, note.escalation_id) == ("折り返し待ち", case.id)
    [audit] = await team.audit("note.add")
    assert audit.person_id == await team.person_id()
    assert (await team.queue.add_note(PERSON, "田中さん", "x")).kind == "forbidden"
    assert len(await team.rows(Note)) == 1


async def test_handover_moves_the_claim(team: Team) -> None:
    await team.reply(PERSON, HIGH)
    [case] = await team.cases()
    await team.queue.claim(case.id, SUPPORTER)
    outcome, name, _edits = await team.queue.handover(SUPPORTER, "田中さん", "鈴木")
    assert (outcome, name) == ("ok", "鈴木")
    # The new holder is told through the outbox (never lost), by the giver's staff name.
    [notice] = [row for row in await team.rows(Outbox) if row.kind == "notice"]
    assert notice.chat_id == OTHER_SUPPORTER and "佐藤" in notice.payload["text"]
    [case] = await team.cases()
    assert case.status == "claimed"
    async with team.services.db.transaction() as session:
        holder = await repo.staff_by_id(session, case.claimed_by_staff_id or 0)
        assert holder is not None and holder.telegram_user_id == OTHER_SUPPORTER
    [audit] = await team.audit("escalation.handover")
    assert audit.detail is not None and audit.detail["escalation"] == case.id
    # Only the holder (or a coordinator) hands it on.
    assert (await team.queue.handover(SUPPORTER, "田中さん", "佐藤"))[0] == "forbidden"
    assert (await team.queue.handover(OTHER_SUPPORTER, "田中", "だれも"))[0] == "staff_not_found"
    assert (await team.queue.handover(PERSON, "田中さん", "鈴木"))[0] == "forbidden"
    assert (await team.queue.handover(COORD, "田中さん", "佐藤"))[0] == "ok"
    assert len(await team.audit("escalation.handover")) == 2


async def test_handover_without_an_open_item(team: Team) -> None:
    assert (await team.queue.handover(SUPPORTER, "田中さん", "鈴木"))[0] == "no_case"


# --- connections (つなげない選択) --------------------------------------------------------------


@pytest.mark.parametrize("granted", [True, False])
async def test_connection_is_decided_only_by_the_person(team: Team, granted: bool) -> None:
    found = await team.queue.propose_connection(SUPPORTER, "田中さん", "包括センター", "行政")
    assert found.kind == "ok"
    [connection] = await team.rows(Connection)
    assert connection.status == "proposed"
    [question] = await team.to_person()
    assert "包括センター" in question.payload["text"]
    # Nobody else can answer for the person.
    assert await team.queue.decide_connection(SUPPORTER, connection.id, granted=True) is None
    assert await team.queue.decide_connection(424242, connection.id, granted=True) is None
    answer = await team.queue.decide_connection(PERSON, connection.id, granted=granted)
    assert answer == (
        texts.connection_granted("包括センター") if granted else texts.CONNECTION_DECLINED
    )
    [connection] = await team.rows(Connection)
    assert connection.status == ("active" if granted else "declined")
    assert await team.queue.decide_connection(PERSON, connection.id, granted=not granted) is None
    actions = [a.action for a in await team.rows(Audit, Audit.action.like("connection.%"))]
    assert actions == ["connection.propose", f"connection.{connection.status}"]
    notice = (await team.rows(Outbox, Outbox.chat_id == SUPPORTER))[-1]
    assert "包括センター" in notice.payload["text"]


# --- concurrency on one person --------------------------------------------------------------


async def test_concurrent_replies_from_one_person_still_make_one_item(
    team: Team,
) -> None:
    update_ids = []
    for text in (URGENT, HIGH, "話したい", URGENT):
        update_id = next_update_id()
        await team.services.record_message(
            update_id=update_id,
            telegram_user_id=PERSON,
            chat_id=PERSON,
            message_id=update_id,
            kind="text",
            text=text,
        )
        update_ids.append(update_id)
    await asyncio.gather(*(team.queue.assess_reply(u) for u in update_ids))
    cases = await team.cases()
    assert len(cases) == 1
    assert cases[0].priority == ladder.P1


async def test_alert_chat_for_a_named_team_of_the_coordinator(team: Team) -> None:
    assert (await Teams(team.services.db, team.clock).new_team(COORD, "東区チーム")) == "ok"
    chosen = await team.queue.set_alert_chat(COORD, -100777, "東区チーム")
    assert chosen is not None and chosen.name == "東区チーム"
    # A team the coordinator is not in, or an unknown one, changes nothing: the coordinator
    # is given their own teams to choose from; anyone else, nothing.
    assert await team.queue.set_alert_chat(COORD, -100778, "西区チーム") == (
        "default",
        "東区チーム",
    )
    assert await team.queue.set_alert_chat(SUPPORTER, -100779, "東区チーム") is None
    # With two teams, no name does not silently pick one.
    assert await team.queue.set_alert_chat(COORD, -100780) == ("default", "東区チーム")
    async with team.services.db.transaction() as session:
        alert_chats = {t.alert_chat_id for t in (await session.scalars(select(TeamRow))).all()}
    assert -100780 not in alert_chats and -100777 in alert_chats
