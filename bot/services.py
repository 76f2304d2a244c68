"""Use cases: what happens when someone opens an invite, consents, replies, pauses or stops,
and when check-ins come due or the sender reports back.

Services know the store (through `storage.repo`) and the clock, never Telegram: handlers
translate updates into these calls and render the results.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from bot import texts
from bot.channel import Choice, OutgoingMessage
from bot.clock import Clock
from bot.config import Settings
from bot.domain import consent
from bot.domain.checkin_policy import (
    FREQUENCIES,
    DueDecider,
    Plan,
    Rhythm,
    RhythmChoice,
    choose_rhythm,
    choose_variant,
    frequency_spec,
    in_quiet_hours,
    plan_after,
    upcoming_sends,
)
from bot.domain.invites import (
    ROLE_COORDINATOR,
    ROLE_PERSON,
    ROLES,
    InviteState,
    code_hash,
    invite_usable,
    looks_like_code,
    new_code,
)
from bot.outbox import PRIORITY_CHECKIN, outbox_row
from bot.queue import Queue
from schedules.spec import ScheduleSpecError, parse_schedule
from schedules.timing import QuietHoursError, parse_quiet_hours
from storage import repo
from storage.db import Database
from storage.models import ConsentRecord, Invite, Outbox, Person

log = logging.getLogger(__name__)


# Give up on a non-alert message after this many transient failures (alerts never give up).
MAX_ATTEMPTS = 12
# A batch costs ≈ 0.1–0.2 ms a person (rows, not ORM objects; bulk writes): 100 keep each
# transaction, and so a reply's wait for SQLite's one writer, to ≈ 10–20 ms.
SWEEP_BATCH = 100
SWEEP_PAUSE = 0.003
# The default outbox lease (settings.outbox_lease_seconds): a dead sender's rows go again after it.
LEASE = timedelta(minutes=10)
# The database lease naming the one instance that sends the outbox.
SENDER_LEASE = "outbox-sender"


class RhythmFields(Protocol):
    """What decides a person's rhythm: a `Person`, or a row of `repo.DUE_COLUMNS`."""

    @property
    def id(self) -> int: ...
    @property
    def timezone(self) -> str: ...
    @property
    def schedule_spec(self) -> str | None: ...
    @property
    def schedule_source(self) -> str | None: ...
    @property
    def quiet_hours(self) -> str | None: ...
    @property
    def schedule_anchor(self) -> date | None: ...
    @property
    def tight_until(self) -> datetime | None: ...


class DueRow(RhythmFields, Protocol):
    """A due person as the sweep reads them (a row of `repo.DUE_COLUMNS`)."""

    @property
    def chat_id(self) -> int: ...
    @property
    def team_schedule(self) -> str | None: ...
    @property
    def team_quiet(self) -> str | None: ...
    @property
    def next_slot_at(self) -> datetime | None: ...
    @property
    def next_checkin_at(self) -> datetime | None: ...
    @property
    def checkins_sent(self) -> int: ...


class NotAllowed(Exception):
    """The caller may not do this (role or team check failed)."""


@dataclass(frozen=True)
class Caller:
    kind: Literal["person", "staff", "unknown"]
    id: int | None = None
    status: str | None = None  # a person's status
    role: str | None = None  # a staff member's role


@dataclass(frozen=True)
class OpenInviteResult:
    # consent_needed: a person must now say はい/いいえ; staff_registered: role granted;
    # already_enrolled: nothing changed; not_usable: unknown, used or expired (no detail).
    kind: Literal["consent_needed", "staff_registered", "already_enrolled", "not_usable"]
    role: str | None = None
    schedule: str | None = None
    quiet_hours: str | None = None


@dataclass(frozen=True)
class ConsentResult:
    kind: Literal["granted", "declined", "not_pending"]
    next_send_local: datetime | None = None


@dataclass(frozen=True)
class ReplyResult:
    # stored: kept as contact; duplicate: seen before; not_consented: opened a link but no
    # はい yet; inactive: stopped/declined (nothing kept); unknown: not a person at all.
    kind: Literal["stored", "duplicate", "not_consented", "inactive", "unknown"]


@dataclass(frozen=True)
class CheckinAnswer:
    ok: bool
    label: str | None = None
    message_id: int | None = None
    answered_text: str | None = None


@dataclass(frozen=True)
class OutboxItem:
    """A leased outbox row, detached from the session, for the sender to deliver."""

    id: int
    chat_id: int
    kind: str
    message: OutgoingMessage
    attempts: int


class Services:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.queue = Queue(db, clock, settings, rhythms=self)

    # --- identity --------------------------------------------------------------------------

    async def identify(self, telegram_user_id: int) -> Caller:
        async with self.db.transaction() as session:
            staff = await repo.staff_by_user(session, telegram_user_id)
            if staff is not None:
                return Caller("staff", staff.id, role=staff.role)
            person = await repo.person_by_user(session, telegram_user_id)
            if person is not None:
                return Caller("person", person.id, status=person.status)
        return Caller("unknown")

    async def staff_chat_ids(self) -> list[int]:
        async with self.db.transaction() as session:
            return [staff.chat_id for staff in await repo.all_active_staff(session)]

    # --- invites ---------------------------------------------------------------------------

    async def create_invite(
        self, role: str, display_name: str, created_by_user_id: int | None = None
    ) -> str:
        """A new single-use code. `created_by_user_id` None means the operator's CLI."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        now = self.clock.now()
        code = new_code()
        async with self.db.transaction() as session:
            creator_id = None
            team_id = None
            if created_by_user_id is not None:
                staff = await repo.staff_by_user(session, created_by_user_id)
                if staff is None or staff.role != ROLE_COORDINATOR:
                    raise NotAllowed("only coordinators create invites")
                creator_id = staff.id
                # Invitees join the coordinator's (first) team.
                team_ids = await repo.staff_team_ids(session, staff.id)
                team_id = team_ids[0] if team_ids else None
            if team_id is None:
                team_id = (await repo.ensure_default_team(session, now)).id
            await repo.add_invite(
                session,
                Invite(
                    code_hash=code_hash(code),
                    role=role,
                    display_name=display_name,
                    team_id=team_id,
                    created_by_staff_id=creator_id,
                    created_at=now,
                    expires_at=now + timedelta(days=self.settings.invite_ttl_days),
                ),
            )
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff" if creator_id else "operator",
                actor_id=creator_id,
                action=f"invite.create.{role}",
            )
        return code

    async def open_invite(self, code: str, telegram_user_id: int, chat_id: int) -> OpenInviteResult:
        now = self.clock.now()
        if not looks_like_code(code):
            return OpenInviteResult("not_usable")
        async with self.db.transaction() as session:
            invite = await repo.invite_by_hash(session, code_hash(code))
            state = (
                InviteState(invite.role, invite.expires_at, invite.used_at)
                if invite is not None
                else None
            )
            if invite is None or not invite_usable(state, now):
                return OpenInviteResult("not_usable")
            if invite.role == ROLE_PERSON:
                return await self._open_person_invite(session, invite, telegram_user_id, chat_id)
            return await self._open_staff_invite(session, invite, telegram_user_id, chat_id)

    async def _open_person_invite(
        self, session: Any, invite: Invite, telegram_user_id: int, chat_id: int
    ) -> OpenInviteResult:
        now = self.clock.now()
        if await repo.staff_by_user(session, telegram_user_id) is not None:
            # Staff cannot also be a supported person on the same account.
            return OpenInviteResult("not_usable")
        person = await repo.person_by_user(session, telegram_user_id, lock=True)
        if person is not None and consent.is_enrolled(person.status):
            return OpenInviteResult("already_enrolled")
        if not await repo.consume_invite(session, invite.id, telegram_user_id, now):
            return OpenInviteResult("not_usable")
        if person is None:
            person = await repo.add_person(
                session,
                Person(
                    telegram_user_id=telegram_user_id,
                    chat_id=chat_id,
                    display_name=invite.display_name,
                    team_id=invite.team_id,
                    timezone=self.settings.timezone,
                    status=consent.INVITED,
                    created_at=now,
                    checkins_sent=0,
                    checkins_answered=0,
                    messages_received=0,
                ),
            )
        else:
            # Re-joining after stop/decline: a fresh start on the new invite.
            person.status = consent.INVITED
            person.display_name = invite.display_name
            person.team_id = invite.team_id
            person.chat_id = chat_id
            person.stopped_at = None
        await repo.add_audit(
            session,
            at=now,
            actor_kind="person",
            actor_id=person.id,
            action="invite.open",
            person_id=person.id,
        )
        rhythm = await self.rhythm(session, person)
        return OpenInviteResult(
            "consent_needed",
            role=ROLE_PERSON,
            schedule=rhythm.spec.canonical(),
            quiet_hours=rhythm.quiet.canonical(),
        )

    async def _open_staff_invite(
        self, session: Any, invite: Invite, telegram_user_id: int, chat_id: int
    ) -> OpenInviteResult:
        now = self.clock.now()
        person = await repo.person_by_user(session, telegram_user_id)
        if person is not None and consent.is_enrolled(person.status):
            return OpenInviteResult("not_usable")
        if not await repo.consume_invite(session, invite.id, telegram_user_id, now):
            return OpenInviteResult("not_usable")
        staff = await repo.upsert_staff(
            session,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            display_name=invite.display_name,
            role=invite.role,
            now=now,
        )
        await repo.add_team_member(session, invite.team_id, staff.id)
        await repo.add_audit(
            session,
            at=now,
            actor_kind="staff",
            actor_id=staff.id,
            action=f"staff.register.{invite.role}",
        )
        return OpenInviteResult("staff_registered", role=staff.role)

    # --- consent ---------------------------------------------------------------------------

    async def decide_consent(self, telegram_user_id: int, granted: bool) -> ConsentResult:
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id, lock=True)
            if person is None or person.status != consent.INVITED:
                return ConsentResult("not_pending")
            await repo.add_consent_record(
                session,
                ConsentRecord(
                    person_id=person.id,
                    scope=consent.SCOPE_CHECKINS,
                    decision=consent.GRANTED if granted else consent.REFUSED,
                    text_version=texts.CONSENT_TEXT_VERSION,
                    decided_at=now,
                ),
            )
            if not granted:
                person.status = consent.DECLINED
                person.next_slot_at = person.next_checkin_at = None
                return ConsentResult("declined")
            person.status = consent.ACTIVE
            person.consent_version = texts.CONSENT_TEXT_VERSION
            person.consented_at = now
            person.active_since = now
            person.last_contact_at = now
            person.schedule_anchor = now.astimezone(self.settings.zone).date()
            plan = await self.schedule_next(session, person, now)
            return ConsentResult("granted", plan.send_at.astimezone(_zone(person)))

    # --- replies ---------------------------------------------------------------------------

    async def record_message(
        self,
        *,
        update_id: int,
        telegram_user_id: int,
        chat_id: int,
        message_id: int | None,
        kind: str,
        text: str | None,
        checkin_id: int | None = None,
    ) -> ReplyResult:
        """Store a person's message as contact (deduplicated by update id), then acknowledge."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id, lock=True)
            if person is None:
                return ReplyResult("unknown")
            if person.status == consent.INVITED:
                return ReplyResult("not_consented")
            if not consent.is_enrolled(person.status):
                return ReplyResult("inactive")
            stored = await _store_contact(
                session, person, update_id, chat_id, message_id, kind, text, checkin_id, now
            )
        return ReplyResult("stored" if stored else "duplicate")

    async def record_contact(
        self, *, update_id: int, telegram_user_id: int, chat_id: int, kind: str
    ) -> bool:
        """A command or button press from an enrolled person: nothing of theirs to keep or
        assess, but a sign of life all the same (it ends a silence, like any message)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id, lock=True)
            if person is None or not consent.is_enrolled(person.status):
                return False
            # No words to assess: stored as assessed already.
            stored = await _store_contact(
                session, person, update_id, chat_id, None, kind, None, None, now, level="none"
            )
            if stored:
                await self.queue.sign_of_life(session, person, now)
            return stored

    async def record_edit(
        self, *, telegram_user_id: int, chat_id: int, message_id: int, text: str | None
    ) -> int | None:
        """Update a stored message's text; returns its update id so it is assessed again."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id)
            if person is None or not consent.is_enrolled(person.status):
                return None
            inbound = await repo.inbound_by_message(session, person.id, chat_id, message_id)
            if inbound is None:
                return None
            inbound.text = text
            inbound.edited_at = now
            inbound.level = None
            inbound.assessment = None
            return inbound.update_id

    async def answer_checkin(
        self, *, update_id: int, telegram_user_id: int, checkin_id: int, choice: str
    ) -> CheckinAnswer:
        """A one-tap answer to a check-in. The check-in must be this person's own."""
        label = texts.checkin_choice_label(choice)
        if label is None:
            return CheckinAnswer(False)
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id, lock=True)
            checkin = await repo.checkin_by_id(session, checkin_id)
            if (
                person is None
                or checkin is None
                or checkin.person_id != person.id
                or not consent.is_enrolled(person.status)
            ):
                return CheckinAnswer(False)
            stored = await _store_contact(
                session,
                person,
                update_id,
                person.chat_id,
                checkin.telegram_message_id,
                "button",
                label,
                checkin.id,
                now,
            )
            if stored:
                if checkin.answered_at is None:
                    person.checkins_answered += 1
                checkin.status = "answered"
                checkin.answered_at = now
                checkin.answer = choice
            original = texts.CHECKIN_VARIANTS[checkin.variant % len(texts.CHECKIN_VARIANTS)]
            return CheckinAnswer(
                True,
                label=label,
                message_id=checkin.telegram_message_id,
                answered_text=texts.checkin_answered(original, label),
            )

    # --- person controls -------------------------------------------------------------------

    async def pause(self, telegram_user_id: int, days: int) -> datetime | None:
        """Pause check-ins for `days`; returns the local end of the pause (None if not enrolled)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id, lock=True)
            if person is None or not consent.is_enrolled(person.status):
                return None
            person.status = consent.PAUSED
            person.paused_until = now + timedelta(days=days)
            person.next_slot_at = person.next_checkin_at = None
            await repo.cancel_queued_checkins(session, person.id)
            await repo.cancel_pending_outbox(session, person.id, ["checkin"])
            await repo.add_audit(
                session,
                at=now,
                actor_kind="person",
                actor_id=person.id,
                action="person.pause",
                person_id=person.id,
                detail={"days": days},
            )
            return person.paused_until.astimezone(_zone(person))

    async def resume(self, telegram_user_id: int) -> tuple[bool, datetime | None]:
        """End a pause. Returns (was_paused, local time of the next check-in)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id, lock=True)
            if person is None or not consent.is_enrolled(person.status):
                return False, None
            tz = _zone(person)
            if person.status == consent.ACTIVE:
                upcoming = person.next_checkin_at
                return False, upcoming.astimezone(tz) if upcoming else None
            person.status = consent.ACTIVE
            person.paused_until = None
            person.active_since = now
            plan = await self.schedule_next(session, person, now)
            await repo.add_audit(
                session,
                at=now,
                actor_kind="person",
                actor_id=person.id,
                action="person.resume",
                person_id=person.id,
            )
            return True, plan.send_at.astimezone(tz)

    async def stop(self, telegram_user_id: int) -> bool:
        """Stop at once: nothing more is sent; consent is recorded as withdrawn."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id, lock=True)
            if person is None or not consent.is_enrolled(person.status):
                return False
            person.status = consent.STOPPED
            person.stopped_at = now
            person.paused_until = None
            person.next_slot_at = person.next_checkin_at = None
            await repo.cancel_queued_checkins(session, person.id)
            await repo.cancel_pending_outbox(session, person.id, ["checkin", "ack"])
            await repo.add_consent_record(
                session,
                ConsentRecord(
                    person_id=person.id,
                    scope=consent.SCOPE_CHECKINS,
                    decision=consent.WITHDRAWN,
                    text_version=person.consent_version or texts.CONSENT_TEXT_VERSION,
                    decided_at=now,
                ),
            )
            await repo.add_audit(
                session,
                at=now,
                actor_kind="person",
                actor_id=person.id,
                action="person.stop",
                person_id=person.id,
            )
            return True

    async def is_enrolled(self, telegram_user_id: int) -> bool:
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id)
            return person is not None and consent.is_enrolled(person.status)

    # --- scheduling ------------------------------------------------------------------------

    async def rhythm_choice(self, session: Any, person: Person) -> RhythmChoice:
        """Which schedule and quiet hours apply to the person, and where they come from."""
        # A transaction may meet the same few teams again and again: keep them for the session.
        teams: dict[int, Any] = session.info.setdefault("teams", {})
        if person.team_id not in teams:
            teams[person.team_id] = await repo.team_by_id(session, person.team_id)
        team = teams[person.team_id]
        return self._choice_of(
            person,
            team.default_schedule if team else None,
            team.default_quiet_hours if team else None,
        )

    async def rhythm(self, session: Any, person: Person) -> Rhythm:
        """The person's rhythm: their own schedule, else the team's, else the configured one."""
        return self._rhythm_of(person, await self.rhythm_choice(session, person))

    def _choice_of(
        self, person: RhythmFields, team_schedule: str | None, team_quiet: str | None
    ) -> RhythmChoice:
        return choose_rhythm(
            person_schedule=person.schedule_spec,
            person_source=person.schedule_source,
            person_quiet=person.quiet_hours,
            team_schedule=team_schedule,
            team_quiet=team_quiet,
            default_schedule=self.settings.default_schedule,
            default_quiet=self.settings.quiet_hours,
        )

    def _rhythm_of(self, person: RhythmFields, choice: RhythmChoice) -> Rhythm:
        return Rhythm.build(
            schedule=choice.schedule,
            quiet_hours=choice.quiet_hours,
            timezone=person.timezone or self.settings.timezone,
            anchor=person.schedule_anchor,
            seed=f"person-{person.id}",
            jitter_minutes=self.settings.jitter_minutes,
            tight_until=person.tight_until,
        )

    async def schedule_next(self, session: Any, person: Person, after: datetime) -> Plan:
        plan = plan_after(await self.rhythm(session, person), after)
        person.next_slot_at = plan.slot
        person.next_checkin_at = plan.send_at
        return plan

    async def sweep(self) -> int:
        """Turn due slots into check-in + outbox rows, in batches; returns check-ins queued."""
        # People whose pause has ended first: active again, they may be due at once.
        while True:
            now = self.clock.now()
            async with self.db.transaction() as session:
                resumed = await repo.pause_ended_people(session, now, SWEEP_BATCH)
                for person in resumed:
                    person.status = consent.ACTIVE
                    person.paused_until = None
                    person.active_since = now
                    await self.schedule_next(session, person, now)
            if len(resumed) < SWEEP_BATCH:
                break
            await asyncio.sleep(SWEEP_PAUSE)
        queued = 0
        while True:
            async with self.db.transaction(background=True) as session:
                # The time at which the batch got its turn (giving way may take a moment).
                now = self.clock.now()
                due = await repo.due_people(session, now, SWEEP_BATCH)
                queued += await self._plan_batch(session, due, now)
            if len(due) < SWEEP_BATCH:
                return queued
            # A breath for the sender and for replies' work outside their transactions
            # (giving way only watches transactions).
            await asyncio.sleep(SWEEP_PAUSE)

    async def _plan_batch(self, session: Any, due: Sequence[DueRow], now: datetime) -> int:
        """Decide a batch of due people in Python, then write their next times, check-ins
        and outbox rows in three bulk statements (not round trips per person)."""
        if not due:
            return 0
        decider = DueDecider(now)
        count = len(texts.CHECKIN_VARIANTS)
        nexts: list[tuple[int, datetime, datetime]] = []
        wanted: list[dict[str, Any]] = []
        chats: dict[int, int] = {}
        for row in due:
            rhythm = self._rhythm_of(row, self._choice_of(row, row.team_schedule, row.team_quiet))
            decision = decider.decide(rhythm, row.next_slot_at or row.next_checkin_at or now)
            nexts.append((row.id, decision.next_plan.slot, decision.next_plan.send_at))
            if decision.send_slot is not None:
                chats[row.id] = row.chat_id
                wanted.append(
                    {
                        "person_id": row.id,
                        "slot_at": decision.send_slot,
                        "planned_at": now,
                        "status": "queued",
                        "variant": choose_variant(row.id, row.checkins_sent, count),
                    }
                )
        await repo.set_next_checkins(session, nexts)
        # A slot that already has a check-in is skipped: never send twice.
        created = await repo.add_checkins(session, wanted)
        outbox = [
            outbox_row(
                chat_id=chats[values["person_id"]],
                kind="checkin",
                person_id=values["person_id"],
                checkin_id=checkin_id,
                message=OutgoingMessage(
                    texts.CHECKIN_VARIANTS[values["variant"]],
                    choices=_checkin_choices(checkin_id),
                ),
                priority=PRIORITY_CHECKIN,
                now=now,
            )
            for values in wanted
            if (checkin_id := created.get(values["person_id"])) is not None
        ]
        await repo.add_outbox_many(session, outbox)
        return len(outbox)

    # --- outbox (used by the sender) -------------------------------------------------------

    async def claim_outbox(self, limit: int, holder: str = repo.INSTANCE_ID) -> list[OutboxItem]:
        """Lease up to `limit` ready messages. Check-ins that may no longer go are dropped here:
        the person stopped or paused, or it is now night for them (re-planned, never sent at
        night)."""
        now = self.clock.now()
        items: list[OutboxItem] = []
        async with self.db.transaction() as session:
            lease = timedelta(seconds=self.settings.outbox_lease_seconds)
            for row in await repo.claim_outbox(session, now, limit, lease, holder):
                if row.kind == "checkin" and not await self._checkin_may_go(session, row, now):
                    continue
                items.append(
                    OutboxItem(
                        id=row.id,
                        chat_id=row.chat_id,
                        kind=row.kind,
                        message=OutgoingMessage.from_payload(row.payload),
                        attempts=row.attempts,
                    )
                )
        return items

    async def _checkin_may_go(self, session: Any, row: Outbox, now: datetime) -> bool:
        person = await repo.person_by_id(session, row.person_id) if row.person_id else None
        reason = None
        if person is None or not consent.receives_checkins(person.status):
            reason = "person_inactive"
        elif person.unreachable_at is not None:
            reason = "unreachable"
        elif in_quiet_hours(await self.rhythm(session, person), now):
            reason = "quiet_hours"
        if reason is None:
            return True
        row.status = "cancelled"
        row.last_error = reason
        if row.checkin_id is not None:
            checkin = await repo.checkin_by_id(session, row.checkin_id)
            if checkin is not None and checkin.status == "queued":
                checkin.status = "cancelled"
        return False

    async def release_outbox(self, outbox_ids: Sequence[int], holder: str) -> None:
        """Rows leased but not sent (shutdown, or the sending role moved on) go back now."""
        if outbox_ids:
            async with self.db.transaction() as session:
                await repo.release_outbox(session, outbox_ids, holder)

    async def hold_sender_lease(self, holder: str, seconds: float) -> bool:
        """Take or renew the outbox-sending role for `holder`; False while another has it."""
        async with self.db.transaction() as session:
            return await repo.hold_lease(
                session, SENDER_LEASE, holder, self.clock.now(), timedelta(seconds=seconds)
            )

    async def drop_sender_lease(self, holder: str) -> None:
        async with self.db.transaction() as session:
            await repo.drop_lease(session, SENDER_LEASE, holder)

    async def take_over_outbox(self, holder: str, grace: float) -> int:
        """The new sender: rows the previous one leased come back within `grace` seconds
        (it stopped starting sends before its role expired; `grace` covers one in flight)."""
        async with self.db.transaction() as session:
            until = self.clock.now() + timedelta(seconds=grace)
            return await repo.shorten_foreign_outbox_leases(session, holder, until)

    async def mark_sent(self, outbox_id: int, message_id: int) -> OutgoingMessage | None:
        """Record a delivery. For an alert copy that went out after its item was claimed or
        resolved, returns the text it should show now (the sender edits it)."""
        update = None
        now = self.clock.now()
        async with self.db.transaction() as session:
            row = await repo.outbox_by_id(session, outbox_id)
            if row is None:
                return None
            row.status = "sent"
            row.sent_at = now
            row.lease_until = None
            row.telegram_message_id = message_id
            row.attempts += 1
            if row.escalation_id is not None:
                shows_text = bool(row.payload.get("shows_text"))
                await self.queue.record_alert_sent(
                    session, row.escalation_id, row.chat_id, message_id, shows_text
                )
                update = await self.queue.refresh_copy(session, row.escalation_id, shows_text)
            if row.checkin_id is not None:
                checkin = await repo.checkin_by_id(session, row.checkin_id)
                if checkin is not None:
                    checkin.telegram_message_id = message_id
                    checkin.sent_at = now
                    if checkin.status == "queued":
                        checkin.status = "sent"
                    person = await repo.person_by_id(session, checkin.person_id)
                    if person is not None:
                        person.checkins_sent += 1
        return update

    async def mark_retry(self, outbox_id: int, error: str, delay: float | None = None) -> None:
        """A transient failure (or 429): try again later, with backoff unless told a delay.

        A 429 (a `delay` given by Telegram) is about everyone's pace, not this message, so it
        does not count towards giving up.
        """
        now = self.clock.now()
        async with self.db.transaction() as session:
            row = await repo.outbox_by_id(session, outbox_id)
            if row is None:
                return
            if delay is None:
                row.attempts += 1
            row.last_error = error
            row.lease_until = None
            if row.kind != "alert" and row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                log.warning(
                    "outbox %s (%s) gave up after %s attempts", row.id, row.kind, row.attempts
                )
                return
            if delay is None:
                delay = min(2.0**row.attempts, 300.0) * random.uniform(0.8, 1.2)
            row.status = "pending"
            row.not_before = now + timedelta(seconds=delay)

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        async with self.db.transaction() as session:
            row = await repo.outbox_by_id(session, outbox_id)
            if row is None:
                return
            row.attempts += 1
            row.status = "failed"
            row.last_error = error
            row.lease_until = None
            log.warning("outbox %s (%s) failed permanently: %s", row.id, row.kind, error)

    async def mark_blocked(self, outbox_id: int) -> None:
        """Telegram said the person blocked the bot: stop sending to them."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            row = await repo.outbox_by_id(session, outbox_id)
            if row is None:
                return
            row.attempts += 1
            row.status = "failed"
            row.last_error = "blocked"
            row.lease_until = None
            if row.checkin_id is not None:
                checkin = await repo.checkin_by_id(session, row.checkin_id)
                if checkin is not None and checkin.status == "queued":
                    checkin.status = "cancelled"
            if row.person_id is not None:
                person = await repo.person_by_id(session, row.person_id, lock=True)
                if person is not None and person.unreachable_at is None:
                    person.unreachable_at = now
                    await repo.cancel_pending_outbox(session, person.id, ["checkin", "ack"])
                    await repo.cancel_queued_checkins(session, person.id)
                    await self.queue.person_unreachable(session, person, now)
                    await repo.add_audit(
                        session,
                        at=now,
                        actor_kind="system",
                        actor_id=None,
                        action="person.unreachable",
                        person_id=person.id,
                    )


def _checkin_choices(checkin_id: int) -> tuple[tuple[Choice, ...], ...]:
    buttons = [Choice(label, f"ci:{checkin_id}:{code}") for code, label in texts.CHECKIN_CHOICES]
    return (tuple(buttons[:3]), tuple(buttons[3:]))


async def _store_contact(
    session: Any,
    person: Person,
    update_id: int,
    chat_id: int,
    message_id: int | None,
    kind: str,
    text: str | None,
    checkin_id: int | None,
    now: datetime,
    level: str | None = None,
) -> bool:
    """Keep what the person sent (once per update) and count it as a sign of life."""
    stored = await repo.add_inbound(
        session,
        {
            "update_id": update_id,
            "person_id": person.id,
            "chat_id": chat_id,
            "message_id": message_id,
            "kind": kind,
            "text": text,
            "checkin_id": checkin_id,
            "received_at": now,
            "level": level,
        },
    )
    if stored:
        person.last_contact_at = now
        person.messages_received += 1
        person.unreachable_at = None
    return stored


def _zone(person: Person) -> ZoneInfo:
    return ZoneInfo(person.timezone)


@dataclass(frozen=True)
class ScheduleView:
    # ok / forbidden / not_found / bad_spec / bad_quiet
    kind: str
    person_name: str | None = None
    spec: str | None = None
    quiet: str | None = None
    source: str | None = None  # person / coordinator / team / default
    tight_until_local: datetime | None = None
    upcoming_local: tuple[datetime, ...] = ()
    error_code: str | None = None


class Schedules:
    """Schedules people can live with: coordinator overrides, the person's own choice, team
    defaults, and the phase of daily check-ins after an escalation (all visible to staff)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.db = services.db
        self.clock = services.clock
        self.settings = services.settings

    async def _coordinator_person(self, session: Any, user_id: int, name: str) -> Any:
        lookup = await self.services.queue.find_person(session, user_id, name)
        if lookup.kind == "ok" and lookup.staff is not None and lookup.staff.role != "coordinator":
            return None, "forbidden"
        return lookup.person, lookup.kind

    async def _view(self, session: Any, person: Person, now: datetime) -> ScheduleView:
        rhythm = await self.services.rhythm(session, person)
        source = (await self.services.rhythm_choice(session, person)).source
        tz = rhythm.tz
        plans = upcoming_sends(rhythm, now, 5)
        tight = person.tight_until if person.tight_until and person.tight_until > now else None
        return ScheduleView(
            "ok",
            person_name=person.display_name,
            spec=rhythm.spec.canonical(),
            quiet=rhythm.quiet.canonical(),
            source=source,
            tight_until_local=tight.astimezone(tz) if tight else None,
            upcoming_local=tuple(plan.send_at.astimezone(tz) for plan in plans),
        )

    async def show(self, user_id: int, name: str) -> ScheduleView:
        now = self.clock.now()
        async with self.db.transaction() as session:
            lookup = await self.services.queue.find_person(session, user_id, name)
            if lookup.kind != "ok" or lookup.person is None:
                return ScheduleView(lookup.kind)
            return await self._view(session, lookup.person, now)

    async def set_schedule(self, user_id: int, name: str, spec_text: str) -> ScheduleView:
        try:
            spec = parse_schedule(spec_text)
        except ScheduleSpecError as error:
            return ScheduleView("bad_spec", error_code=error.code)

        def apply(person: Person) -> None:
            person.schedule_spec = spec.canonical()
            person.schedule_source = "coordinator"

        return await self._change_rhythm(user_id, name, apply, "person.schedule")

    async def set_quiet(self, user_id: int, name: str, quiet_text: str) -> ScheduleView:
        try:
            quiet = parse_quiet_hours(quiet_text)
        except QuietHoursError as error:
            return ScheduleView("bad_quiet", error_code=error.code)

        def apply(person: Person) -> None:
            person.quiet_hours = quiet.canonical()

        return await self._change_rhythm(user_id, name, apply, "person.quiet_hours")

    async def _change_rhythm(
        self, user_id: int, name: str, apply: Callable[[Person], None], action: str
    ) -> ScheduleView:
        """A coordinator changes a person's rhythm: apply, re-plan, audit, show the result."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            person, kind = await self._coordinator_person(session, user_id, name)
            if person is None:
                return ScheduleView(kind)
            apply(person)
            if consent.receives_checkins(person.status):
                await self.services.schedule_next(session, person, now)
            staff = await repo.staff_by_user(session, user_id)
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=staff.id if staff else None,
                action=action,
                person_id=person.id,
            )
            return await self._view(session, person, now)

    async def choose_frequency(self, telegram_user_id: int, code: str) -> datetime | None:
        """The person's own choice (本人主体); wins over the team default. Returns the next
        check-in (local), or None when not enrolled / unknown code."""
        if code not in FREQUENCIES:
            return None
        now = self.clock.now()
        async with self.db.transaction() as session:
            person = await repo.person_by_user(session, telegram_user_id, lock=True)
            if person is None or not consent.is_enrolled(person.status):
                return None
            current = await self.services.rhythm(session, person)
            person.schedule_spec = frequency_spec(code, current.spec)
            person.schedule_source = "person"
            await repo.add_audit(
                session,
                at=now,
                actor_kind="person",
                actor_id=person.id,
                action="person.frequency",
                person_id=person.id,
                detail={"frequency": code},
            )
            if not consent.receives_checkins(person.status):
                return None
            plan = await self.services.schedule_next(session, person, now)
            return plan.send_at.astimezone(_zone(person))

    async def apply_team_defaults(self) -> None:
        """Teams named in the TOML file get (or keep) their default rhythm."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            for name, schedule, quiet in self.settings.team_defaults:
                team = await repo.team_by_name(session, name) or await repo.add_team(
                    session, name, now
                )
                if team is None:
                    continue
                team.default_schedule = parse_schedule(schedule).canonical() if schedule else None
                team.default_quiet_hours = parse_quiet_hours(quiet).canonical() if quiet else None
