"""Webhook mode end to end: the real app (in-process) receives the stand-in's webhook POSTs.

What is shown: setWebhook is called with the secret and every update type; a delivered
update is journalled before the 200 and then processed; a wrong or missing secret gets 403
and stores nothing, a bad body 400; a redelivered update is stored and handled once; an
update journalled (and acknowledged) just before a crash is processed after the restart.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.config import Settings
from bot.services import Services
from handlers.intake import DurableIntake
from handlers.webhook import SECRET_HEADER
from storage.models import Inbound, UpdateJournal
from tests.e2e.harness import eventually, running_bot
from tests.fakes import TEST_TOKEN, FakeClock, make_settings, open_database
from tests.standin import BotApiStandin

PERSON_ID = 7301
SECRET = "webhook-secret_XYZ"
PATH = "/bansou"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(standin: BotApiStandin, url: str) -> Settings:
    port = free_port()
    return make_settings(
        database_url=url,
        telegram_base_url=standin.base_url,
        webhook_url=f"http://127.0.0.1:{port}{PATH}",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=SECRET,
    )


async def post(settings: Settings, body: bytes, secret: str | None) -> int:
    """POST to the bot's webhook as Telegram (or a forger) would; the HTTP status."""

    def send() -> int:
        conn = http.client.HTTPConnection("127.0.0.1", settings.webhook_port, timeout=5)
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        try:
            conn.request("POST", PATH, body=body, headers=headers)
            return conn.getresponse().status
        finally:
            conn.close()

    return await asyncio.to_thread(send)


async def count(url: str, model: type, *where: object) -> int:
    async with open_database(url) as db, db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def enrol(url: str) -> None:
    async with open_database(url) as db:
        services = Services(db, SystemClock(), make_settings(database_url=url))
        code = await services.create_invite("person", "ウェブフック本人")
        await services.open_invite(code, PERSON_ID, PERSON_ID)
        assert (await services.decide_consent(PERSON_ID, granted=True)).kind == "granted"


def message_update(update_id: int, text: str) -> dict[str, object]:
    now = int(datetime.now(UTC).timestamp())
    user = {"id": PERSON_ID, "is_bot": False, "first_name": "テスト"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 900 + update_id,
            "date": now,
            "chat": {"id": PERSON_ID, "type": "private", "first_name": "テスト"},
            "from": user,
            "text": text,
        },
    }


async def test_webhook_journals_before_200_checks_the_secret_and_dedupes(
    standin: BotApiStandin, sqlite_url: str
) -> None:
    await enrol(sqlite_url)
    settings = webhook_settings(standin, sqlite_url)
    person = standin.user(PERSON_ID, "テスト")
    async with running_bot(settings, FakeClock()):
        assert standin.webhook_url == settings.webhook_url
        (call,) = standin.calls("setWebhook")
        assert call.params["secret_token"] == SECRET
        assert call.params.get("drop_pending_updates") in (None, False, "false", "False")
        assert "message" in call.params["allowed_updates"]
        assert not standin.calls("deleteWebhook")

        ref = person.send_text("ウェブフックで届いた言葉")
        assert ref.update_id is not None

        async def handled() -> bool:
            return await count(sqlite_url, Inbound) == 1

        await eventually(handled, "the delivered update was not processed")
        assert ref.update_id in standin.webhook_deliveries()
        journal = await count(sqlite_url, UpdateJournal)

        # Forged or garbled POSTs: refused, nothing stored.
        forged = json.dumps(message_update(ref.update_id + 50, "偽物")).encode()
        assert await post(settings, forged, "wrong-secret") == 403
        assert await post(settings, forged, None) == 403
        assert await post(settings, b"{not json", SECRET) == 400
        assert await post(settings, b'{"no_update_id": 1}', SECRET) == 400
        assert await count(sqlite_url, UpdateJournal) == journal

        # Telegram re-delivers an update it thinks was not acknowledged: 200, handled once.
        again = json.dumps(message_update(ref.update_id, "ウェブフックで届いた言葉")).encode()
        assert await post(settings, again, SECRET) == 200
        fresh = json.dumps(message_update(ref.update_id + 1, "二通目")).encode()
        assert await post(settings, fresh, SECRET) == 200

        async def second_handled() -> bool:
            pending = await count(sqlite_url, UpdateJournal, UpdateJournal.processed_at.is_(None))
            return pending == 0 and await count(sqlite_url, Inbound) == 2

        await eventually(second_handled, "the second update was not processed")
        assert await count(sqlite_url, UpdateJournal) == journal + 1
    assert await count(sqlite_url, Inbound) == 2


async def test_an_update_journalled_before_a_crash_is_processed_after_restart(
    standin: BotApiStandin, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await enrol(sqlite_url)
    settings = webhook_settings(standin, sqlite_url)
    person = standin.user(PERSON_ID, "テスト")

    async def never_process(self: DurableIntake) -> str:
        return "idle"

    # First life: updates are journalled and acknowledged, but the process "dies" before its
    # processor gets to them.
    with monkeypatch.context() as patch:
        patch.setattr(DurableIntake, "_process_next", never_process)
        async with running_bot(settings, FakeClock()):
            ref = person.send_text("落ちる直前の言葉")
            await standin.await_for(
                lambda: ref.update_id in standin.webhook_deliveries(), timeout=5.0
            )
    assert standin.pending_updates() == 0  # Telegram considers it delivered
    assert await count(sqlite_url, UpdateJournal, UpdateJournal.processed_at.is_(None)) == 1
    assert await count(sqlite_url, Inbound) == 0

    # Second life: the journal is worked off at start.
    async with running_bot(settings, FakeClock()):

        async def handled() -> bool:
            pending = await count(sqlite_url, UpdateJournal, UpdateJournal.processed_at.is_(None))
            return pending == 0

        await eventually(handled, "the journalled update was not processed after restart")
    assert await count(sqlite_url, Inbound) == 1


def test_webhook_settings_are_validated_and_the_secret_never_echoed() -> None:
    from bot.config import ConfigError, load_settings

    base = {"BANSOU_WEBHOOK_URL": "https://bot.example.org/bansou"}
    with pytest.raises(ConfigError, match=r"BANSOU_WEBHOOK_SECRET.*example"):
        load_settings(base)
    with pytest.raises(ConfigError, match="BANSOU_WEBHOOK_SECRET") as bad:
        load_settings({**base, "BANSOU_WEBHOOK_SECRET": "has spaces and ü"})
    assert "has spaces" not in str(bad.value)
    with pytest.raises(ConfigError, match=r"BANSOU_WEBHOOK_URL.*https"):
        load_settings({**base, "BANSOU_WEBHOOK_URL": "http://bot.example.org/x", **_secret()})
    with pytest.raises(ConfigError, match="BANSOU_WEBHOOK_PORT"):
        load_settings({**base, "BANSOU_WEBHOOK_PORT": "70000", **_secret()})
    with pytest.raises(ConfigError, match="BANSOU_OUTBOX_LEASE_SECONDS"):
        load_settings({"BANSOU_OUTBOX_LEASE_SECONDS": "0"})
    settings = load_settings({**base, **_secret(), "BANSOU_WEBHOOK_PORT": "9443"})
    assert settings.webhook_mode and settings.webhook_port == 9443
    assert not load_settings({}).webhook_mode  # polling stays the default


def _secret() -> dict[str, str]:
    return {"BANSOU_WEBHOOK_SECRET": SECRET}


def test_cli_webhook_without_url_is_a_configuration_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    for name in list(os.environ):
        if name.startswith("BANSOU_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BANSOU_TELEGRAM_TOKEN", TEST_TOKEN)
    assert main(["run", "--webhook", "--secret-token", SECRET]) == 2
    err = capsys.readouterr().err
    assert "BANSOU_WEBHOOK_URL" in err and SECRET not in err
    assert main(["run", "--url", "https://bot.example.org/bansou"]) == 2
    assert "BANSOU_WEBHOOK_SECRET" in capsys.readouterr().err
