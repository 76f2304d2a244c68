"""bansou's own Telegram Bot API stand-in for end-to-end tests (no internet, real PTB stack).

Typical use::

    with BotApiStandin() as standin:
        bot = telegram.Bot(standin.token, base_url=standin.base_url)
        alice = standin.user(1001, "アリス")
        alice.start("invite-code")
        ...
        await standin.await_sent(alice.id)

See :mod:`tests.standin.server` for what is faithful and what is simplified.
"""

from tests.standin.drivers import FakeGroup, FakeUser
from tests.standin.entities import detect_entities, utf16_len
from tests.standin.records import AnsweredCallback, Call, SentMessage, UpdateRef
from tests.standin.server import (
    ALL_UPDATE_TYPES,
    DEFAULT_TOKEN,
    DEFAULT_UPDATE_TYPES,
    FAULT_KINDS,
    BotApiStandin,
)

__all__ = [
    "ALL_UPDATE_TYPES",
    "DEFAULT_TOKEN",
    "DEFAULT_UPDATE_TYPES",
    "FAULT_KINDS",
    "AnsweredCallback",
    "BotApiStandin",
    "Call",
    "FakeGroup",
    "FakeUser",
    "SentMessage",
    "UpdateRef",
    "detect_entities",
    "utf16_len",
]
