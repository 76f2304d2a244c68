"""Team administration by coordinators: new teams, removing supporters, moving people."""

from __future__ import annotations

from typing import Any, Literal

from bot.clock import Clock
from storage import repo
from storage.db import Database
from storage.models import Staff

Outcome = Literal["ok", "forbidden", "not_found", "team_not_found", "exists"]


class Teams:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _coordinator(self, session: Any, telegram_user_id: int) -> Staff | None:
        staff = await repo.staff_by_user(session, telegram_user_id)
        return staff if staff is not None and staff.role == "coordinator" else None

    async def new_team(self, telegram_user_id: int, name: str) -> Outcome:
        now = self.clock.now()
        async with self.db.transaction() as session:
            staff = await self._coordinator(session, telegram_user_id)
            if staff is None:
                return "forbidden"
            team = await repo.add_team(session, name, now)
            if team is None:
                return "exists"
            await repo.add_team_member(session, team.id, staff.id)
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=staff.id,
                action="team.create",
                detail={"team": team.id},
            )
            return "ok"

    async def remove_supporter(self, telegram_user_id: int, name: str) -> Outcome:
        """Remove a supporter from the coordinator's teams (and deactivate if in none)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            staff = await self._coordinator(session, telegram_user_id)
            if staff is None:
                return "forbidden"
            team_ids = await repo.staff_team_ids(session, staff.id)
            targets = [
                s for s in await repo.staff_by_name(session, team_ids, name) if s.id != staff.id
            ]
            if len(targets) != 1:
                return "not_found"
            target = targets[0]
            for team_id in team_ids:
                await repo.remove_team_member(session, team_id, target.id)
            if not await repo.staff_team_ids(session, target.id):
                target.active = False
                target.on_duty = False
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=staff.id,
                action="staff.remove",
                detail={"staff": target.id},
            )
            return "ok"

    async def move_person(self, telegram_user_id: int, person_name: str, team_name: str) -> Outcome:
        now = self.clock.now()
        async with self.db.transaction() as session:
            staff = await self._coordinator(session, telegram_user_id)
            if staff is None:
                return "forbidden"
            team_ids = await repo.staff_team_ids(session, staff.id)
            team = await repo.team_by_name(session, team_name)
            if team is None or team.id not in team_ids:
                return "team_not_found"
            people = await repo.people_by_name(session, team_ids, person_name)
            if len(people) != 1:
                return "not_found"
            person = people[0]
            person.team_id = team.id
            case = await repo.open_case(session, person.id)
            if case is not None:
                case.team_id = team.id
            await repo.add_audit(
                session,
                at=now,
                actor_kind="staff",
                actor_id=staff.id,
                action="person.move",
                person_id=person.id,
                detail={"team": team.id},
            )
            return "ok"
