"""End-to-end fixtures: the Bot API stand-in and the running bot around it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.e2e.harness import World, world_for
from tests.fakes import TEST_TOKEN
from tests.standin import BotApiStandin


@pytest.fixture
def standin() -> Iterator[BotApiStandin]:
    with BotApiStandin(token=TEST_TOKEN) as server:
        yield server
        assert server.internal_errors() == []


@pytest.fixture
async def world(standin: BotApiStandin, sqlite_url: str) -> AsyncIterator[World]:
    async with world_for(standin, sqlite_url) as running:
        yield running
