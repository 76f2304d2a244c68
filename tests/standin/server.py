"""A loopback stand-in for the Telegram Bot API, for end-to-end tests of the real PTB stack.

The bot under test talks to it with ``Bot(token, base_url=standin.base_url)``; requests arrive
as ``POST /bot<TOKEN>/<method>`` exactly as PTB's ``HTTPXRequest`` sends them (url-encoded form,
multipart when files are uploaded, JSON bodies and query strings are accepted too). Tests drive
fake users (:meth:`BotApiStandin.user`, :meth:`BotApiStandin.group`), observe what the bot did
(:meth:`BotApiStandin.sent_messages`, :meth:`BotApiStandin.calls`, ...), inject faults
(:meth:`BotApiStandin.fail_next`, :meth:`BotApiStandin.block`) and wait for conditions without
fixed sleeps (:meth:`BotApiStandin.wait_for`, :meth:`BotApiStandin.await_for`).

Faithful where it matters for the bot: response envelopes and error codes/descriptions (so PTB
raises Forbidden / RetryAfter / BadRequest / NetworkError / TimedOut / Conflict / InvalidToken),
getUpdates offset/limit/long-poll/allowed_updates semantics, 409 on competing getUpdates or an
active webhook, webhook delivery with the secret-token header and retries, complete Message /
CallbackQuery / Chat / User objects, per-chat message ids, edit semantics (an edit without
``reply_markup`` removes the inline keyboard; identical edits → "message is not modified"),
``parse_mode`` handling with "can't parse entities" errors, UTF-16 entity offsets, group
privacy mode, and (opt-in) Telegram's flood limits.

Simplified (documented, on purpose): Bot API methods beyond those the bot uses answer 404
(PTB: InvalidToken / EndPointNotFound), as Telegram does for unknown methods; no inline mode,
no file downloads, no media groups; webhook URLs may be plain ``http`` on any port (Telegram
demands HTTPS on 443/80/88/8443) and updates are POSTed one at a time, in order (Telegram may
use up to ``max_connections`` in parallel); ``allowed_updates`` is applied when updates are
handed out (Telegram applies it when they are created); chat ids must be known (created via
:meth:`BotApiStandin.user` / :meth:`BotApiStandin.group` or seen in a pushed update), others
get "chat not found"; MarkdownV2 ``>`` block quotes and nesting rules are not modelled;
``slow`` faults delay the answer but the call still takes effect.

It never logs: no token, no message text. All state is guarded by one lock; records handed
to tests are copies.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import email.parser
import email.policy
import http.client
import inspect
import json
import math
import re
import socket
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, TypeVar

from telegram import Bot
from telegram.ext import ApplicationBuilder
from telegram.request import HTTPXRequest

from tests.standin.drivers import FakeGroup, FakeUser
from tests.standin.entities import ParseError, detect_entities, parse_formatted, utf16_len
from tests.standin.records import AnsweredCallback, Call, SentMessage, UpdateRef

__all__ = ["DEFAULT_TOKEN", "FAULT_KINDS", "BotApiStandin"]

JSONDict = dict[str, Any]
T = TypeVar("T")

DEFAULT_TOKEN = "7000000001:AAStandInTokenForTestsOnly_0123456789"
FAULT_KINDS = frozenset(
    {"blocked", "retry_after", "server_error", "bad_request", "slow", "disconnect"}
)

# Update types delivered when allowed_updates was never given (or given as []).
ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

# Parameters whose (url-encoded / multipart) value PTB JSON-encodes. Everything else is a raw
# string and is never JSON-decoded (a text of "123" stays the string "123").
_JSON_PARAMS = frozenset(
    {
        "message_id",
        "message_ids",
        "reply_to_message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "allowed_updates",
        "reply_markup",
        "entities",
        "caption_entities",
        "reply_parameters",
        "link_preview_options",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
        "disable_web_page_preview",
        "drop_pending_updates",
        "max_connections",
        "show_alert",
        "cache_time",
        "scope",
        "commands",
        "latitude",
        "longitude",
        "horizontal_accuracy",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "duration",
        "width",
        "height",
        "length",
        "show_caption_above_media",
        "has_spoiler",
        "supports_streaming",
        "disable_content_type_detection",
        "media",
        "menu_button",
        "rights",
        "for_channels",
        "user_id",
        "until_date",
        "revoke_messages",
        "only_if_banned",
        "is_big",
        "reaction",
    }
)
_CHAT_ID_PARAMS = frozenset({"chat_id", "from_chat_id"})

# Methods that put something into a chat; a blocked chat answers 403 to all of them.
_CHAT_WRITE_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendsticker",
        "sendvoice",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendvideonote",
        "sendlocation",
        "sendcontact",
        "sendpoll",
        "senddice",
        "sendmediagroup",
        "sendchataction",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
        "editmessagemedia",
    }
)
# Methods that count as "sends" for the flood-limit model and max_sends_in_window().
_COUNTED_SENDS = _CHAT_WRITE_METHODS - {"sendchataction"}

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_PATH_RE = re.compile(r"^/bot(?P<token>[^/]*)/(?P<method>[A-Za-z0-9_]+)/?$")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class ApiError(Exception):
    """An error answer of the Bot API (``ok: false``)."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class _Fault:
    method: str
    kind: str
    remaining: int
    chat_id: int | None
    retry_after: int
    delay: float
    status: int
    description: str | None


@dataclass
class _Stored:
    body: JSONDict
    from_bot: bool
    record: SentMessage | None = None
    deleted: bool = False


@dataclass
class _Press:
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


class _Disconnect(Exception):
    """Close the connection without answering (fault kind ``disconnect``)."""


class _Server(HTTPServer):
    """HTTP server with one thread per connection, tracked so stop() can end them."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog is 5. A bot whose keep-alive connections are all busy
    # opens several new ones at once; past 5 the kernel dropped the connection attempts and
    # the client retried them a second later (TCP's initial SYN timeout), so those sends
    # reached the stand-in bunched into a later second. Telegram does not refuse connections
    # like that, and those delays made max_sends_in_window() report more than the bot sent.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], standin: BotApiStandin) -> None:
        self.standin = standin
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name="standin-conn",
            daemon=True,
        )
        with self._conn_lock:
            self._connections.add(request)
            self._threads.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # a broken client connection is not our business
            pass
        finally:
            self.shutdown_request(request)
            with self._conn_lock:
                self._connections.discard(request)
                self._threads.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silence: never print tracebacks (they could contain request data)."""

    def close_connections(self, join_timeout: float) -> None:
        with self._conn_lock:
            connections = list(self._connections)
            threads = list(self._threads)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + join_timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 120
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log (it would contain the token)."""

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        try:
            body = self._read_body()
            status, payload = self.server.standin._handle_http(self.path, self.headers, body)
        except _Disconnect:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


class BotApiStandin:
    """The Bot API stand-in. Use as a context manager or call :meth:`start` / :meth:`stop`.

    Args:
        token: the only token accepted; others get ``401 Unauthorized``.
        host, port: where to listen (default: an ephemeral port on 127.0.0.1).
        bot_id: the bot's user id (default: the numeric prefix of the token).
        bot_username, bot_first_name: the bot's identity as returned by getMe.
        privacy_mode: the bot's group privacy mode (Telegram default: on). With it on, the
            bot gets only commands, replies to itself and mentions in groups where it is not
            an admin; getMe reports ``can_read_all_group_messages = not privacy_mode``.
        enforce_limits: model Telegram's flood limits (see :meth:`max_sends_in_window`):
            more than :attr:`GLOBAL_PER_SECOND` sends in any rolling second overall, more
            than :attr:`PRIVATE_BURST` sends to one private chat in any rolling
            :attr:`PRIVATE_WINDOW` seconds (1/s sustained with a small burst), or more than
            :attr:`GROUP_PER_MINUTE` sends to one group in any rolling minute → 429 with a
            ``retry_after`` until the window frees up; each counted in
            :attr:`limit_violations`.
        first_update_id: id of the first update (later ones count up by one).
        webhook_retry_interval: pause before re-delivering an update whose webhook POST failed.
        control_api: also serve ``POST /_standin/<action>`` (JSON body) so that a test in
            another process can drive it; see :meth:`_control` (``python -m tests.standin``
            turns it on).

    Restarting (``stop()`` then ``start()``) keeps all state and the port: use it to
    simulate a Telegram outage (clients get connection errors → PTB ``NetworkError``).
    """

    GLOBAL_PER_SECOND = 30
    PRIVATE_BURST = 3
    PRIVATE_WINDOW = 3.0
    GROUP_PER_MINUTE = 20

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_id: int | None = None,
        bot_username: str = "bansou_test_bot",
        bot_first_name: str = "伴走テスト",
        privacy_mode: bool = True,
        can_join_groups: bool = True,
        enforce_limits: bool = False,
        first_update_id: int = 1,
        webhook_retry_interval: float = 0.1,
        control_api: bool = False,
    ) -> None:
        if not token:
            raise ValueError("token must not be empty")
        prefix = token.split(":", 1)[0]
        self._token = token
        self._host = host
        self._requested_port = port
        self._bot_user: JSONDict = {
            "id": bot_id
            if bot_id is not None
            else (int(prefix) if prefix.isdigit() else 7000000001),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._privacy_mode = privacy_mode
        self._can_join_groups = can_join_groups
        self.enforce_limits = enforce_limits
        self._webhook_retry_interval = webhook_retry_interval
        self._control_api = control_api

        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._serve_thread: threading.Thread | None = None
        self._webhook_thread: threading.Thread | None = None
        self._stopping = False

        self._next_update_id = first_update_id
        self._updates: list[JSONDict] = []
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0

        self._chats: dict[int, JSONDict] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._users: dict[int, FakeUser] = {}
        self._message_counters: dict[int, int] = {}
        self._messages: dict[tuple[int, int], _Stored] = {}
        self._sent: list[SentMessage] = []
        self._calls: list[Call] = []
        self._presses: dict[str, _Press] = {}
        self._answered: list[AnsweredCallback] = []
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._send_times: list[tuple[float, int]] = []
        self._limit_violations = 0
        self._serial = 0
        self._internal_errors: list[str] = []

        self._webhook_url = ""
        self._webhook_secret: str | None = None
        self._webhook_max_connections = 40
        self._webhook_allowed: list[str] | None = None
        self._webhook_next_try = 0.0
        self._webhook_last_error: tuple[int, str] | None = None
        self._webhook_deliveries: list[tuple[int, dict[str, str]]] = []

        self._methods: dict[str, tuple[str, Callable[[JSONDict, JSONDict], Any]]] = {}
        for name in (
            "getMe",
            "logOut",
            "close",
            "getUpdates",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "sendMessage",
            "sendDocument",
            "sendPhoto",
            "editMessageText",
            "editMessageReplyMarkup",
            "deleteMessage",
            "answerCallbackQuery",
            "sendChatAction",
            "getChat",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "setMyName",
            "setMyDescription",
            "setMyShortDescription",
            "setChatMenuButton",
        ):
            impl = getattr(self, f"_api_{name}")
            self._methods[name.lower()] = (name, impl)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> BotApiStandin:
        """Bind, and serve from a background thread. Returns ``self``."""
        if self._server is not None:
            raise RuntimeError("stand-in already started")
        with self._cond:
            self._stopping = False
        self._server = _Server((self._host, self._requested_port), self)
        # A restart (stop(); start()) keeps the port, so base_url stays valid: an "outage".
        self._requested_port = int(self._server.server_address[1])
        self._serve_thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="standin-http",
            daemon=True,
        )
        self._serve_thread.start()
        self._webhook_thread = threading.Thread(
            target=self._webhook_loop, name="standin-webhook", daemon=True
        )
        self._webhook_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: wakes long polls and slow answers, closes all connections."""
        server = self._server
        if server is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        server.shutdown()
        server.close_connections(join_timeout=2.0)
        server.server_close()
        for thread in (self._serve_thread, self._webhook_thread):
            if thread is not None:
                thread.join(timeout=2.0)
        self._server = None
        self._serve_thread = None
        self._webhook_thread = None

    def __enter__(self) -> BotApiStandin:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("stand-in not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """PTB's ``base_url``: ``http://127.0.0.1:PORT/bot`` (PTB appends the token)."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """PTB's ``base_file_url`` (file downloads are not served)."""
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def token(self) -> str:
        return self._token

    @property
    def bot_id(self) -> int:
        return int(self._bot_user["id"])

    @property
    def bot_username(self) -> str:
        return str(self._bot_user["username"])

    # ------------------------------------------------------------------ PTB clients

    def request(self, **kwargs: Any) -> HTTPXRequest:
        """A PTB ``HTTPXRequest`` for this stand-in (``kwargs`` as for HTTPXRequest).

        The stand-in speaks plain HTTP, so CA certificates are not loaded (``verify=False``):
        that saves ~80 ms per client. Use for ``ApplicationBuilder().request(...)`` and
        ``.get_updates_request(...)``.
        """
        httpx_kwargs = {"verify": False, **kwargs.pop("httpx_kwargs", {})}
        return HTTPXRequest(httpx_kwargs=httpx_kwargs, **kwargs)

    def bot(self, **kwargs: Any) -> Bot:
        """A real PTB ``Bot`` pointed at this stand-in (not yet initialized)."""
        kwargs.setdefault("request", self.request())
        kwargs.setdefault("get_updates_request", self.request())
        return Bot(self._token, base_url=self.base_url, **kwargs)

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """``ApplicationBuilder`` with token, base_url and fast requests already set."""
        return (
            ApplicationBuilder()
            .token(self._token)
            .base_url(self.base_url)
            .request(self.request())
            .get_updates_request(self.request())
        )

    # ------------------------------------------------------------------ driving users

    def user(
        self,
        user_id: int,
        first_name: str = "テスト",
        username: str | None = None,
        language_code: str | None = "ja",
        last_name: str | None = None,
    ) -> FakeUser:
        """A fake user; their private chat with the bot has ``chat_id == user_id``."""
        fake = FakeUser(self, user_id, first_name, username, language_code, last_name)
        with self._cond:
            self._users[user_id] = fake
            self._chats[user_id] = fake.private_chat()
        return fake

    def group(
        self,
        chat_id: int,
        title: str = "支援チーム",
        *,
        chat_type: str | None = None,
        bot_is_admin: bool = False,
    ) -> FakeGroup:
        """A group the bot is a member of. Ids starting with -100 default to supergroups."""
        kind = chat_type or ("supergroup" if str(chat_id).startswith("-100") else "group")
        fake = FakeGroup(self, chat_id, title, kind, bot_is_admin)
        with self._cond:
            self._groups[chat_id] = fake
            self._chats[chat_id] = fake.to_dict()
        return fake

    def push_update(self, update: JSONDict) -> int:
        """Queue an arbitrary raw update; ``update_id`` is assigned unless given."""
        update = copy.deepcopy(update)
        with self._cond:
            if "update_id" in update:
                self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            else:
                update = {"update_id": self._next_update_id, **update}
                self._next_update_id += 1
            for value in update.values():
                if isinstance(value, dict):
                    self._learn_chats(value)
            self._updates.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    # ------------------------------------------------------------------ observing

    def sent_messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """The bot's messages (copies), in send order, optionally for one chat."""
        with self._cond:
            return [
                copy.deepcopy(record)
                for record in self._sent
                if chat_id is None or record.chat_id == chat_id
            ]

    def calls(self, method: str | None = None) -> list[Call]:
        """All requests the bot made (method case-insensitive filter), in order."""
        with self._cond:
            wanted = method.lower() if method else None
            return [
                Call(call.method, copy.deepcopy(call.params), call.time)
                for call in self._calls
                if wanted is None or call.method.lower() == wanted
            ]

    def pending_updates(self) -> int:
        """Updates not yet confirmed (getUpdates offset) or delivered (webhook)."""
        with self._cond:
            return len(self._updates)

    def my_commands(
        self, scope_dict: JSONDict | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """Commands stored by setMyCommands for exactly this scope and language."""
        with self._cond:
            key = (_scope_key(scope_dict), language_code or "")
            return copy.deepcopy(self._commands.get(key, []))

    def answered_callbacks(self) -> list[AnsweredCallback]:
        """Every answerCallbackQuery, in order."""
        with self._cond:
            return list(self._answered)

    def internal_errors(self) -> list[str]:
        """Tracebacks of unexpected exceptions inside the stand-in (answered with 500)."""
        with self._cond:
            return list(self._internal_errors)

    def webhook_deliveries(self) -> list[int]:
        """update_ids successfully POSTed to the webhook, in order."""
        with self._cond:
            return [update_id for update_id, _ in self._webhook_deliveries]

    @property
    def webhook_url(self) -> str:
        with self._cond:
            return self._webhook_url

    @property
    def limit_violations(self) -> int:
        """Sends refused with 429 by the flood-limit model (``enforce_limits=True``)."""
        with self._cond:
            return self._limit_violations

    def max_sends_in_window(self, window: float = 1.0, chat_id: int | None = None) -> int:
        """Most successful sends (send*/edit*/copy/forward) inside any rolling ``window`` s."""
        with self._cond:
            times = [t for t, chat in self._send_times if chat_id is None or chat == chat_id]
        best = 0
        first = 0
        for last, moment in enumerate(times):
            while moment - times[first] >= window:
                first += 1
            best = max(best, last - first + 1)
        return best

    # ------------------------------------------------------------------ waiting

    def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, description: str | None = None
    ) -> T:
        """Poll ``predicate`` (every ~5 ms) until truthy; return its value.

        For sync tests / other threads; in async tests use :meth:`await_for` (this blocks).
        Raises AssertionError describing the predicate and the stand-in's state on timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_report(predicate, timeout, description))
            time.sleep(0.005)

    async def await_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling deadline, not a cancel scope
        description: str | None = None,
    ) -> T:
        """Async :meth:`wait_for`: yields to the event loop between checks."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_report(predicate, timeout, description))
            await asyncio.sleep(0.005)

    def wait_for_sent(
        self, chat_id: int | None = None, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until the bot sent at least ``count`` messages (to ``chat_id``); return all."""
        return self.wait_for(
            lambda: _at_least(self.sent_messages(chat_id), count),
            timeout,
            f"at least {count} sent message(s) to chat {chat_id}",
        )

    async def await_sent(
        self,
        chat_id: int | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling deadline, not a cancel scope
    ) -> list[SentMessage]:
        """Async :meth:`wait_for_sent`."""
        return await self.await_for(
            lambda: _at_least(self.sent_messages(chat_id), count),
            timeout,
            f"at least {count} sent message(s) to chat {chat_id}",
        )

    def _timeout_report(
        self, predicate: Callable[[], Any], timeout: float, description: str | None
    ) -> str:
        what = description
        if what is None:
            try:
                what = inspect.getsource(predicate).strip()
            except (OSError, TypeError):
                what = getattr(predicate, "__qualname__", repr(predicate))
        with self._cond:
            recent = [call.method for call in self._calls[-8:]]
            sent = len(self._sent)
            pending = len(self._updates)
            faults = [(fault.method, fault.kind, fault.remaining) for fault in self._faults]
            bugs = len(self._internal_errors)
        return (
            f"condition not met within {timeout:.2f}s: {what}\n"
            f"  stand-in state: {sent} message(s) sent by the bot, {pending} pending update(s), "
            f"webhook={'set' if self._webhook_url else 'none'}, unconsumed faults={faults}, "
            f"blocked chats={sorted(self._blocked)}, last calls={recent}, "
            f"stand-in internal errors={bugs}"
        )

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        kind: str,
        count: int = 1,
        chat_id: int | None = None,
        retry_after: int = 1,
        delay: float = 0.0,
        *,
        status: int = 502,
        description: str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (``"*"``: any) fail with ``kind``.

        Kinds: ``blocked`` (403 bot was blocked), ``retry_after`` (429 with
        ``parameters.retry_after``), ``server_error`` (``status``, default 502 Bad Gateway),
        ``bad_request`` (400, ``description`` optional), ``slow`` (waits ``delay`` seconds,
        then answers normally - the call *does* take effect, as a real timed-out send may),
        ``disconnect`` (closes the connection unanswered). Faults are consumed in the order
        they were added; with ``chat_id`` only calls for that chat match.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be >= 1")
        if kind == "server_error" and not 500 <= status <= 599:
            raise ValueError("server_error status must be 5xx")
        fault = _Fault(
            method.lower(), kind, count, chat_id, retry_after, delay, status, description
        )
        with self._cond:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Drop all unconsumed faults."""
        with self._cond:
            self._faults.clear()

    def block(self, chat_id: int) -> None:
        """Every write to ``chat_id`` answers 403 until :meth:`unblock`."""
        with self._cond:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ HTTP entry

    def _handle_http(self, path: str, headers: Any, body: bytes) -> tuple[int, bytes]:
        parsed = urllib.parse.urlsplit(path)
        match = _PATH_RE.match(parsed.path)
        try:
            if self._control_api and parsed.path.startswith("/_standin/"):
                result = self._control(parsed.path[len("/_standin/") :], body)
                return 200, json.dumps({"ok": True, "result": result}).encode("utf-8")
            if match is None:
                raise ApiError(404, "Not Found")
            if match["token"] != self._token:
                raise ApiError(401, "Unauthorized")
            entry = self._methods.get(match["method"].lower())
            if entry is None:
                raise ApiError(404, "Not Found")
            params, files = _parse_params(parsed.query, headers, body)
            status, payload = self._dispatch(entry[0], entry[1], params, files)
        except ApiError as err:
            status, payload = err.code, err.payload()
        except _Disconnect:
            raise
        except Exception:
            # A bug in the stand-in (or a driver input error via the control API): answer 500
            # and keep the traceback for internal_errors() - never print it.
            with self._cond:
                self._internal_errors.append(traceback.format_exc())
            status, payload = 500, ApiError(500, "Internal Server Error").payload()
        return status, json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def _control(self, action: str, body: bytes) -> Any:
        """Out-of-process driving. Actions (JSON body fields in brackets):

        ``user_text`` {user_id, text, first_name?, username?, chat_id?} → UpdateRef;
        ``press`` {user_id, message_id, data, chat_id?, strict?} → UpdateRef;
        ``push_update`` {update} → update_id; ``sent_messages`` {chat_id?} → list;
        ``calls`` {method?} → list; ``pending_updates`` → int;
        ``fail_next`` {method, kind, count?, chat_id?, retry_after?, delay?, status?};
        ``block`` / ``unblock`` {chat_id}.
        """
        data = json.loads(body.decode("utf-8") or "{}") if body else {}

        def actor() -> FakeUser:
            user_id = int(data["user_id"])
            known = self._users.get(user_id)
            if known is None:
                return self.user(user_id, data.get("first_name", "テスト"), data.get("username"))
            return known

        if action == "user_text":
            user = actor()
            chat_id = int(data.get("chat_id", user.id))
            return self._user_message(chat_id, user, {"text": data["text"]})._asdict()
        if action == "press":
            user = actor()
            chat_id = int(data.get("chat_id", user.id))
            strict = bool(data.get("strict", True))
            ref = self._press(chat_id, user, int(data["message_id"]), data["data"], strict=strict)
            return ref._asdict()
        if action == "push_update":
            return self.push_update(data["update"])
        if action == "sent_messages":
            return [dataclasses.asdict(m) for m in self.sent_messages(data.get("chat_id"))]
        if action == "calls":
            return [dataclasses.asdict(c) for c in self.calls(data.get("method"))]
        if action == "pending_updates":
            return self.pending_updates()
        if action == "fail_next":
            self.fail_next(**data)
            return True
        if action in ("block", "unblock"):
            getattr(self, action)(int(data["chat_id"]))
            return True
        raise ApiError(404, "Not Found")

    def _dispatch(
        self,
        name: str,
        impl: Callable[[JSONDict, JSONDict], Any],
        params: JSONDict,
        files: JSONDict,
    ) -> tuple[int, JSONDict]:
        lowered = name.lower()
        with self._cond:
            recorded = dict(params)
            for field_name, meta in files.items():
                recorded[field_name] = {k: v for k, v in meta.items() if k != "data"}
            self._calls.append(Call(name, recorded, time.monotonic()))
            chat_id = params.get("chat_id") if isinstance(params.get("chat_id"), int) else None
            fault = self._take_fault(lowered, chat_id)
            if fault is not None:
                if fault.kind == "slow":
                    self._sleep_locked(fault.delay)
                    if self._stopping:
                        raise _Disconnect
                else:
                    return self._fault_answer(fault, chat_id)
            if lowered in _CHAT_WRITE_METHODS and chat_id in self._blocked:
                chat_type = self._chats.get(chat_id, {}).get("type", "private")
                if chat_type == "private":
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                raise ApiError(403, f"Forbidden: bot was kicked from the {chat_type} chat")
            counted = lowered in _COUNTED_SENDS and chat_id is not None
            if counted and self.enforce_limits:
                self._check_limits(chat_id)  # type: ignore[arg-type]
            result = impl(params, files)
            if counted:
                self._send_times.append((time.monotonic(), chat_id))  # type: ignore[arg-type]
            return 200, {"ok": True, "result": result}

    def _take_fault(self, method: str, chat_id: int | None) -> _Fault | None:
        for fault in self._faults:
            if fault.method not in (method, "*"):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return fault
        return None

    def _fault_answer(self, fault: _Fault, chat_id: int | None) -> tuple[int, JSONDict]:
        if fault.kind == "disconnect":
            raise _Disconnect
        if fault.kind == "blocked":
            err = ApiError(403, fault.description or "Forbidden: bot was blocked by the user")
        elif fault.kind == "retry_after":
            err = ApiError(
                429,
                fault.description or f"Too Many Requests: retry after {fault.retry_after}",
                retry_after=fault.retry_after,
            )
        elif fault.kind == "server_error":
            try:
                phrase = http.client.responses[fault.status]
            except KeyError:
                phrase = "Server Error"
            err = ApiError(fault.status, fault.description or phrase)
        else:
            err = ApiError(400, fault.description or "Bad Request: injected fault")
        return err.code, err.payload()

    def _sleep_locked(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._cond.wait(remaining)

    def _check_limits(self, chat_id: int) -> None:
        now = time.monotonic()
        rules: list[tuple[float, int, bool]] = [(1.0, self.GLOBAL_PER_SECOND, False)]
        if chat_id > 0:
            rules.append((self.PRIVATE_WINDOW, self.PRIVATE_BURST, True))
        else:
            rules.append((60.0, self.GROUP_PER_MINUTE, True))
        for window, allowed, per_chat in rules:
            recent = [
                t
                for t, chat in self._send_times
                if t > now - window and (not per_chat or chat == chat_id)
            ]
            if len(recent) >= allowed:
                self._limit_violations += 1
                wait = recent[len(recent) - allowed] + window - now
                retry_after = max(1, math.ceil(wait))
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )

    # ------------------------------------------------------------------ helpers

    def _now(self) -> int:
        return int(time.time())

    def _next_file_serial(self) -> int:
        with self._cond:
            self._serial += 1
            return self._serial

    def _learn_chats(self, obj: JSONDict) -> None:
        chat = obj.get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int) and "type" in chat:
            self._chats.setdefault(chat["id"], dict(chat))
        message = obj.get("message")
        if isinstance(message, dict):
            self._learn_chats(message)

    def _require_chat(self, params: JSONDict, key: str = "chat_id") -> JSONDict:
        chat_id = params.get(key)
        if chat_id is None or chat_id == "":
            raise _bad(f"{key} is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == chat_id[1:].lower():
                    return chat
            raise _bad("chat not found")
        if not isinstance(chat_id, int):
            raise _bad("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _int_param(self, params: JSONDict, key: str, default: int | None = None) -> int:
        value = params.get(key, default)
        if value is None:
            raise _bad(
                f"{key} is empty" if key != "message_id" else "message identifier is not specified"
            )
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _bad(f'field "{key}" must be a number')
        try:
            return int(value)
        except ValueError:
            raise _bad(f'field "{key}" must be a number') from None

    def _next_message_id(self, chat_id: int) -> int:
        value = self._message_counters.get(chat_id, 0) + 1
        self._message_counters[chat_id] = value
        return value

    def _enqueue(self, kind: str, body: JSONDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, kind: body})
        self._cond.notify_all()
        return update_id

    def _check_markup(self, markup: Any) -> JSONDict | None:
        if markup is None:
            return None
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise _bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is not None:
            if not isinstance(keyboard, list) or not all(isinstance(r, list) for r in keyboard):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
            for row in keyboard:
                for button in row:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise _bad(
                            "can't parse inline keyboard button: "
                            "Text buttons are unallowed in the inline keyboard"
                        )
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                        raise _bad("BUTTON_DATA_INVALID")
        return markup

    def _formatted(
        self, text: Any, params: JSONDict, entities_key: str = "entities"
    ) -> tuple[str, list[JSONDict]]:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        entities = params.get(entities_key)
        try:
            return parse_formatted(text, params.get("parse_mode"), entities)
        except ParseError as err:
            raise _bad(f"can't parse entities: {err}") from None

    def _reply_to(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        target: Any = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            target = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        elif params.get("reply_to_message_id") is not None:
            target = params["reply_to_message_id"]
        if target is None:
            return None
        stored = self._messages.get((chat_id, int(target)))
        if stored is None or stored.deleted:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        original = copy.deepcopy(stored.body)
        original.pop("reply_to_message", None)
        return original

    def _store_bot_message(
        self,
        method: str,
        chat: JSONDict,
        params: JSONDict,
        content: JSONDict,
        text: str | None,
        entities: list[JSONDict],
        document: JSONDict | None = None,
    ) -> JSONDict:
        chat_id = int(chat["id"])
        markup = self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        message_id = self._next_message_id(chat_id)
        body: JSONDict = {
            "message_id": message_id,
            "from": dict(self._bot_user),
            "chat": dict(chat),
            "date": self._now(),
            **content,
        }
        if reply_to is not None:
            body["reply_to_message"] = reply_to
        if markup is not None and "inline_keyboard" in markup:
            body["reply_markup"] = markup
        record = SentMessage(
            chat_id=chat_id,
            message_id=message_id,
            text=text,
            reply_markup=copy.deepcopy(markup),
            date=body["date"],
            current_text=text,
            current_markup=copy.deepcopy(markup),
            method=method,
            parse_mode=params.get("parse_mode"),
            entities=copy.deepcopy(entities),
            document=document,
            sent_at=time.monotonic(),
        )
        self._messages[(chat_id, message_id)] = _Stored(body, True, record)
        self._sent.append(record)
        return copy.deepcopy(body)

    def _bot_message_for_edit(self, params: JSONDict, verb: str = "edit") -> _Stored:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._require_chat(params)
        message_id = self._int_param(params, "message_id")
        stored = self._messages.get((int(chat["id"]), message_id))
        if stored is None or stored.deleted:
            raise _bad(f"message to {verb} not found")
        if not stored.from_bot and verb == "edit":
            raise _bad("message can't be edited")
        return stored

    # ------------------------------------------------------------------ user-side actions

    def _user_message(
        self,
        chat_id: int,
        user: FakeUser,
        content: JSONDict,
        *,
        reply_to: int | None = None,
        date: int | None = None,
    ) -> UpdateRef:
        with self._cond:
            chat = self._chats.get(chat_id)
            if chat is None:
                raise ValueError(f"unknown chat {chat_id}; create it with user() or group()")
            content = copy.deepcopy(content)
            for key in ("text", "caption"):
                if key in content:
                    entities = detect_entities(content[key])
                    if entities:
                        content["entities" if key == "text" else "caption_entities"] = entities
            message_id = self._next_message_id(chat_id)
            body: JSONDict = {
                "message_id": message_id,
                "from": user.to_dict(),
                "chat": dict(chat),
                "date": self._now() if date is None else date,
            }
            replied_to_bot = False
            if reply_to is not None:
                target = self._messages.get((chat_id, reply_to))
                if target is None:
                    raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
                original = copy.deepcopy(target.body)
                original.pop("reply_to_message", None)
                body["reply_to_message"] = original
                replied_to_bot = target.from_bot
            body.update(content)
            self._messages[(chat_id, message_id)] = _Stored(copy.deepcopy(body), False)
            if not self._group_delivers(chat, body, replied_to_bot):
                return UpdateRef(None, message_id)
            return UpdateRef(self._enqueue("message", body), message_id)

    def _group_delivers(self, chat: JSONDict, body: JSONDict, replied_to_bot: bool) -> bool:
        """Group privacy mode: what a bot that is not an admin gets to see."""
        if chat["type"] == "private" or not self._privacy_mode:
            return True
        group = self._groups.get(int(chat["id"]))
        if group is not None and group.bot_is_admin:
            return True
        if replied_to_bot:
            return True
        text = body.get("text") or body.get("caption") or ""
        for entity in body.get("entities", []) + body.get("caption_entities", []):
            piece = text.encode("utf-16-le")[
                entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2
            ]
            value = piece.decode("utf-16-le")
            if entity["type"] == "bot_command":
                _, _, target = value.partition("@")
                if not target or target.lower() == self.bot_username.lower():
                    return True
            if entity["type"] == "mention" and value[1:].lower() == self.bot_username.lower():
                return True
        return False

    def _user_edit(self, chat_id: int, user: FakeUser, message_id: int, text: str) -> UpdateRef:
        with self._cond:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or stored.from_bot or stored.body["from"]["id"] != user.id:
                raise ValueError(f"user {user.id} has no message {message_id} in chat {chat_id}")
            if "text" not in stored.body:
                raise ValueError("only text messages can be edited by this driver")
            body = copy.deepcopy(stored.body)
            body["text"] = text
            body.pop("entities", None)
            entities = detect_entities(text)
            if entities:
                body["entities"] = entities
            body["edit_date"] = max(self._now(), int(body["date"]))
            stored.body = copy.deepcopy(body)
            chat = self._chats[chat_id]
            if not self._group_delivers(chat, body, "reply_to_message" in body):
                return UpdateRef(None, message_id)
            return UpdateRef(self._enqueue("edited_message", body), message_id)

    def _callback_data_for(self, chat_id: int, message_id: int, label: str) -> str:
        with self._cond:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or stored.record is None:
                raise ValueError(f"no bot message {message_id} in chat {chat_id}")
            return copy.deepcopy(stored.record).callback_data_for(label)

    def _press(
        self, chat_id: int, user: FakeUser, message_id: int, data: str, *, strict: bool
    ) -> UpdateRef:
        with self._cond:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or stored.deleted or not stored.from_bot:
                raise ValueError(f"no bot message {message_id} in chat {chat_id} to press on")
            if strict:
                keyboard = stored.body.get("reply_markup", {}).get("inline_keyboard", [])
                if not any(b.get("callback_data") == data for row in keyboard for b in row):
                    raise ValueError(
                        f"message {message_id} has no inline button with this callback_data "
                        "(pass strict=False to forge a press)"
                    )
            self._serial += 1
            query_id = str(4_000_000_000_000_000 + self._serial)
            self._presses[query_id] = _Press(user.id, chat_id, message_id, data)
            body = {
                "id": query_id,
                "from": user.to_dict(),
                "message": copy.deepcopy(stored.body),
                "chat_instance": str((chat_id * 2_654_435_761) % (2**63)),
                "data": data,
            }
            update_id = self._enqueue("callback_query", body)
            return UpdateRef(update_id, message_id, query_id)

    def _my_chat_member(self, chat: JSONDict, by_user: FakeUser, old: str, new: str) -> UpdateRef:
        def member(status: str) -> JSONDict:
            data: JSONDict = {"status": status, "user": dict(self._bot_user)}
            if status == "kicked":
                data["until_date"] = 0
            return data

        with self._cond:
            body = {
                "chat": dict(chat),
                "from": by_user.to_dict(),
                "date": self._now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
            return UpdateRef(self._enqueue("my_chat_member", body))

    # ------------------------------------------------------------------ Bot API methods

    def _api_getMe(self, params: JSONDict, files: JSONDict) -> JSONDict:
        return {
            **self._bot_user,
            "can_join_groups": self._can_join_groups,
            "can_read_all_group_messages": not self._privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_logOut(self, params: JSONDict, files: JSONDict) -> bool:
        return True

    def _api_close(self, params: JSONDict, files: JSONDict) -> bool:
        return True

    def _api_getUpdates(self, params: JSONDict, files: JSONDict) -> list[JSONDict]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = self._int_param(params, "offset", 0)
        limit = self._int_param(params, "limit", 100)
        limit = 100 if limit <= 0 else min(limit, 100)
        timeout = float(params.get("timeout") or 0)
        if timeout < 0:
            timeout = 0.0
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if isinstance(allowed, str):
                allowed = json.loads(allowed) if allowed.startswith("[") else [allowed]
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()  # an older long poll is terminated by this one
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        deadline = time.monotonic() + timeout
        while True:
            if self._stopping:
                raise _Disconnect
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if self._webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            self._drop_unwanted(self._allowed_updates)
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(remaining)

    def _drop_unwanted(self, allowed: frozenset[str]) -> None:
        self._updates = [u for u in self._updates if _update_type(u) in allowed]

    def _api_setWebhook(self, params: JSONDict, files: JSONDict) -> bool:
        url = params.get("url") or ""
        if not url:
            return self._api_deleteWebhook(params, files)
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(secret):
            raise _bad("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        allowed = params.get("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
            self._webhook_allowed = list(allowed)
        self._webhook_url = url
        self._webhook_secret = secret
        self._webhook_max_connections = int(params.get("max_connections") or 40)
        self._webhook_next_try = 0.0
        self._webhook_last_error = None
        self._cond.notify_all()
        return True

    def _api_deleteWebhook(self, params: JSONDict, files: JSONDict) -> bool:
        self._webhook_url = ""
        self._webhook_secret = None
        self._webhook_last_error = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._cond.notify_all()
        return True

    def _api_getWebhookInfo(self, params: JSONDict, files: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook_url:
            info["max_connections"] = self._webhook_max_connections
            if self._webhook_allowed is not None:
                info["allowed_updates"] = list(self._webhook_allowed)
            if self._webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    def _api_sendMessage(self, params: JSONDict, files: JSONDict) -> JSONDict:
        chat = self._require_chat(params)
        text, entities = self._formatted(params.get("text"), params)
        if not text.strip():
            raise _bad("message text is empty")
        if utf16_len(text) > 4096:
            raise _bad("message is too long")
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._store_bot_message("sendMessage", chat, params, content, text, entities)

    def _media(self, method: str, field: str, params: JSONDict, files: JSONDict) -> JSONDict:
        chat = self._require_chat(params)
        caption, entities = self._formatted(params.get("caption"), params, "caption_entities")
        if utf16_len(caption) > 1024:
            raise _bad("message caption is too long")
        upload = files.get(field)
        if upload is None and not params.get(field):
            raise _bad(f"there is no {field} in the request")
        self._serial += 1
        ids = {"file_id": f"BQACAgIA{self._serial:010d}", "file_unique_id": f"AgAD{self._serial}"}
        document: JSONDict = {"source": "upload" if upload else "reference"}
        if upload is not None:
            document.update(
                file_name=upload["file_name"],
                mime_type=upload["mime_type"],
                file_size=len(upload["data"]),
                data=upload["data"],
            )
        else:
            document["reference"] = params.get(field)
        if field == "photo":
            media: Any = [{**ids, "width": 800, "height": 600}]
        else:
            media = {**ids}
            for key in ("file_name", "mime_type", "file_size"):
                if key in document:
                    media[key] = document[key]
        content: JSONDict = {field: media}
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return self._store_bot_message(
            method, chat, params, content, caption or None, entities, document
        )

    def _api_sendDocument(self, params: JSONDict, files: JSONDict) -> JSONDict:
        return self._media("sendDocument", "document", params, files)

    def _api_sendPhoto(self, params: JSONDict, files: JSONDict) -> JSONDict:
        return self._media("sendPhoto", "photo", params, files)

    def _api_editMessageText(self, params: JSONDict, files: JSONDict) -> JSONDict:
        stored = self._bot_message_for_edit(params)
        if "text" not in stored.body:
            raise _bad("there is no text in the message to edit")
        text, entities = self._formatted(params.get("text"), params)
        if not text.strip():
            raise _bad("message text is empty")
        if utf16_len(text) > 4096:
            raise _bad("message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        current_entities = stored.body.get("entities", [])
        if (
            text == stored.body["text"]
            and entities == current_entities
            and markup == stored.body.get("reply_markup")
        ):
            raise _bad(_NOT_MODIFIED[len("Bad Request: ") :])
        stored.body["text"] = text
        if entities:
            stored.body["entities"] = entities
        else:
            stored.body.pop("entities", None)
        self._set_markup(stored, markup)
        stored.body["edit_date"] = self._now()
        record = stored.record
        if record is not None:
            record.edits.append(text)
            record.current_text = text
            record.entities = copy.deepcopy(entities)
        return copy.deepcopy(stored.body)

    def _set_markup(self, stored: _Stored, markup: JSONDict | None) -> None:
        old = stored.body.get("reply_markup")
        if markup is None:
            stored.body.pop("reply_markup", None)
        else:
            stored.body["reply_markup"] = markup
        if stored.record is not None:
            if markup != old:
                stored.record.markup_edits += 1
            stored.record.current_markup = copy.deepcopy(markup)

    def _api_editMessageReplyMarkup(self, params: JSONDict, files: JSONDict) -> JSONDict:
        stored = self._bot_message_for_edit(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        if markup == stored.body.get("reply_markup"):
            raise _bad(_NOT_MODIFIED[len("Bad Request: ") :])
        self._set_markup(stored, markup)
        stored.body["edit_date"] = self._now()
        return copy.deepcopy(stored.body)

    def _api_deleteMessage(self, params: JSONDict, files: JSONDict) -> bool:
        stored = self._bot_message_for_edit(params, verb="delete")
        stored.deleted = True
        if stored.record is not None:
            stored.record.deleted = True
        return True

    def _api_answerCallbackQuery(self, params: JSONDict, files: JSONDict) -> bool:
        query_id = params.get("callback_query_id")
        press = self._presses.get(str(query_id)) if query_id else None
        if press is None or press.answered:
            raise _bad(_QUERY_TOO_OLD[len("Bad Request: ") :])
        text = params.get("text")
        if text is not None and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        press.answered = True
        cache_time = params.get("cache_time")
        self._answered.append(
            AnsweredCallback(
                callback_query_id=str(query_id),
                user_id=press.user_id,
                chat_id=press.chat_id,
                message_id=press.message_id,
                data=press.data,
                text=text,
                show_alert=bool(params.get("show_alert", False)),
                url=params.get("url"),
                cache_time=int(cache_time) if cache_time is not None else None,
                time=time.monotonic(),
            )
        )
        return True

    def _api_sendChatAction(self, params: JSONDict, files: JSONDict) -> bool:
        self._require_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong type of the chat action specified")
        return True

    def _api_getChat(self, params: JSONDict, files: JSONDict) -> JSONDict:
        chat = self._require_chat(params)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None and (not isinstance(scope, dict) or "type" not in scope):
            raise _bad("can't parse BotCommandScope JSON object")
        return _scope_key(scope), str(params.get("language_code") or "")

    def _api_setMyCommands(self, params: JSONDict, files: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad(
                "BOT_COMMANDS_TOO_MUCH" if isinstance(commands, list) else "commands is empty"
            )
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("BOT_COMMAND_INVALID")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_NAME_RE.match(name.lstrip("/")) or not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_INVALID")
            cleaned.append({"command": name.lstrip("/"), "description": description})
        key = self._commands_key(params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    def _api_getMyCommands(self, params: JSONDict, files: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _api_deleteMyCommands(self, params: JSONDict, files: JSONDict) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _api_setMyName(self, params: JSONDict, files: JSONDict) -> bool:
        return True

    def _api_setMyDescription(self, params: JSONDict, files: JSONDict) -> bool:
        return True

    def _api_setMyShortDescription(self, params: JSONDict, files: JSONDict) -> bool:
        return True

    def _api_setChatMenuButton(self, params: JSONDict, files: JSONDict) -> bool:
        return True

    # ------------------------------------------------------------------ webhook delivery

    def _webhook_loop(self) -> None:
        while True:
            with self._cond:
                update: JSONDict | None = None
                while not self._stopping:
                    if self._webhook_url:
                        self._drop_unwanted(self._allowed_updates)
                        wait = self._webhook_next_try - time.monotonic()
                        if self._updates and wait <= 0:
                            update = self._updates[0]
                            break
                        self._cond.wait(wait if self._updates else None)
                    else:
                        self._cond.wait()
                if self._stopping or update is None:
                    return
                url = self._webhook_url
                headers = {"Content-Type": "application/json"}
                if self._webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
                payload = json.dumps(update, ensure_ascii=False).encode("utf-8")
                update_id = int(update["update_id"])
            error = _post_webhook(url, headers, payload)
            with self._cond:
                if error is None:
                    self._updates = [u for u in self._updates if u["update_id"] != update_id]
                    self._webhook_deliveries.append((update_id, headers))
                    self._webhook_last_error = None
                else:
                    self._webhook_last_error = (self._now(), error)
                    self._webhook_next_try = time.monotonic() + self._webhook_retry_interval
                self._cond.notify_all()


def _post_webhook(url: str, headers: dict[str, str], payload: bytes) -> str | None:
    """POST one update; None on a 2xx answer, else a Telegram-like error message."""
    parts = urllib.parse.urlsplit(url)
    conn_cls = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    conn = conn_cls(parts.hostname or "127.0.0.1", parts.port, timeout=5.0)
    try:
        conn.request("POST", target, body=payload, headers=headers)
        response = conn.getresponse()
        response.read()
        if 200 <= response.status <= 299:
            return None
        return f"Wrong response from the webhook: {response.status} {response.reason}"
    except OSError as err:
        return f"Connection failed: {type(err).__name__}"
    finally:
        conn.close()


def _update_type(update: JSONDict) -> str:
    for key in update:
        if key != "update_id":
            return key
    return ""


def _scope_key(scope: JSONDict | None) -> str:
    scope = dict(scope or {"type": "default"})
    for key in ("chat_id", "user_id"):
        value = scope.get(key)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            scope[key] = int(value)
    return json.dumps(scope, sort_keys=True)


def _at_least(items: list[T], count: int) -> list[T] | None:
    return items if len(items) >= count else None


def _decode_value(name: str, raw: str) -> Any:
    if name in _CHAT_ID_PARAMS:
        return int(raw) if re.fullmatch(r"-?\d+", raw) else raw
    if name in _JSON_PARAMS:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _parse_params(query: str, headers: Any, body: bytes) -> tuple[JSONDict, JSONDict]:
    """Decode a request the way the Bot API does: query string, then the body."""
    params: JSONDict = {}
    files: JSONDict = {}
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        params[name] = _decode_value(name, value)
    content_type = headers.get("Content-Type", "") or ""
    lowered = content_type.lower()
    if not body:
        return params, files
    if lowered.startswith("application/json"):
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            raise _bad("can't parse JSON object") from None
        if not isinstance(data, dict):
            raise _bad("can't parse JSON object")
        for name, value in data.items():
            if name in _CHAT_ID_PARAMS and isinstance(value, str):
                params[name] = _decode_value(name, value)
            else:
                params[name] = value
    elif lowered.startswith("multipart/form-data"):
        parser = email.parser.BytesParser(policy=email.policy.HTTP)
        message = parser.parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        if not message.is_multipart():
            raise _bad("can't parse multipart/form-data")
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            data_bytes = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = {
                    "file_name": filename,
                    "mime_type": part.get_content_type(),
                    "data": data_bytes,
                }
            else:
                params[name] = _decode_value(name, data_bytes.decode("utf-8"))
    else:
        for name, value in urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True):
            params[name] = _decode_value(name, value)
    return params, files
