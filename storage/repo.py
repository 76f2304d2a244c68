"""Queries: every SQL statement the application runs lives here.

Functions take an open `AsyncSession` (the caller owns the transaction) and return model
objects or plain values. Nothing here decides policy; `bot.services` does.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Result,
    Row,
    Select,
    Table,
    bindparam,
    column,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import TableValuedAlias

from storage.models import (
    AlertMessage,
    Audit,
    Checkin,
    Connection,
    ConsentRecord,
    Escalation,
    EscalationSignal,
    Inbound,
    Invite,
    Lease,
    Note,
    Outbox,
    Person,
    Staff,
    Team,
    TeamMember,
    UpdateJournal,
    UTCDateTime,
)

DEFAULT_TEAM_NAME = "default"
# This process, as recorded on the outbox rows it leases (several instances share one database).
INSTANCE_ID = f"{socket.gethostname()}:{os.getpid()}"[:100]


def _insert_for(session: AsyncSession) -> Any:
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


def _locking(session: AsyncSession, statement: Select[Any]) -> Select[Any]:
    """Rows claimed by one instance are skipped by the others (PostgreSQL only)."""
    if session.bind.dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


def _is_postgresql(session: AsyncSession) -> bool:
    return bool(session.bind.dialect.name == "postgresql")


# PostgreSQL, many rows: one JSON parameter read by json_to_recordset. One statement for the
# server instead of one per row, and no per-row work in the driver (arrays of text, such as
# payloads full of quotes, are escaped element by element in Python when dumped).
_ROWS = "bulk_rows"


def _recordset(table: Table, names: Sequence[str]) -> TableValuedAlias:
    """The rows of `_rows_param` as a table with these columns of `table` (PostgreSQL)."""
    return (
        func.json_to_recordset(bindparam(_ROWS, type_=JSON))
        .table_valued(*(column(name, table.c[name].type) for name in names))
        .render_derived(with_types=True)
    )


def _rows_param(
    table: Table, rows: Sequence[Mapping[str, Any]], names: Sequence[str]
) -> dict[str, Any]:
    # JSON has no timestamps: UTC columns go as naive UTC ISO text, as UTCDateTime stores them.
    instants = {name for name in names if isinstance(table.c[name].type, UTCDateTime)}
    return {
        _ROWS: [
            {name: _naive_utc(row[name]) if name in instants else row[name] for name in names}
            for row in rows
        ]
    }


def _naive_utc(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None).isoformat()


async def _insert_many(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: Sequence[str] = (),
    returning: Sequence[ColumnElement[Any]] = (),
) -> Result[Any]:
    """Insert rows (all with the same keys) in one statement: INSERT … SELECT FROM
    json_to_recordset on PostgreSQL, one cached executemany on SQLite."""
    names = list(rows[0])
    statement: Any
    params: Any
    if _is_postgresql(session):
        source = _recordset(table, names)
        statement = pg_insert(table).from_select(names, select(*source.c))
        params = _rows_param(table, rows, names)
    else:
        statement = sqlite_insert(table)
        params = list(rows)
    if conflict:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        statement = statement.returning(*returning)
    return await session.execute(statement, params)


async def insert_ignoring_conflict(
    session: AsyncSession, model: type[Any], values: dict[str, Any], conflict: Sequence[str]
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when a row was inserted."""
    statement = (
        _insert_for(session)(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict))
        # rowcount is not reliable across drivers for ON CONFLICT; RETURNING is.
        .returning(*model.__table__.primary_key.columns)
    )
    result = await session.execute(statement)
    return result.first() is not None


# --- teams and staff ---------------------------------------------------------------------


async def ensure_default_team(session: AsyncSession, now: datetime) -> Team:
    team = await session.scalar(select(Team).where(Team.name == DEFAULT_TEAM_NAME))
    if team is None:
        await insert_ignoring_conflict(
            session,
            Team,
            {"name": DEFAULT_TEAM_NAME, "created_at": now, "share_text_in_team_chat": False},
            ["name"],
        )
        team = await session.scalar(select(Team).where(Team.name == DEFAULT_TEAM_NAME))
    assert team is not None
    return team


async def staff_by_user(session: AsyncSession, telegram_user_id: int) -> Staff | None:
    return await session.scalar(
        select(Staff).where(Staff.telegram_user_id == telegram_user_id, Staff.active.is_(True))
    )


async def all_active_staff(session: AsyncSession) -> Sequence[Staff]:
    return (await session.scalars(select(Staff).where(Staff.active.is_(True)))).all()


async def staff_team_ids(session: AsyncSession, staff_id: int) -> list[int]:
    rows = await session.scalars(
        select(TeamMember.team_id)
        .where(TeamMember.staff_id == staff_id)
        .order_by(TeamMember.team_id)
    )
    return list(rows)


async def add_team_member(session: AsyncSession, team_id: int, staff_id: int) -> None:
    await insert_ignoring_conflict(
        session, TeamMember, {"team_id": team_id, "staff_id": staff_id}, ["team_id", "staff_id"]
    )


async def upsert_staff(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    chat_id: int,
    display_name: str,
    role: str,
    now: datetime,
) -> Staff:
    staff = await session.scalar(select(Staff).where(Staff.telegram_user_id == telegram_user_id))
    if staff is None:
        staff = Staff(
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            display_name=display_name,
            role=role,
            on_duty=False,
            active=True,
            created_at=now,
        )
        session.add(staff)
    else:
        staff.chat_id = chat_id
        staff.display_name = display_name
        staff.active = True
        # An invite never demotes: a coordinator opening a supporter link stays coordinator.
        if role == "coordinator":
            staff.role = role
    await session.flush()
    return staff


# --- invites ------------------------------------------------------------------------------


async def add_invite(session: AsyncSession, invite: Invite) -> Invite:
    session.add(invite)
    await session.flush()
    return invite


async def invite_by_hash(session: AsyncSession, code_hash: str) -> Invite | None:
    return await _locked_scalar(session, select(Invite).where(Invite.code_hash == code_hash))


async def consume_invite(
    session: AsyncSession, invite_id: int, telegram_user_id: int, now: datetime
) -> bool:
    """Mark an invite used; False if someone else used it first (single use, race-safe)."""
    result = await session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by_user_id=telegram_user_id)
    )
    return result.rowcount == 1


async def _locked_scalar(session: AsyncSession, statement: Select[Any]) -> Any:
    if session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return await session.scalar(statement)


# --- people -------------------------------------------------------------------------------


async def person_by_user(
    session: AsyncSession, telegram_user_id: int, *, lock: bool = False
) -> Person | None:
    statement = select(Person).where(Person.telegram_user_id == telegram_user_id)
    if lock:
        return await _locked_scalar(session, statement)
    return await session.scalar(statement)


async def person_by_id(
    session: AsyncSession, person_id: int, *, lock: bool = False
) -> Person | None:
    if lock:
        return await _locked_scalar(session, select(Person).where(Person.id == person_id))
    return await session.get(Person, person_id)


async def add_person(session: AsyncSession, person: Person) -> Person:
    session.add(person)
    await session.flush()
    return person


async def add_consent_record(session: AsyncSession, record: ConsentRecord) -> None:
    session.add(record)


# The sweep reads and writes people as plain rows (Core), not ORM objects: at 100k people
# due at once, identity-map and unit-of-work bookkeeping cost more than the SQL itself.
_person = Person.__table__.c
_team = Team.__table__.c
DUE_COLUMNS = (
    _person.id,
    _person.chat_id,
    _person.team_id,
    _person.timezone,
    _person.schedule_spec,
    _person.schedule_source,
    _person.quiet_hours,
    _person.tight_until,
    _person.schedule_anchor,
    _person.next_slot_at,
    _person.next_checkin_at,
    _person.checkins_sent,
    # The team's defaults come along in the same statement (NULL: the configured ones).
    _team.default_schedule.label("team_schedule"),
    _team.default_quiet_hours.label("team_quiet"),
)


async def due_people(session: AsyncSession, now: datetime, limit: int) -> Sequence[Row[Any]]:
    """Active people whose next check-in time has come, oldest first (indexed), as rows of
    `DUE_COLUMNS`; claimed (FOR UPDATE SKIP LOCKED) on PostgreSQL."""
    statement = (
        select(*DUE_COLUMNS)
        .select_from(Person.__table__.outerjoin(Team.__table__, _team.id == _person.team_id))
        .where(
            _person.status == "active",
            _person.next_checkin_at.is_not(None),
            _person.next_checkin_at <= now,
            _person.unreachable_at.is_(None),
        )
        .order_by(_person.next_checkin_at)
        .limit(limit)
    )
    if _is_postgresql(session):
        # Only the people are claimed: a locked team row must not hide its whole team.
        statement = statement.with_for_update(of=Person.__table__, skip_locked=True)
    return (await session.execute(statement)).all()


_MOVE_NEXT = (
    update(Person.__table__)
    .where(_person.id == bindparam("m_id"))
    .values(
        next_slot_at=bindparam("m_slot", type_=_person.next_slot_at.type),
        next_checkin_at=bindparam("m_send", type_=_person.next_checkin_at.type),
    )
)


async def set_next_checkins(
    session: AsyncSession, plans: Sequence[tuple[int, datetime, datetime]]
) -> None:
    """(person id, next slot, next send time) for many people in one statement."""
    if not plans:
        return
    if _is_postgresql(session):
        names = ("id", "next_slot_at", "next_checkin_at")
        source = _recordset(Person.__table__, names)
        statement = (
            update(Person.__table__)
            .where(_person.id == source.c.id)
            .values(next_slot_at=source.c.next_slot_at, next_checkin_at=source.c.next_checkin_at)
        )
        rows = [dict(zip(names, plan, strict=True)) for plan in plans]
        await session.execute(statement, _rows_param(Person.__table__, rows, names))
        return
    await session.execute(
        _MOVE_NEXT, [{"m_id": pid, "m_slot": slot, "m_send": send} for pid, slot, send in plans]
    )


async def pause_ended_people(session: AsyncSession, now: datetime, limit: int) -> Sequence[Person]:
    statement = (
        select(Person)
        .where(Person.status == "paused", Person.paused_until <= now)
        .order_by(Person.paused_until)
        .limit(limit)
    )
    return (await session.scalars(_locking(session, statement))).all()


# --- check-ins ----------------------------------------------------------------------------


async def add_checkin(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert a check-in for (person, slot); None if that slot already has one."""
    statement = (
        _insert_for(session)(Checkin)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["person_id", "slot_at"])
        .returning(Checkin.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_checkins(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> dict[int, int]:
    """Insert check-ins (at most one per person) in one statement; person id -> new check-in
    id for the rows whose (person, slot) did not have one already."""
    if not rows:
        return {}
    checkin = Checkin.__table__
    result = await _insert_many(
        session,
        checkin,
        rows,
        conflict=["person_id", "slot_at"],
        returning=[checkin.c.id, checkin.c.person_id],
    )
    return {person_id: checkin_id for checkin_id, person_id in result}


async def checkin_by_id(session: AsyncSession, checkin_id: int) -> Checkin | None:
    return await session.get(Checkin, checkin_id)


async def cancel_queued_checkins(session: AsyncSession, person_id: int) -> None:
    await session.execute(
        update(Checkin)
        .where(Checkin.person_id == person_id, Checkin.status == "queued")
        .values(status="cancelled")
    )


# --- inbound ------------------------------------------------------------------------------


async def add_inbound(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Store a person's message; False if this update was stored before (redelivery)."""
    return await insert_ignoring_conflict(session, Inbound, values, ["update_id"])


async def inbound_by_message(
    session: AsyncSession, person_id: int, chat_id: int, message_id: int
) -> Inbound | None:
    return await session.scalar(
        select(Inbound)
        .where(
            Inbound.person_id == person_id,
            Inbound.chat_id == chat_id,
            Inbound.message_id == message_id,
        )
        .order_by(Inbound.id)
        .limit(1)
    )


# --- update journal -----------------------------------------------------------------------


async def journal_store(
    session: AsyncSession,
    updates: Sequence[tuple[int, dict[str, Any]]],
    now: datetime,
    chats: Mapping[int, int | None] | None = None,
) -> int:
    """Persist raw updates; already-known update ids are ignored. Returns rows inserted.

    `chats` maps update ids to their chat, which keeps one chat's updates in order when
    several instances process the journal."""
    inserted = 0
    for update_id, payload in updates:
        if await insert_ignoring_conflict(
            session,
            UpdateJournal,
            {
                "update_id": update_id,
                "chat_id": (chats or {}).get(update_id),
                "payload": payload,
                "received_at": now,
            },
            ["update_id"],
        ):
            inserted += 1
    return inserted


async def journal_next_offset(session: AsyncSession) -> int | None:
    highest = await session.scalar(select(func.max(UpdateJournal.update_id)))
    return None if highest is None else int(highest) + 1


async def journal_pending(
    session: AsyncSession, limit: int
) -> Sequence[tuple[int, dict[str, Any]]]:
    rows = await session.execute(
        select(UpdateJournal.update_id, UpdateJournal.payload)
        .where(UpdateJournal.processed_at.is_(None))
        .order_by(UpdateJournal.update_id)
        .limit(limit)
    )
    return [(int(update_id), payload or {}) for update_id, payload in rows]


async def journal_claim_next(session: AsyncSession) -> tuple[int, dict[str, Any]] | None:
    """The next update to process: the oldest unprocessed one whose chat has nothing older
    still unprocessed. On PostgreSQL the row stays locked (FOR UPDATE SKIP LOCKED) until the
    caller's transaction ends, so other instances skip it, and a crashed instance's lock
    goes with its connection. An update is never handled while an older one of the same chat
    is being handled elsewhere, because that older row is still unprocessed."""
    earlier = aliased(UpdateJournal)
    statement = (
        select(UpdateJournal.update_id, UpdateJournal.payload)
        .where(
            UpdateJournal.processed_at.is_(None),
            ~exists().where(
                earlier.chat_id == UpdateJournal.chat_id,
                earlier.processed_at.is_(None),
                earlier.update_id < UpdateJournal.update_id,
            ),
        )
        .order_by(UpdateJournal.update_id)
        .limit(1)
    )
    if session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update(of=UpdateJournal, skip_locked=True)
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    return int(row[0]), row[1] or {}


async def journal_mark_processed(session: AsyncSession, update_id: int, now: datetime) -> None:
    # The raw payload (which may hold message text) is not kept once handled.
    await session.execute(
        update(UpdateJournal)
        .where(UpdateJournal.update_id == update_id)
        .values(processed_at=now, payload=None)
    )


async def journal_prune(session: AsyncSession, before: datetime, keep_latest: int = 1) -> int:
    """Forget processed ids older than `before`, keeping the newest for offset recovery."""
    newest = await session.scalar(select(func.max(UpdateJournal.update_id)))
    if newest is None:
        return 0
    result = await session.execute(
        delete(UpdateJournal).where(
            UpdateJournal.processed_at.is_not(None),
            UpdateJournal.processed_at < before,
            UpdateJournal.update_id <= int(newest) - keep_latest,
        )
    )
    return result.rowcount or 0


# --- outbox -------------------------------------------------------------------------------


async def add_outbox(session: AsyncSession, values: dict[str, Any]) -> int:
    row = Outbox(**values)
    session.add(row)
    await session.flush()
    return row.id


async def add_outbox_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await _insert_many(session, Outbox.__table__, rows)


async def recent_ack_exists(session: AsyncSession, person_id: int, since: datetime) -> bool:
    found = await session.scalar(
        select(Outbox.id)
        .where(
            Outbox.person_id == person_id,
            Outbox.kind == "ack",
            Outbox.created_at >= since,
            Outbox.status != "cancelled",
        )
        .limit(1)
    )
    return found is not None


async def claim_outbox(
    session: AsyncSession,
    now: datetime,
    limit: int,
    lease: timedelta,
    holder: str = INSTANCE_ID,
) -> Sequence[Outbox]:
    """Lease ready rows (pending, or sending with an expired lease) to this sender."""
    statement = (
        select(Outbox)
        .where(
            Outbox.not_before <= now,
            or_(
                Outbox.status == "pending",
                (Outbox.status == "sending") & (Outbox.lease_until < now),
            ),
        )
        .order_by(Outbox.priority, Outbox.not_before, Outbox.id)
        .limit(limit)
    )
    rows = (await session.scalars(_locking(session, statement))).all()
    for row in rows:
        row.status = "sending"
        row.lease_until = now + lease
        row.claimed_by = holder
    return rows


async def release_outbox(
    session: AsyncSession, outbox_ids: Sequence[int], holder: str = INSTANCE_ID
) -> None:
    """Give back rows this instance leased but did not send, so they go without waiting."""
    await session.execute(
        update(Outbox)
        .where(
            Outbox.id.in_(list(outbox_ids)),
            Outbox.status == "sending",
            Outbox.claimed_by == holder,
        )
        .values(status="pending", lease_until=None)
    )


async def shorten_foreign_outbox_leases(session: AsyncSession, holder: str, until: datetime) -> int:
    """Rows leased by other instances expire by `until` at the latest (see OutboxSender)."""
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.status == "sending",
            Outbox.claimed_by != holder,
            Outbox.lease_until > until,
        )
        .values(lease_until=until)
        .returning(Outbox.id)
    )
    return len(result.all())


async def outbox_by_id(session: AsyncSession, outbox_id: int) -> Outbox | None:
    return await session.get(Outbox, outbox_id)


async def cancel_pending_outbox(
    session: AsyncSession, person_id: int, kinds: Sequence[str]
) -> None:
    await session.execute(
        update(Outbox)
        .where(
            Outbox.person_id == person_id,
            Outbox.kind.in_(list(kinds)),
            Outbox.status.in_(["pending", "sending"]),
        )
        .values(status="cancelled")
    )


# --- leases -----------------------------------------------------------------------------


async def hold_lease(
    session: AsyncSession, name: str, holder: str, now: datetime, duration: timedelta
) -> bool:
    """Take or renew the named lease for `holder` until now + duration.

    False while another holder's lease is unexpired. On PostgreSQL two instances racing for
    an expired lease serialise on its row, and the second sees the first's renewal."""
    if await insert_ignoring_conflict(
        session, Lease, {"name": name, "holder": holder, "expires_at": now + duration}, ["name"]
    ):
        return True
    result = await session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(holder=holder, expires_at=now + duration)
        .returning(Lease.name)
    )
    return result.first() is not None


async def drop_lease(session: AsyncSession, name: str, holder: str) -> None:
    """Give the lease up (on shutdown) so another instance takes over at once."""
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


# --- audit --------------------------------------------------------------------------------


async def add_audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor_kind: str,
    actor_id: int | None,
    action: str,
    person_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        Audit(
            at=at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            person_id=person_id,
            detail=detail,
        )
    )


# --- the supporters' queue ---------------------------------------------------------------


async def team_by_id(session: AsyncSession, team_id: int) -> Team | None:
    return await session.get(Team, team_id)


async def team_by_name(session: AsyncSession, name: str) -> Team | None:
    return await session.scalar(select(Team).where(Team.name == name))


async def add_team(session: AsyncSession, name: str, now: datetime) -> Team | None:
    if not await insert_ignoring_conflict(
        session, Team, {"name": name, "created_at": now, "share_text_in_team_chat": False}, ["name"]
    ):
        return None
    return await team_by_name(session, name)


async def team_staff(session: AsyncSession, team_id: int) -> Sequence[Staff]:
    return (
        await session.scalars(
            select(Staff)
            .join(TeamMember, TeamMember.staff_id == Staff.id)
            .where(TeamMember.team_id == team_id, Staff.active.is_(True))
            .order_by(Staff.id)
        )
    ).all()


async def is_team_member(session: AsyncSession, team_id: int, staff_id: int) -> bool:
    found = await session.scalar(
        select(TeamMember.staff_id)
        .join(Staff, Staff.id == TeamMember.staff_id)
        .where(
            TeamMember.team_id == team_id,
            TeamMember.staff_id == staff_id,
            Staff.active.is_(True),
        )
    )
    return found is not None


async def remove_team_member(session: AsyncSession, team_id: int, staff_id: int) -> None:
    await session.execute(
        delete(TeamMember).where(TeamMember.team_id == team_id, TeamMember.staff_id == staff_id)
    )


async def staff_by_id(session: AsyncSession, staff_id: int) -> Staff | None:
    return await session.get(Staff, staff_id)


async def staff_by_name(
    session: AsyncSession, team_ids: Sequence[int], name: str
) -> Sequence[Staff]:
    return (
        await session.scalars(
            select(Staff)
            .join(TeamMember, TeamMember.staff_id == Staff.id)
            .where(
                TeamMember.team_id.in_(list(team_ids)),
                Staff.display_name.in_(_name_variants(name)),
                Staff.active.is_(True),
            )
            .distinct()
        )
    ).all()


def _name_variants(name: str) -> list[str]:
    """「田中」 finds 「田中さん」 and the other way round."""
    base = name.strip().removesuffix("さん")
    return [base, f"{base}さん"]


async def people_by_name(
    session: AsyncSession, team_ids: Sequence[int], name: str
) -> Sequence[Person]:
    return (
        await session.scalars(
            select(Person).where(
                Person.team_id.in_(list(team_ids)),
                Person.display_name.in_(_name_variants(name)),
            )
        )
    ).all()


async def watch_replies_since(session: AsyncSession, person_id: int, since: datetime) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Inbound)
            .where(
                Inbound.person_id == person_id,
                Inbound.level == "watch",
                Inbound.received_at >= since,
            )
        )
        or 0
    )


async def inbound_by_update(session: AsyncSession, update_id: int) -> Inbound | None:
    return await session.scalar(select(Inbound).where(Inbound.update_id == update_id))


async def open_case(session: AsyncSession, person_id: int) -> Escalation | None:
    """The person's one open (or claimed) escalation, locked for update on PostgreSQL."""
    return await _locked_scalar(
        session,
        select(Escalation)
        .where(Escalation.person_id == person_id, Escalation.status.in_(["open", "claimed"]))
        .order_by(Escalation.id.desc())
        .limit(1),
    )


async def escalation_by_id(
    session: AsyncSession, escalation_id: int, *, lock: bool = False
) -> Escalation | None:
    statement = select(Escalation).where(Escalation.id == escalation_id)
    if lock:
        return await _locked_scalar(session, statement)
    return await session.scalar(statement)


async def add_escalation(session: AsyncSession, escalation: Escalation) -> Escalation:
    session.add(escalation)
    await session.flush()
    return escalation


async def add_signal(session: AsyncSession, signal: EscalationSignal) -> None:
    session.add(signal)


async def latest_signal_inbound(session: AsyncSession, escalation_id: int) -> Inbound | None:
    """The most serious recent reply behind an escalation (for the alert's content)."""
    return await session.scalar(
        select(Inbound)
        .join(EscalationSignal, EscalationSignal.inbound_id == Inbound.id)
        .where(EscalationSignal.escalation_id == escalation_id)
        .order_by(EscalationSignal.priority, EscalationSignal.id.desc())
        .limit(1)
    )


async def claim_escalation(
    session: AsyncSession,
    escalation_id: int,
    staff_id: int,
    now: datetime,
    next_alert: datetime | None,
) -> bool:
    """Atomic: only one of two simultaneous presses wins."""
    result = await session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status == "open")
        .values(
            status="claimed", claimed_by_staff_id=staff_id, claimed_at=now, next_alert_at=next_alert
        )
        .returning(Escalation.id)
    )
    return result.first() is not None


async def alert_messages(session: AsyncSession, escalation_id: int) -> Sequence[AlertMessage]:
    return (
        await session.scalars(
            select(AlertMessage)
            .where(AlertMessage.escalation_id == escalation_id)
            .order_by(AlertMessage.id)
        )
    ).all()


async def add_alert_message(session: AsyncSession, message: AlertMessage) -> None:
    session.add(message)


async def escalations_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[Escalation]:
    statement = (
        select(Escalation)
        .where(
            Escalation.status.in_(["open", "claimed"]),
            Escalation.next_alert_at.is_not(None),
            Escalation.next_alert_at <= now,
        )
        .order_by(Escalation.next_alert_at)
        .limit(limit)
    )
    return (await session.scalars(_locking(session, statement))).all()


async def team_queue(session: AsyncSession, team_ids: Sequence[int]) -> Sequence[Any]:
    """Open and claimed items with the person's and claimant's names, by priority then age."""
    claimant = Staff.__table__.alias("claimant")
    return (
        await session.execute(
            select(Escalation, Person.display_name, claimant.c.display_name)
            .join(Person, Person.id == Escalation.person_id)
            .outerjoin(claimant, claimant.c.id == Escalation.claimed_by_staff_id)
            .where(
                Escalation.team_id.in_(list(team_ids)),
                Escalation.status.in_(["open", "claimed"]),
            )
            .order_by(Escalation.priority, Escalation.opened_at)
        )
    ).all()


async def person_escalations(session: AsyncSession, person_id: int) -> Sequence[Escalation]:
    return (
        await session.scalars(
            select(Escalation).where(Escalation.person_id == person_id).order_by(Escalation.id)
        )
    ).all()


async def person_inbound(session: AsyncSession, person_id: int, limit: int) -> Sequence[Inbound]:
    return (
        await session.scalars(
            select(Inbound)
            .where(Inbound.person_id == person_id)
            .order_by(Inbound.id.desc())
            .limit(limit)
        )
    ).all()


async def person_checkins(session: AsyncSession, person_id: int, limit: int) -> Sequence[Checkin]:
    return (
        await session.scalars(
            select(Checkin)
            .where(Checkin.person_id == person_id)
            .order_by(Checkin.slot_at.desc())
            .limit(limit)
        )
    ).all()


async def person_notes(session: AsyncSession, person_id: int, limit: int) -> Sequence[Any]:
    return (
        await session.execute(
            select(Note, Staff.display_name)
            .join(Staff, Staff.id == Note.staff_id)
            .where(Note.person_id == person_id)
            .order_by(Note.id.desc())
            .limit(limit)
        )
    ).all()


async def person_connections(session: AsyncSession, person_id: int) -> Sequence[Connection]:
    return (
        await session.scalars(
            select(Connection).where(Connection.person_id == person_id).order_by(Connection.id)
        )
    ).all()


async def add_note(session: AsyncSession, note: Note) -> None:
    session.add(note)


async def add_connection(session: AsyncSession, connection: Connection) -> Connection:
    session.add(connection)
    await session.flush()
    return connection


async def connection_by_id(session: AsyncSession, connection_id: int) -> Connection | None:
    return await _locked_scalar(session, select(Connection).where(Connection.id == connection_id))


async def silence_candidates(
    session: AsyncSession, quiet_before: datetime, checked_before: datetime, limit: int
) -> Sequence[Person]:
    """Active people without contact since `quiet_before` and not judged since `checked_before`."""
    statement = (
        select(Person)
        .where(
            Person.status == "active",
            Person.unreachable_at.is_(None),
            or_(Person.last_contact_at.is_(None), Person.last_contact_at < quiet_before),
            or_(Person.silence_checked_at.is_(None), Person.silence_checked_at < checked_before),
        )
        .order_by(Person.last_contact_at)
        .limit(limit)
    )
    return (await session.scalars(_locking(session, statement))).all()


async def sent_checkins(
    session: AsyncSession, person_id: int, since: datetime | None, limit: int
) -> Sequence[Checkin]:
    statement = select(Checkin).where(Checkin.person_id == person_id, Checkin.sent_at.is_not(None))
    if since is not None:
        statement = statement.where(Checkin.sent_at > since)
    return (await session.scalars(statement.order_by(Checkin.sent_at.desc()).limit(limit))).all()


async def pending_alerts(session: AsyncSession, escalation_id: int) -> Sequence[Outbox]:
    """Alert copies not yet sent (waiting, or retrying after an error)."""
    return (
        await session.scalars(
            select(Outbox).where(
                Outbox.escalation_id == escalation_id,
                Outbox.kind == "alert",
                Outbox.status == "pending",
            )
        )
    ).all()
