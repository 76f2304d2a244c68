"""Schedules people can live with: coordinator overrides with clear errors, the person's own
choice winning over team defaults, and the daily phase after an escalation is resolved."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import timedelta

from bot import texts
from bot.services import Schedules, Services
from storage import repo
from tests.bot.staffing import COORD, PERSON, SUPPORTER, URGENT, Team
from tests.fakes import FakeClock


def schedules_for(team: Team) -> Schedules:
    return Schedules(team.services)


async def test_a_coordinator_sets_and_shows_a_schedule(team: Team) -> None:
    schedules = schedules_for(team)
    view = await schedules.set_schedule(COORD, "田中さん", "月木 14:00")
    assert view.kind == "ok" and view.spec == "月木 14:00" and view.source == "coordinator"
    assert len(view.upcoming_local) == 5
    assert all(m.weekday() in (0, 3) and m.hour in (13, 14) for m in view.upcoming_local)
    assert [a.action for a in await team.audit("person.schedule")] == ["person.schedule"]
    shown = await schedules.show(SUPPORTER, "田中")
    assert shown.spec == "月木 14:00"


async def test_bad_schedules_get_a_reason_and_examples_in_japanese(team: Team) -> None:
    schedules = schedules_for(team)
    view = await schedules.set_schedule(COORD, "田中さん", "ときどき")
    assert view.kind == "bad_spec"
    message = texts.schedule_error(view.error_code)
    assert "例：/schedule" in message and message.count("例：") == 2
    quiet = await schedules.set_quiet(COORD, "田中さん", "夜")
    assert quiet.kind == "bad_quiet" and texts.quiet_error(quiet.error_code).count("例：") == 2
    assert (await schedules.set_schedule(SUPPORTER, "田中さん", "毎日 9:00")).kind == "forbidden"


async def test_quiet_hours_change_is_kept_and_never_planned_into(team: Team) -> None:
    schedules = schedules_for(team)
    await schedules.set_schedule(COORD, "田中さん", "毎日 22:30")
    view = await schedules.set_quiet(COORD, "田中さん", "22:00-07:00")
    assert view.quiet == "22:00-07:00"
    assert all(not (m.hour >= 22 or m.hour < 7) for m in view.upcoming_local)


async def test_the_persons_choice_wins_over_the_team_default(
    team: Team, services: Services, clock: FakeClock
) -> None:
    # The team's default rhythm, as a TOML [teams."default"] table would give it.
    services.settings = dataclasses.replace(
        services.settings, team_defaults=(("default", "水 15:00", None),)
    )
    schedules = Schedules(services)
    await schedules.apply_team_defaults()
    assert (await schedules.show(COORD, "田中さん")).source == "team"
    next_local = await schedules.choose_frequency(PERSON, "daily")
    assert next_local is not None and next_local - clock.now() <= timedelta(days=1, minutes=15)
    view = await schedules.show(COORD, "田中さん")
    assert view.source == "person" and view.spec is not None and view.spec.startswith("毎日")


async def test_after_resolution_checkins_are_daily_for_a_while_then_step_back(
    team: Team,
) -> None:
    schedules = schedules_for(team)
    await team.reply(PERSON, URGENT)
    [case] = await team.cases()
    assert (await team.queue.resolve(case.id, SUPPORTER, "contacted")).kind == "ok"
    view = await schedules.show(COORD, "田中さん")
    assert view.tight_until_local is not None
    gaps = [b - a for a, b in itertools.pairwise(view.upcoming_local)]
    assert all(gap <= timedelta(days=1, minutes=25) for gap in gaps)
    found, lines = await team.queue.person_timeline(COORD, "田中さん")
    assert found.kind == "ok" and any("見守りを少し増やしています" in line for line in lines)
    # Eight days on, the usual rhythm (火金) is back by itself.
    team.clock.advance(days=8)
    later = await schedules.show(COORD, "田中さん")
    assert later.tight_until_local is None
    assert all(m.weekday() in (1, 4) for m in later.upcoming_local)
    async with team.services.db.transaction() as session:
        person = await repo.person_by_user(session, PERSON)
        assert person is not None and person.tight_until is not None
