"""Putting messages into the outbox: priorities, the row shape, and the once-per-burst ack."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot import texts
from bot.channel import OutgoingMessage
from bot.config import Settings
from bot.domain.checkin_policy import choose_ack
from storage import repo
from storage.models import Person

# Lower goes first: alerts and crisis replies, then replies, then check-ins.
PRIORITY_ALERT = 0
PRIORITY_REPLY = 3
PRIORITY_CHECKIN = 5


def outbox_row(
    *,
    chat_id: int,
    kind: str,
    message: OutgoingMessage,
    priority: int,
    now: datetime,
    person_id: int | None = None,
    checkin_id: int | None = None,
    escalation_id: int | None = None,
    not_before: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of one new outbox row."""
    return {
        "chat_id": chat_id,
        "kind": kind,
        "person_id": person_id,
        "checkin_id": checkin_id,
        "escalation_id": escalation_id,
        "payload": message.to_payload() | (extra or {}),
        "priority": priority,
        "status": "pending",
        "attempts": 0,
        "not_before": not_before or now,
        "created_at": now,
    }


async def enqueue(session: Any, **row: Any) -> int:
    """Queue one message (see `outbox_row` for the fields)."""
    return await repo.add_outbox(session, outbox_row(**row))


async def enqueue_ack(session: Any, person: Person, now: datetime, settings: Settings) -> None:
    """One warm acknowledgement per burst of messages, not one per message."""
    since = now - timedelta(minutes=settings.ack_quiet_minutes)
    if await repo.recent_ack_exists(session, person.id, since):
        return
    index = choose_ack(person.id, person.messages_received, len(texts.ACK_VARIANTS))
    await enqueue(
        session,
        chat_id=person.chat_id,
        kind="ack",
        person_id=person.id,
        message=OutgoingMessage(texts.ACK_VARIANTS[index]),
        priority=PRIORITY_REPLY,
        now=now,
        not_before=now + timedelta(seconds=settings.ack_delay_seconds),
    )
