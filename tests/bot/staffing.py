"""A staffed team for service tests: a coordinator, two supporters (one on duty), a team
chat and one enrolled person, all created through the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.services import Services
from storage import repo
from storage.models import Audit, Escalation, Outbox
from tests.fakes import FakeClock

ALERT_CHAT = -1001234500001
COORD = 5101
SUPPORTER = 5102
OTHER_SUPPORTER = 5103
PERSON = 6101
URGENT = "もう死にたい"
HIGH = "家賃が払えなくて追い出されそう"
WATCH = "ちょっと寂しい"
ORDINARY = "きょうは散歩しました"

_update_ids = itertools.count(900_000)


def next_update_id() -> int:
    return next(_update_ids)


@dataclass
class Team:
    services: Services
    clock: FakeClock

    @property
    def queue(self) -> Any:
        return self.services.queue

    async def reply(self, user_id: int, text: str) -> str | None:
        update_id = next_update_id()
        stored = await self.services.record_message(
            update_id=update_id,
            telegram_user_id=user_id,
            chat_id=user_id,
            message_id=update_id,
            kind="text",
            text=text,
        )
        assert stored.kind == "stored"
        return await self.queue.assess_reply(update_id)

    async def rows(self, model: Any, *where: Any, order: Any = None) -> list[Any]:
        async with self.services.db.transaction() as session:
            statement = select(model).where(*where).order_by(order or model.id)
            return list((await session.scalars(statement)).all())

    async def cases(self) -> list[Escalation]:
        return await self.rows(Escalation)

    async def alerts(self, chat_id: int | None = None) -> list[Outbox]:
        where = [Outbox.kind == "alert"]
        if chat_id is not None:
            where.append(Outbox.chat_id == chat_id)
        return await self.rows(Outbox, *where)

    async def to_person(self, user_id: int = PERSON) -> list[Outbox]:
        return await self.rows(Outbox, Outbox.chat_id == user_id)

    async def audit(self, action: str) -> list[Audit]:
        return await self.rows(Audit, Audit.action == action)

    async def person_id(self, user_id: int = PERSON) -> int:
        async with self.services.db.transaction() as session:
            person = await repo.person_by_user(session, user_id)
            assert person is not None
            return person.id


async def add_staff(services: Services, role: str, name: str, user_id: int) -> None:
    code = await services.create_invite(role, name)
    result = await services.open_invite(code, user_id, user_id)
    assert result.kind == "staff_registered"


async def add_person(services: Services, name: str, user_id: int) -> None:
    code = await services.create_invite("person", name)
    assert (await services.open_invite(code, user_id, user_id)).kind == "consent_needed"
    assert (await services.decide_consent(user_id, granted=True)).kind == "granted"
