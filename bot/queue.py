"""The supporters' queue: assessing replies, raising escalations, alerting the team,
claim / hand over / resolve, SLA re-alerts, notes, and connections with consent.

Like `bot.services`, this knows the store and the clock, never Telegram. Every staff action
re-checks the caller's role and team membership against the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from bot import texts
from bot.channel import Choice, OutgoingMessage
from bot.clock import Clock
from bot.config import Settings
from bot.domain import consent, silence
from bot.domain import escalation as ladder
from bot.domain.checkin_policy import Rhythm, RhythmChoice, in_quiet_hours
from bot.domain.distress import assess
from bot.outbox import PRIORITY_ALERT, PRIORITY_REPLY, enqueue, enqueue_ack
from storage import repo
from storage.db import Database
from storage.models import (
    AlertMessage,
    Connection,
    Escalation,
    EscalationSignal,
    Inbound,
    Note,
    Person,
    Staff,
    Team,
)

log = logging.getLogger(__name__)

SLA_BATCH = 200


@dataclass(frozen=True)
class AlertEdit:
    """An alert message already posted, and its new text (no buttons once resolved)."""

    chat_id: int
    message_id: int
    message: OutgoingMessage


@dataclass(frozen=True)
class StaffActionResult:
    # ok: done; taken: someone else has it; resolved: already done; forbidden: not yours;
    # missing: no such thing.
    kind: Literal["ok", "taken", "resolved", "forbidden", "missing"]
    name: str | None = None  # the claimant (taken) or the person (ok)
    edits: list[AlertEdit] = field(default_factory=list)
    choices: tuple[tuple[Choice, ...], ...] = ()


@dataclass(frozen=True)
class Lookup:
    """A staff command's target person, after role and team checks."""

    kind: Literal["ok", "forbidden", "not_found", "ambiguous"]
    staff: Staff | None = None
    person: Person | None = None


def _minutes(later: datetime, earlier: datetime | None) -> int | None:
    if earlier is None:
        return None
    return max(0, int((later - earlier).total_seconds() // 60))


def alert_choices(escalation_id: int) -> tuple[tuple[Choice, ...], ...]:
    return (
        (
            Choice(texts.ALERT_CLAIM, f"esc:{escalation_id}:claim"),
            Choice(texts.ALERT_RESOLVE, f"esc:{escalation_id}:resolve"),
            Choice(texts.ALERT_NOTE, f"esc:{escalation_id}:note"),
        ),
    )


class Rhythms(Protocol):
    """What the queue needs to know about people's rhythms (provided by Services)."""

    async def rhythm(self, session: Any, person: Person) -> Rhythm: ...

    async def rhythm_choice(self, session: Any, person: Person) -> RhythmChoice: ...

    async def schedule_next(self, session: Any, person: Person, after: datetime) -> object: ...


class Queue:
    def __init__(self, db: Database, clock: Clock, settings: Settings, rhythms: Rhythms) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.policy = settings.ladder()
        self.silence_policy = silence.SilencePolicy(
            missed_checkins=settings.silence_missed_checkins,
            quiet_days=settings.silence_quiet_days,
        )
        self.rhythms = rhythms

    # --- replies: assess, escalate, answer the person ---------------------------------------

    async def assess_reply(self, update_id: int, *, edited: bool = False) -> str | None:
        """Assess a stored reply (once), escalate if needed, queue the person's answer.

        Returns the kind of answer queued ("crisis", "contact_soon", "ack") or None when the
        reply was assessed before (a redelivery or retry). An edited reply is assessed again
        but not thanked again.
        """
        now = self.clock.now()
        async with self.db.transaction() as session:
            inbound = await repo.inbound_by_update(session, update_id)
            if inbound is None or inbound.level is not None:
                return None
            # The person's row is the lock that keeps one open item per person when two
            # replies are assessed at once (on PostgreSQL, by different instances).
            person = await repo.person_by_id(session, inbound.person_id, lock=True)
            if person is None:
                return None
            await self.sign_of_life(session, person, now)
            result = assess(inbound.text or "")
            level = str(result.level)
            categories = tuple(result.categories)
            inbound.level = level
            inbound.assessment = result.to_json_dict() | {"text": None}
            recent_watch = await repo.watch_replies_since(
                session, person.id, now - self.policy.watch_window
            )
            signal = ladder.reply_priority(level, categories, recent_watch, self.policy)
            if signal is not None:
                priority, reason = signal
                await self._escalate(session, person, priority, reason, inbound, level, now)
            answer = ladder.person_reply(level, categories)
            if edited and answer == "ack":
                return None
            await self._answer_person(session, person, answer, now)
            return answer

    async def _answer_person(
        self, session: Any, person: Person, answer: str, now: datetime
    ) -> None:
        if answer == "ack":
            await enqueue_ack(session, person, now, self.settings)
            return
        text = (
            texts.crisis_message(self.settings.crisis_resources)
            if answer == "crisis"
            else texts.CONTACT_SOON
        )
        await enqueue(
            session,
            chat_id=person.chat_id,
            kind="reply",
            person_id=person.id,
            message=OutgoingMessage(text),
            priority=PRIORITY_ALERT if answer == "crisis" else PRIORITY_REPLY,
            now=now,
        )

    async def person_unreachable(self, session: Any, person: Person, now: datetime) -> None:
        """The bot was blocked (403): a P3 "unreachable" item for the team."""
        await self._escalate(session, person, ladder.P3, ladder.UNREACHABLE, None, None, now)

    async def _escalate(
        self,
        session: Any,
        person: Person,
        priority: int,
        reason: str,
        inbound: Inbound | None,
        level: str | None,
        now: datetime,
    ) -> Escalation:
        case = await repo.open_case(session, person.id)
        state = ladder.CaseState(case.priority, case.reason, case.status) if case else None
        step = ladder.apply_signal(state, priority, reason)
        if case is None or step.action == "open":
            case = await repo.add_escalation(
                session,
                Escalation(
                    person_id=person.id,
                    team_id=person.team_id,
                    reason=step.reason,
                    priority=step.priority,
                    status=ladder.OPEN,
                    opened_at=now,
                    last_signal_at=now,
                    next_alert_at=ladder.next_alert_after(
                        ladder.OPEN, step.priority, now, self.policy
                    ),
                    alert_rounds=0,
                ),
            )
        else:
            case.last_signal_at = now
            if step.action == "raise":
                case.priority = step.priority
                case.reason = step.reason
                case.next_alert_at = ladder.next_alert_after(
                    case.status, step.priority, now, self.policy
                )
        await repo.add_signal(
            session,
            EscalationSignal(
                escalation_id=case.id,
                inbound_id=inbound.id if inbound else None,
                kind=reason,
                level=level,
                priority=priority,
                at=now,
            ),
        )
        await session.flush()
        if step.action in ("open", "raise"):
            await self._enqueue_alerts(
                session, case, person, "new" if step.action == "open" else "raised", now
            )
        await repo.add_audit(
            session,
            at=now,
            actor_kind="system",
            actor_id=None,
            action=f"escalation.{step.action}",
            person_id=person.id,
            detail={"escalation": case.id, "priority": case.priority, "reason": reason},
        )
        return case

    # --- alerts -------------------------------------------------------------------------

    async def _render(
        self,
        session: Any,
        case: Escalation,
        person: Person,
        kind: str,
        now: datetime,
        *,
        shows_text: bool,
        claimant: str | None = None,
    ) -> str:
        inbound = await repo.latest_signal_inbound(session, case.id)
        assessment = (inbound.assessment if inbound else None) or {}
        return texts.alert_text(
            kind=kind,
            person_name=person.display_name,
            priority=case.priority,
            reason=case.reason,
            level=inbound.level if inbound else None,
            categories=list(assessment.get("categories", [])),
            # Evidence spans are the person's own words: only where the text may be shown.
            evidence=[e.get("span", "") for e in assessment.get("evidence", [])]
            if shows_text
            else [],
            message_text=(inbound.text if inbound and shows_text else None),
            last_contact_minutes=_minutes(now, person.last_contact_at),
            case_age_minutes=_minutes(now, case.opened_at) or 0,
            claimant=claimant,
        )

    async def _enqueue_alerts(
        self,
        session: Any,
        case: Escalation,
        person: Person,
        kind: str,
        now: datetime,
        *,
        to_coordinators: bool = False,
    ) -> int:
        """Queue the alert for the team chat, on-duty supporters (P1) and, on the second
        unclaimed round, the coordinators. Nobody on any list: every team member privately."""
        team = await repo.team_by_id(session, case.team_id)
        members = list(await repo.team_staff(session, case.team_id))
        targets: dict[int, bool] = {}  # chat id -> may show the person's words
        if team is not None and team.alert_chat_id is not None:
            targets[team.alert_chat_id] = team.share_text_in_team_chat
        if case.priority == ladder.P1 or kind == "stale_claim":
            for staff in members:
                if staff.on_duty or (
                    kind == "stale_claim" and staff.id == case.claimed_by_staff_id
                ):
                    targets[staff.chat_id] = True
        if to_coordinators:
            for staff in members:
                if staff.role == "coordinator":
                    targets[staff.chat_id] = True
        if not targets:
            targets = {staff.chat_id: True for staff in members}
        if not targets:
            log.error("escalation %s has nobody to alert in team %s", case.id, case.team_id)
            return 0
        claimant = None
        if case.claimed_by_staff_id is not None:
            holder = await repo.staff_by_id(session, case.claimed_by_staff_id)
            claimant = holder.display_name if holder else None
        for chat_id, shows_text in targets.items():
            text = await self._render(
                session, case, person, kind, now, shows_text=shows_text, claimant=claimant
            )
            await enqueue(
                session,
                chat_id=chat_id,
                kind="alert",
                escalation_id=case.id,
                message=OutgoingMessage(text, alert_choices(case.id)),
                extra={"shows_text": shows_text},
                priority=PRIORITY_ALERT,
                now=now,
            )
        return len(targets)

    async def record_alert_sent(
        self, session: Any, escalation_id: int, chat_id: int, message_id: int, shows_text: bool
    ) -> None:
        await repo.add_alert_message(
            session,
            AlertMessage(
                escalation_id=escalation_id,
                chat_id=chat_id,
                telegram_message_id=message_id,
                shows_text=shows_text,
            ),
        )

    async def refresh_copy(
        self, session: Any, escalation_id: int, shows_text: bool
    ) -> OutgoingMessage | None:
        """A copy that went out after the item was claimed or resolved must say so: the text
        it should show now, or None if it is still current."""
        case = await repo.escalation_by_id(session, escalation_id)
        if case is None or case.status == ladder.OPEN:
            return None
        person = await repo.person_by_id(session, case.person_id)
        if person is None or case.claimed_by_staff_id is None:
            return None
        return await self._alert_as_now(session, case, person, self.clock.now(), shows_text)

    async def _alert_as_now(
        self,
        session: Any,
        case: Escalation,
        person: Person,
        now: datetime,
        shows_text: bool,
        resolved_by: str | None = None,
    ) -> OutgoingMessage:
        """An alert copy as the item stands: who has it, or how it was resolved (and by whom,
        when `resolved_by` names someone other than the holder)."""
        base = await self._render(session, case, person, "new", now, shows_text=shows_text)
        holder = await repo.staff_by_id(session, case.claimed_by_staff_id or 0)
        holder_name = holder.display_name if holder else ""
        if case.status == ladder.RESOLVED:
            return OutgoingMessage(
                texts.alert_resolved(base, case.outcome or "", resolved_by or holder_name)
            )
        if case.status == ladder.CLAIMED:
            return OutgoingMessage(texts.alert_claimed(base, holder_name), alert_choices(case.id))
        return OutgoingMessage(base, alert_choices(case.id))

    async def sla_sweep(self) -> int:
        """Re-alert unclaimed items after their SLA; surface stale claims. Returns alerts queued."""
        now = self.clock.now()
        queued = 0
        async with self.db.transaction() as session:
            for case in await repo.escalations_due(session, now, SLA_BATCH):
                step = ladder.sla_step(
                    case.status,
                    case.priority,
                    case.alert_rounds,
                    case.next_alert_at,
                    now,
                    self.policy,
                )
                if step is None:
                    continue
                person = await repo.person_by_id(session, case.person_id)
                if person is None:
                    continue
                case.alert_rounds += 1
                case.next_alert_at = step.next_alert_at
                kind = "coordinators" if step.to_coordinators else step.action
                queued += await self._enqueue_alerts(
                    session, case, person, kind, now, to_coordinators=step.to_coordinators
                )
                await repo.add_audit(
                    session,
                    at=now,
                    actor_kind="system",
                    actor_id=None,
                    action=f"escalation.{step.action}",
                    person_id=person.id,
                    detail={"escalation": case.id, "round": case.alert_rounds},
                )
        return queued

    # --- silence ------------------------------------------------------------------------

    async def silence_sweep(self) -> tuple[int, int]:
        """Judge quiet people against their own rhythm. Returns (follow-ups, escalations)."""
        now = self.clock.now()
        followups = escalations = 0
        quiet_before = now - timedelta(hours=12)
        async with self.db.transaction() as session:
            people = await repo.silence_candidates(
                session, quiet_before, now - timedelta(hours=1), SLA_BATCH
            )
            for person in people:
                person.silence_checked_at = now
                moments = (person.last_contact_at, person.active_since, person.consented_at)
                since = max((m for m in moments if m is not None), default=now)
                history = [
                    silence.SentCheckin(c.sent_at, c.answered_at)
                    for c in await repo.sent_checkins(session, person.id, None, 40)
                    if c.sent_at is not None
                ]
                recent = [c for c in history if c.sent_at > since]
                # The rhythm comes from before this quiet spell, or the spell would excuse itself.
                before = [c for c in history if c.sent_at <= since]
                judgement = silence.judge(
                    now=now,
                    since=since,
                    checkins_since=recent,
                    rhythm=silence.learn_rhythm(before),
                    follow_up_sent_at=person.silence_followup_at,
                    policy=self.silence_policy,
                )
                if judgement.priority is not None:
                    case = await repo.open_case(session, person.id)
                    if case is None or case.priority > judgement.priority:
                        await self._escalate(
                            session, person, judgement.priority, ladder.SILENCE, None, None, now
                        )
                        escalations += 1
                elif judgement.follow_up and not await self._in_quiet_hours(session, person, now):
                    person.silence_followup_at = now
                    index = person.id % len(texts.SILENCE_FOLLOW_UPS)
                    await enqueue(
                        session,
                        chat_id=person.chat_id,
                        kind="followup",
                        person_id=person.id,
                        message=OutgoingMessage(texts.SILENCE_FOLLOW_UPS[index]),
                        priority=PRIORITY_REPLY,
                        now=now,
                    )
                    followups += 1
        return followups, escalations

    async def _in_quiet_hours(self, session: Any, person: Person, now: datetime) -> bool:
        return in_quiet_hours(await self.rhythms.rhythm(session, person), now)

    async def sign_of_life(self, session: Any, person: Person, now: datetime) -> None:
        """Any message ends a silence: the open silence item learns of it, the team is told."""
        case = await repo.open_case(session, person.id)
        if case is None or case.reason != ladder.SILENCE:
            return
        case.last_signal_at = now
        await repo.add_signal(
            session,
            EscalationSignal(
                escalation_id=case.id,
                inbound_id=None,
                kind="contact",
                level=None,
                priority=case.priority,
                at=now,
            ),
        )
        await self._enqueue_alerts(session, case, person, "contact", now)

    # --- staff actions on alerts ----------------------------------------------------------

    async def _staff_for(self, session: Any, telegram_user_id: int) -> Staff | None:
        return await repo.staff_by_user(session, telegram_user_id)

    async def _edits(
        self,
        session: Any,
        case: Escalation,
        person: Person,
        now: datetime,
        resolved_by: str | None = None,
    ) -> list[AlertEdit]:
        """Bring every copy of the alert up to date with the item's state."""
        # Copies still waiting in the outbox (e.g. retrying after a 5xx) go out up to date.
        for waiting in await repo.pending_alerts(session, case.id):
            shows = bool(waiting.payload.get("shows_text"))
            message = await self._alert_as_now(session, case, person, now, shows, resolved_by)
            waiting.payload = message.to_payload() | {"shows_text": shows}
        edits = []
        for posted in await repo.alert_messages(session, case.id):
            message = await self._alert_as_now(
                session, case, person, now, posted.shows_text, resolved_by
            )
            edits.append(AlertEdit(posted.chat_id, posted.telegram_message_id, message))
        return edits

    async def claim(self, escalation_id: int, telegram_user_id: int) -> StaffActionResult:
        now = self.clock.now()
        async with self.db.transaction() as session:
            staff = await self._staff_for(session, telegram_user_id)
            case = await repo.escalation_by_id(session, escalation_id)
            if staff is None or case is None:
                return StaffActionResult("forbidden" if staff is None else "missing")
            if not await repo.is_team_member(session, case.team_id, staff.id):
                return StaffActionResult("forbidden")
            if case.status == ladder.RESOLVED:
                return StaffActionResult("resolved")
            next_alert = ladder.next_alert_after(ladder.CLAIMED, case.priority, now, self.policy)
            if not await repo.claim_escalation(session, case.id, staff.id, now, next_alert):
                await session.refresh(case)
                if case.status == ladder.RESOLVED:
                    return StaffActionResult("resolved")
                holder = await repo.staff_by_id(session, case.claimed_by_staff_id or 0)
                if holder is not None and holder.id == staff.id:
                    return StaffActionResult("ok", name=staff.display_name)
                return StaffActionResult("taken", name=holder.display_name if holder else None)
            await session.refresh(case)
            person = await repo.person_by_id(session, case.person_id)
            assert person is not None
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=staff.id,
                action="escalation.claim",
                person_id=person.id,
                detail={"escalation": case.id},
            )
            edits = await self._edits(session, case, person, now)
            return StaffActionResult("ok", name=staff.display_name, edits=edits)

    async def outcome_choices(self, escalation_id: int, telegram_user_id: int) -> StaffActionResult:
        """The resolve button: check the caller, then offer outcomes."""
        async with self.db.transaction() as session:
            checked = await self._check_case(session, escalation_id, telegram_user_id)
            if isinstance(checked, StaffActionResult):
                return checked
            case, _staff, person = checked
            rows = [
                Choice(label, f"esc:{case.id}:out:{code}")
                for code, label in texts.OUTCOME_LABELS.items()
            ]
            return StaffActionResult(
                "ok", name=person.display_name, choices=(tuple(rows[:3]), tuple(rows[3:]))
            )

    async def reconnect_choices(
        self, escalation_id: int, telegram_user_id: int
    ) -> StaffActionResult:
        async with self.db.transaction() as session:
            checked = await self._check_case(session, escalation_id, telegram_user_id)
            if isinstance(checked, StaffActionResult):
                return checked
            case, _staff, person = checked
            active = [
                c for c in await repo.person_connections(session, person.id) if c.status == "active"
            ]
            rows = [(Choice(c.resource, f"esc:{case.id}:rc:{c.id}"),) for c in active]
            rows.append((Choice(texts.RECONNECT_NONE, f"esc:{case.id}:rc:0"),))
            return StaffActionResult("ok", name=person.display_name, choices=tuple(rows))

    async def note_target(self, escalation_id: int, telegram_user_id: int) -> StaffActionResult:
        """The note button: who a note on this item (open or resolved) would be about."""
        async with self.db.transaction() as session:
            checked = await self._check_case(
                session, escalation_id, telegram_user_id, allow_resolved=True
            )
            if isinstance(checked, StaffActionResult):
                return checked
            return StaffActionResult("ok", name=checked[2].display_name)

    async def _check_case(
        self,
        session: Any,
        escalation_id: int,
        telegram_user_id: int,
        allow_resolved: bool = False,
    ) -> tuple[Escalation, Staff, Person] | StaffActionResult:
        staff = await self._staff_for(session, telegram_user_id)
        case = await repo.escalation_by_id(session, escalation_id, lock=not allow_resolved)
        if staff is None:
            return StaffActionResult("forbidden")
        if case is None:
            return StaffActionResult("missing")
        if not await repo.is_team_member(session, case.team_id, staff.id):
            return StaffActionResult("forbidden")
        if case.status == ladder.RESOLVED and not allow_resolved:
            return StaffActionResult("resolved")
        person = await repo.person_by_id(session, case.person_id)
        if person is None:
            return StaffActionResult("missing")
        return case, staff, person

    async def resolve(
        self,
        escalation_id: int,
        telegram_user_id: int,
        outcome: str,
        connection_id: int | None = None,
    ) -> StaffActionResult:
        if outcome not in ladder.OUTCOMES:
            return StaffActionResult("forbidden")
        now = self.clock.now()
        async with self.db.transaction() as session:
            checked = await self._check_case(session, escalation_id, telegram_user_id)
            if isinstance(checked, StaffActionResult):
                return checked
            case, staff, person = checked
            if connection_id:
                connection = await repo.connection_by_id(session, connection_id)
                if connection is None or connection.person_id != person.id:
                    return StaffActionResult("forbidden")
            case.status = ladder.RESOLVED
            case.resolved_at = now
            case.outcome = outcome
            case.outcome_connection_id = connection_id or None
            case.next_alert_at = None
            if case.claimed_by_staff_id is None:
                case.claimed_by_staff_id = staff.id
                case.claimed_at = now
            # Gentle watching after the return: daily check-ins for a while, then back to
            # the usual rhythm by themselves.
            if self.settings.tighten_days > 0 and consent.receives_checkins(person.status):
                person.tight_until = now + timedelta(days=self.settings.tighten_days)
                await self.rhythms.schedule_next(session, person, now)
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=staff.id,
                action="escalation.resolve",
                person_id=person.id,
                detail={"escalation": case.id, "outcome": outcome},
            )
            edits = await self._edits(session, case, person, now, staff.display_name)
            return StaffActionResult("ok", name=person.display_name, edits=edits)

    # --- staff commands -----------------------------------------------------------------

    async def find_person(self, session: Any, telegram_user_id: int, name: str) -> Lookup:
        staff = await self._staff_for(session, telegram_user_id)
        if staff is None:
            return Lookup("forbidden")
        team_ids = await repo.staff_team_ids(session, staff.id)
        people = await repo.people_by_name(session, team_ids, name)
        if not people:
            return Lookup("not_found", staff=staff)
        if len(people) > 1:
            return Lookup("ambiguous", staff=staff)
        return Lookup("ok", staff=staff, person=people[0])

    async def add_note(self, telegram_user_id: int, name: str, text: str) -> Lookup:
        now = self.clock.now()
        async with self.db.transaction() as session:
            found = await self.find_person(session, telegram_user_id, name)
            if found.kind != "ok" or found.person is None or found.staff is None:
                return found
            case = await repo.open_case(session, found.person.id)
            await repo.add_note(
                session,
                Note(
                    person_id=found.person.id,
                    staff_id=found.staff.id,
                    escalation_id=case.id if case else None,
                    text=text,
                    at=now,
                ),
            )
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=found.staff.id,
                action="note.add",
                person_id=found.person.id,
            )
            return found

    async def handover(
        self, telegram_user_id: int, person_name: str, to_name: str
    ) -> tuple[str, str | None, list[AlertEdit]]:
        """Hand the person's open item to another team member (told through the outbox).

        Returns (outcome, new holder's name, alert edits); outcome is one of
        ok / forbidden / not_found / ambiguous / no_case / staff_not_found.
        """
        now = self.clock.now()
        async with self.db.transaction() as session:
            found = await self.find_person(session, telegram_user_id, person_name)
            if found.kind != "ok" or found.person is None or found.staff is None:
                return found.kind, None, []
            case = await repo.open_case(session, found.person.id)
            if case is None:
                return "no_case", None, []
            # The holder hands over; a coordinator may reassign; an unclaimed item may be
            # assigned by anyone in the team.
            holder = case.claimed_by_staff_id
            if holder not in (None, found.staff.id) and found.staff.role != "coordinator":
                return "forbidden", None, []
            targets = list(await repo.staff_by_name(session, [case.team_id], to_name))
            if len(targets) != 1:
                return "staff_not_found", None, []
            target = targets[0]
            case.status = ladder.CLAIMED
            case.claimed_by_staff_id = target.id
            case.claimed_at = now
            if target.id != found.staff.id:
                notice = texts.handed_to_you(found.person.display_name, found.staff.display_name)
                await enqueue(
                    session,
                    chat_id=target.chat_id,
                    kind="notice",
                    message=OutgoingMessage(notice),
                    priority=PRIORITY_REPLY,
                    now=now,
                )
            case.next_alert_at = ladder.next_alert_after(
                ladder.CLAIMED, case.priority, now, self.policy
            )
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=found.staff.id,
                action="escalation.handover",
                person_id=found.person.id,
                detail={"escalation": case.id, "to": target.id},
            )
            edits = await self._edits(session, case, found.person, now)
            return "ok", target.display_name, edits

    async def propose_connection(
        self, telegram_user_id: int, person_name: str, resource: str, resource_type: str
    ) -> Lookup:
        """Ask the person, by button, whether the resource may be told about them."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            found = await self.find_person(session, telegram_user_id, person_name)
            if found.kind != "ok" or found.person is None or found.staff is None:
                return found
            person = found.person
            if not consent.is_enrolled(person.status):
                return Lookup("not_found", staff=found.staff)
            connection = await repo.add_connection(
                session,
                Connection(
                    person_id=person.id,
                    resource=resource,
                    resource_type=resource_type,
                    proposed_by_staff_id=found.staff.id,
                    status="proposed",
                    proposed_at=now,
                ),
            )
            question = OutgoingMessage(
                texts.connection_question(resource),
                (
                    (
                        Choice(texts.CONSENT_YES, f"conn:{connection.id}:yes"),
                        Choice(texts.CONSENT_NO, f"conn:{connection.id}:no"),
                    ),
                ),
            )
            await enqueue(
                session,
                chat_id=person.chat_id,
                kind="question",
                person_id=person.id,
                message=question,
                priority=PRIORITY_REPLY,
                now=now,
            )
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=found.staff.id,
                action="connection.propose",
                person_id=person.id,
                detail={"connection": connection.id},
            )
            return found

    async def decide_connection(
        self, telegram_user_id: int, connection_id: int, granted: bool
    ) -> str | None:
        """The person's はい/いいえ. Returns the person's reply text, or None if not theirs."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id)
            connection = await repo.connection_by_id(session, connection_id)
            if (
                person is None
                or connection is None
                or connection.person_id != person.id
                or connection.status != "proposed"
            ):
                return None
            connection.status = "active" if granted else "declined"
            connection.decided_at = now
            await repo.add_audit(
                session,
                at=now,
                actor_kind="person",
                actor_id=person.id,
                action=f"connection.{connection.status}",
                person_id=person.id,
                detail={"connection": connection.id},
            )
            proposer = await repo.staff_by_id(session, connection.proposed_by_staff_id)
            if proposer is not None:
                notice = texts.connect_answered(person.display_name, connection.resource, granted)
                await enqueue(
                    session,
                    chat_id=proposer.chat_id,
                    kind="notice",
                    message=OutgoingMessage(notice),
                    priority=PRIORITY_REPLY,
                    now=now,
                )
            if granted:
                return texts.connection_granted(connection.resource)
            return texts.CONNECTION_DECLINED

    async def queue_lines(self, telegram_user_id: int) -> list[str] | None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            staff = await self._staff_for(session, telegram_user_id)
            if staff is None:
                return None
            team_ids = await repo.staff_team_ids(session, staff.id)
            lines = []
            for case, person_name, claimant in await repo.team_queue(session, team_ids):
                age_minutes = _minutes(now, case.opened_at) or 0
                lines.append(
                    texts.queue_line(case.priority, person_name, case.reason, age_minutes, claimant)
                )
            return lines

    async def person_timeline(self, telegram_user_id: int, name: str) -> tuple[Lookup, list[str]]:
        """The team's view of one person. Every read is audited."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            found = await self.find_person(session, telegram_user_id, name)
            if found.kind != "ok" or found.person is None or found.staff is None:
                return found, []
            person = found.person
            tz = self.settings.zone
            lines = [
                texts.timeline_head(person.display_name, person.status),
                texts.timeline_contact(
                    _minutes(now, person.last_contact_at),
                    person.checkins_sent,
                    person.checkins_answered,
                ),
            ]
            choice = await self.rhythms.rhythm_choice(session, person)
            spec, source = choice.schedule, choice.source
            tight = person.tight_until if person.tight_until and person.tight_until > now else None
            lines.append(
                texts.rhythm_line(
                    spec, source, texts.local_date(tight.astimezone(tz)) if tight else None
                )
            )
            checkins = await repo.person_checkins(session, person.id, 5)
            if checkins:
                lines.append(texts.TIMELINE_CHECKINS)
                lines.extend(
                    texts.timeline_checkin(c.slot_at.astimezone(tz), c.status, c.answer)
                    for c in checkins
                )
            replies = await repo.person_inbound(session, person.id, 10)
            if replies:
                lines.append(texts.TIMELINE_REPLIES)
                lines.extend(
                    texts.timeline_reply(r.received_at.astimezone(tz), r.level, r.text, r.kind)
                    for r in replies
                )
            cases = await repo.person_escalations(session, person.id)
            if cases:
                lines.append(texts.TIMELINE_CASES)
                lines.extend(
                    texts.timeline_case(
                        case.opened_at.astimezone(tz), case.priority, case.reason, case.outcome
                    )
                    for case in cases[-5:]
                )
            notes = await repo.person_notes(session, person.id, 5)
            if notes:
                lines.append(texts.TIMELINE_NOTES)
                lines.extend(
                    texts.timeline_note(note.at.astimezone(tz), author, note.text)
                    for note, author in notes
                )
            connections = await repo.person_connections(session, person.id)
            if connections:
                lines.append(texts.TIMELINE_CONNECTIONS)
                lines.extend(texts.timeline_connection(c.resource, c.status) for c in connections)
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=found.staff.id,
                action="person.view",
                person_id=person.id,
            )
            return found, lines

    async def set_duty(self, telegram_user_id: int) -> bool | None:
        async with self.db.transaction() as session:
            staff = await self._staff_for(session, telegram_user_id)
            if staff is None:
                return None
            staff.on_duty = not staff.on_duty
            return staff.on_duty

    async def set_alert_chat(
        self, telegram_user_id: int, chat_id: int, team_name: str | None = None
    ) -> Team | tuple[str, ...] | None:
        """The group receives alerts of the named team (one of the coordinator's own), or of
        the coordinator's only team when no name is given. When that does not say which
        team, the coordinator's team names come back to choose from; None for anyone else.
        """
        now = self.clock.now()
        async with self.db.transaction() as session:
            staff = await self._staff_for(session, telegram_user_id)
            if staff is None or staff.role != "coordinator":
                return None
            teams = [
                await repo.team_by_id(session, i)
                for i in await repo.staff_team_ids(session, staff.id)
            ]
            own = [t for t in teams if t is not None]
            if not own:
                return None
            if team_name:
                matching = [t for t in own if t.name == team_name]
            else:
                matching = own if len(own) == 1 else []
            if not matching:
                return tuple(t.name for t in own)
            team = matching[0]
            team.alert_chat_id = chat_id
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=staff.id,
                action="team.alert_chat",
                detail={"team": team.id},
            )
            return team
