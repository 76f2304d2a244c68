"""SQLAlchemy 2 models: the tables of DESIGN.md §4.

All timestamps are stored in UTC (naive in the database, aware in Python, see `UTCDateTime`).
Status values are plain strings with the allowed values listed next to each column, so the
database stays readable with any SQL client.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
IdType = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC; returns aware UTC datetimes on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Team(Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Telegram group chat that receives the team's alerts (set with /set_alert_chat).
    alert_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    # Whether message text may appear in the team chat (private alerts always carry it).
    share_text_in_team_chat: Mapped[bool] = mapped_column(Boolean, default=False)
    # The team's default rhythm; NULL means the configured default.
    default_schedule: Mapped[str | None] = mapped_column(String(200))
    default_quiet_hours: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Staff(Base):
    """A supporter or coordinator: someone who acts on the team's queue."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(100))
    # coordinator: configures teams and invites; supporter: acts on alerts.
    role: Mapped[str] = mapped_column(String(20))
    # Receives P1 alerts in private chat when on duty.
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TeamMember(Base):
    __tablename__ = "team_member"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )


class Invite(Base):
    """A single-use, expiring deep-link code. Only its hash is stored."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # person / supporter / coordinator
    role: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_user_id: Mapped[int | None] = mapped_column(BigInteger)


class Person(Base):
    """A supported person (本人) in a private chat with the bot."""

    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_due", "status", "next_checkin_at"),
        Index("ix_person_paused", "status", "paused_until"),
        Index("ix_person_contact", "status", "last_contact_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    # invited: opened the link, consent not yet given; active: receives check-ins;
    # paused: no check-ins until paused_until; stopped: left (re-join only by a new invite);
    # declined: said いいえ to consent, nothing is ever scheduled.
    status: Mapped[str] = mapped_column(String(20))
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Per-person overrides; NULL means the team / configured default.
    schedule_spec: Mapped[str | None] = mapped_column(String(200))
    # Who chose schedule_spec: person (/frequency — 本人主体) or coordinator (/schedule).
    schedule_source: Mapped[str | None] = mapped_column(String(20))
    quiet_hours: Mapped[str | None] = mapped_column(String(40))
    # After an escalation is resolved, check-ins are daily until this instant.
    tight_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Silence: the one gentle follow-up of the current quiet spell, and the last judgement.
    silence_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    silence_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When check-ins last (re)started (consent, resume): silence is counted from here at most.
    active_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Local date that "every N days" schedules count from.
    schedule_anchor: Mapped[date | None] = mapped_column(Date)
    # The next check-in: nominal slot (its identity) and jittered send time (what the sweep reads).
    next_slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when Telegram said the bot is blocked (403); cleared by any sign of life.
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkins_sent: Mapped[int] = mapped_column(Integer, default=0)
    checkins_answered: Mapped[int] = mapped_column(Integer, default=0)
    messages_received: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentRecord(Base):
    """Every consent decision, with the version of the text the person saw."""

    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # checkins: the check-in programme itself (outside partners get their own scope later).
    scope: Mapped[str] = mapped_column(String(30))
    # granted / declined / withdrawn
    decision: Mapped[str] = mapped_column(String(20))
    text_version: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Checkin(Base):
    """One scheduled slot for one person. The unique key makes a double send impossible."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("person_id", "slot_at", name="uq_checkin_person_slot"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # queued: in the outbox; sent: delivered; answered: the person replied;
    # cancelled: not sent (stopped, paused, or its window passed).
    status: Mapped[str] = mapped_column(String(20))
    variant: Mapped[int] = mapped_column(Integer, default=0)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(String(20))


class UpdateJournal(Base):
    """Every update as Telegram delivered it, committed before its offset is confirmed.

    The payload is dropped once the update has been processed; the id stays for dedupe.
    """

    __tablename__ = "update_journal"
    __table_args__ = (
        Index("ix_update_journal_pending", "processed_at", "update_id"),
        Index("ix_update_journal_chat", "chat_id", "update_id"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The update's chat, so several instances process one chat's updates in order.
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Inbound(Base):
    """A message or button press from an enrolled person: contact, and what they said."""

    __tablename__ = "inbound"
    __table_args__ = (Index("ix_inbound_chat_message", "chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # text / button / sticker / photo / voice / video_note / location / other; command and
    # menu (a command or a non-check-in button: contact without words, text always None).
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkin.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The distress assessment of the text: none / watch / high / urgent, and its evidence.
    level: Mapped[str | None] = mapped_column(String(10))
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Outbox(Base):
    """Every message the bot must send, drained by the sender with limits and retries."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_ready", "status", "not_before"),
        # The once-per-burst acknowledgement looks up a person's recent acks on every reply.
        Index("ix_outbox_person_kind", "person_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # checkin / ack / notice / alert
    kind: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkin.id", ondelete="SET NULL"))
    # For alerts: the escalation, so the sent message can be edited when it is claimed.
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation.id", ondelete="SET NULL")
    )
    # {"text": ..., "choices": [[label, data], ...]} — channel-neutral.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Lower is sooner: alerts before replies before check-ins.
    priority: Mapped[int] = mapped_column(Integer, default=5)
    # pending: waiting; sending: leased by a sender; sent; failed: gave up (see last_error);
    # cancelled: no longer wanted (person stopped, window passed).
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The instance (host:pid) that last leased the row: who is sending it, or who sent it.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # An error class name, never message text.
    last_error: Mapped[str | None] = mapped_column(String(100))


class Audit(Base):
    """Who did what to whose data, when."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # staff / person / system / operator
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(50))
    person_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Escalation(Base):
    """A queue item: something about a person that needs a human from their team."""

    __tablename__ = "escalation"
    __table_args__ = (
        Index("ix_escalation_person_status", "person_id", "status"),
        Index("ix_escalation_status_alert", "status", "next_alert_at"),
        # At most one open (or claimed) item per person, whatever races above.
        Index(
            "uq_escalation_one_open",
            "person_id",
            unique=True,
            postgresql_where=text("status IN ('open', 'claimed')"),
            sqlite_where=text("status IN ('open', 'claimed')"),
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    # distress / help_request / unreachable / silence (the strongest reason so far)
    reason: Mapped[str] = mapped_column(String(20))
    # 1 (at once) .. 3 (within a day)
    priority: Mapped[int] = mapped_column(Integer)
    # open: nobody has it; claimed: a supporter has it; resolved: done, with an outcome.
    status: Mapped[str] = mapped_column(String(20))
    claimed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signal_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the SLA job looks at it again (re-alert if still unclaimed / unresolved).
    next_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert_rounds: Mapped[int] = mapped_column(Integer, default=0)
    # contacted / visited / reconnected / false_alarm / declined / other
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_connection_id: Mapped[int | None] = mapped_column(BigInteger)


class EscalationSignal(Base):
    """One reason an escalation exists or rose: a reply, a help request, a block."""

    __tablename__ = "escalation_signal"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalation.id", ondelete="CASCADE"), index=True
    )
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id", ondelete="SET NULL"))
    # distress / help_request / unreachable / silence
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(10))
    priority: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertMessage(Base):
    """Where an escalation's alert was posted, so it can be edited when someone claims it."""

    __tablename__ = "alert_message"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalation.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    telegram_message_id: Mapped[int] = mapped_column(BigInteger)
    # Whether this copy may show the person's words (private chats; team chats that opted in).
    shows_text: Mapped[bool] = mapped_column(Boolean, default=False)


class Note(Base):
    """A team note on a person (/note, or written when resolving)."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Connection(Base):
    """つなぎ先: a resource the person is connected to — only with their consent."""

    __tablename__ = "connection"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    resource: Mapped[str] = mapped_column(String(200))
    # e.g. 地域包括支援センター / 医療 / ボランティア / その他
    resource_type: Mapped[str] = mapped_column(String(50))
    proposed_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # proposed: asked, no answer yet; active: the person said はい; declined: いいえ;
    # ended: no longer a connection.
    status: Mapped[str] = mapped_column(String(20))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Lease(Base):
    """A role that one instance at a time holds (e.g. sending the outbox), renewed while it
    runs. An instance that dies stops renewing and another takes the role once it expires."""

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The holding instance (storage.repo.INSTANCE_ID or a test's own name).
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
