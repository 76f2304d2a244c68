"""Tests of the Bot API stand-in, driven through the real PTB ``telegram.Bot`` / Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.standin import BotApiStandin, SentMessage, utf16_len
from tests.standin.server import _Server

REPO = Path(__file__).resolve().parents[2]

# PTB 22 warns about int-vs-timedelta attributes (retry_after, duration); not our concern here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def standin() -> Iterator[BotApiStandin]:
    with BotApiStandin() as server:
        yield server
    assert server.internal_errors() == []


@pytest.fixture
async def bot(standin: BotApiStandin) -> AsyncIterator[Bot]:
    request = standin.request(connect_timeout=2.0, read_timeout=2.0)
    async with standin.bot(request=request) as client:
        yield client


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


def seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# --------------------------------------------------------------------------- basics


async def test_get_me_is_complete(standin: BotApiStandin, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "bansou_test_bot" and me.id == standin.bot_id
    assert me.first_name and me.can_join_groups is True
    assert me.can_read_all_group_messages is False  # privacy mode on by default
    assert bot.username == "bansou_test_bot"


async def test_wrong_token_and_unknown_method(standin: BotApiStandin, bot: Bot) -> None:
    with pytest.raises(InvalidToken, match="rejected"):
        async with Bot("1:wrong", base_url=standin.base_url, request=standin.request()):
            pass  # initialize() calls getMe
    with pytest.raises(EndPointNotFound):  # PTB's name for a 404 after a good getMe
        await bot.do_api_request("noSuchMethod")


def test_bad_token_answers_401_body(standin: BotApiStandin) -> None:
    with httpx.Client(verify=False) as client:
        response = client.post(f"{standin.base_url}nope/getMe")
        assert response.status_code == 401
        assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        response = client.post(f"{standin.base_url}{standin.token}/fooBar")
        assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_send_and_receive_text(standin: BotApiStandin, bot: Bot) -> None:
    alice = standin.user(1001, "アリス", username="alice")
    ref = alice.send_text("/start abc")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [ref.update_id]
    message = updates[0].message
    assert message is not None and message.message_id == ref.message_id
    assert message.text == "/start abc" and message.chat.type == "private"
    assert message.chat.id == 1001 and message.from_user is not None
    assert message.from_user.first_name == "アリス" and message.from_user.language_code == "ja"
    assert isinstance(message.date, dtm.datetime)
    (entity,) = message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)

    sent = await bot.send_message("1001", "123", reply_markup=keyboard(("元気", "ok")))
    assert sent.text == "123" and sent.chat.id == 1001 and sent.from_user.is_bot  # type: ignore[union-attr]
    assert sent.message_id == ref.message_id + 1  # message ids are per chat, shared by both sides
    assert sent.reply_markup == keyboard(("元気", "ok"))
    (record,) = standin.sent_messages(1001)
    assert record.text == "123" and isinstance(record.text, str)
    assert record.reply_markup == {"inline_keyboard": [[{"text": "元気", "callback_data": "ok"}]]}
    assert record.buttons == [["元気"]] and record.callback_data_for("元気") == "ok"
    assert standin.calls("sendmessage")[0].params["chat_id"] == 1001
    assert standin.sent_messages(999) == []


def test_command_entities_use_utf16_lengths(standin: BotApiStandin) -> None:
    text = "😀 こんにちは /help@bansou_test_bot です"
    standin.user(5, "E").send_text(text)
    with standin._cond:
        entities = standin._updates[0]["message"]["entities"]
    assert entities == [
        {"type": "bot_command", "offset": utf16_len("😀 こんにちは "), "length": 21}
    ]
    assert utf16_len("😀") == 2


async def test_media_updates_are_parsed_by_ptb(standin: BotApiStandin, bot: Bot) -> None:
    user = standin.user(7, "ナナ")
    user.send_sticker()
    user.send_photo("写真")
    user.send_voice()
    user.send_video_note()
    user.send_location(35.68, 139.76)
    messages = [u.message for u in await bot.get_updates()]
    assert all(m is not None for m in messages)
    sticker, photo, voice, note, location = messages
    assert sticker.sticker.type == "regular"  # type: ignore[union-attr]
    assert photo.photo[-1].width == 1280 and photo.caption == "写真"  # type: ignore[union-attr]
    assert voice.voice.duration == 3 and note.video_note.length == 384  # type: ignore[union-attr]
    assert location.location.latitude == pytest.approx(35.68)  # type: ignore[union-attr]


async def test_edited_message_update(standin: BotApiStandin, bot: Bot) -> None:
    user = standin.user(8, "ハチ")
    first = user.send_text("しんどい")
    edit = user.edit_text(first.message_id or 0, "まあまあ")
    updates = await bot.get_updates()
    assert updates[-1].update_id == edit.update_id
    edited = updates[-1].edited_message
    assert edited is not None and edited.text == "まあまあ" and edited.edit_date is not None


# --------------------------------------------------------------------------- getUpdates


async def test_offset_confirmation_and_negative_offset(standin: BotApiStandin, bot: Bot) -> None:
    user = standin.user(10, "ト")
    ids = [user.send_text(f"m{i}").update_id for i in range(4)]
    assert standin.pending_updates() == 4
    got = await bot.get_updates(offset=ids[2])
    assert [u.update_id for u in got] == ids[2:]
    assert standin.pending_updates() == 2
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [ids[2]]
    got = await bot.get_updates(offset=-1)
    assert [u.update_id for u in got] == [ids[3]]
    assert standin.pending_updates() == 1
    assert await bot.get_updates(offset=ids[3] + 1) == ()
    assert standin.pending_updates() == 0


async def test_long_poll_returns_early_when_update_arrives(
    standin: BotApiStandin, bot: Bot
) -> None:
    user = standin.user(11, "ロング")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await standin.await_for(lambda: standin.calls("getUpdates"))
    await asyncio.sleep(0.05)
    user.send_text("はい")
    updates = await poll
    assert len(updates) == 1 and time.monotonic() - started < 2.0
    started = time.monotonic()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0.2) == ()
    assert 0.15 < time.monotonic() - started < 2.0


async def test_allowed_updates_filter(standin: BotApiStandin, bot: Bot) -> None:
    user = standin.user(12, "フィルタ")
    sent = await bot.send_message(12, "どう?", reply_markup=keyboard(("元気", "g")))
    user.send_text("text")
    press = user.press(sent.message_id, "g")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.update_id for u in updates] == [press.update_id]
    # the setting persists for later calls without allowed_updates
    user.send_text("ignored")
    assert await bot.get_updates(offset=press.update_id + 1) == ()


async def test_conflicts(standin: BotApiStandin, bot: Bot) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=3))
    await standin.await_for(lambda: standin.calls("getUpdates"))
    await asyncio.sleep(0.05)
    assert await bot.get_updates() == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
        await older
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


def test_stop_wakes_long_polls() -> None:
    standin = BotApiStandin().start()
    result: dict[str, Any] = {}

    def poll() -> None:
        async def go() -> None:
            async with standin.bot() as client:
                try:
                    await client.get_updates(timeout=10)
                except NetworkError as exc:
                    result["error"] = exc

        asyncio.run(go())

    thread = threading.Thread(target=poll)
    thread.start()
    standin.wait_for(lambda: standin.calls("getUpdates"))
    started = time.monotonic()
    standin.stop()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 3
    assert isinstance(result.get("error"), NetworkError)
    assert not standin.running


# --------------------------------------------------------------------------- faults


async def test_faults_map_to_ptb_exceptions(standin: BotApiStandin, bot: Bot) -> None:
    standin.user(20, "F")
    standin.fail_next("sendMessage", "retry_after", retry_after=7)
    standin.fail_next("sendMessage", "blocked")
    standin.fail_next("sendMessage", "server_error")
    standin.fail_next("sendMessage", "server_error", status=500)
    standin.fail_next("sendMessage", "bad_request", description="Bad Request: chat not found")
    standin.fail_next("sendMessage", "disconnect")
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(20, "a")
    assert seconds(retry.value) == 7
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(20, "a")
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway") as gateway:
        await bot.send_message(20, "a")
    assert not isinstance(gateway.value, BadRequest | TimedOut)
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await bot.send_message(20, "a")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(20, "a")
    with pytest.raises(NetworkError):
        await bot.send_message(20, "a")
    assert standin.sent_messages() == []
    await bot.send_message(20, "届く")
    assert [m.text for m in standin.sent_messages()] == ["届く"]
    assert len(standin.calls("sendMessage")) == 7


async def test_slow_answer_times_out_but_takes_effect(standin: BotApiStandin, bot: Bot) -> None:
    standin.user(21, "S")
    standin.fail_next("sendMessage", "slow", delay=0.4)
    with pytest.raises(TimedOut):
        await bot.send_message(21, "遅い", read_timeout=0.1)
    await standin.await_for(lambda: standin.sent_messages(21), timeout=2)


async def test_faults_per_chat_and_count(standin: BotApiStandin, bot: Bot) -> None:
    standin.user(22, "A")
    standin.user(23, "B")
    standin.fail_next("sendMessage", "blocked", count=2, chat_id=23)
    await bot.send_message(22, "ok")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(23, "x")
    await bot.send_message(23, "ok")
    assert len(standin.sent_messages()) == 2


async def test_block_and_unblock(standin: BotApiStandin, bot: Bot) -> None:
    user = standin.user(24, "ブロック")
    ref = user.block_bot()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(24, "x")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(24, "typing")
    (update,) = await bot.get_updates()
    assert update.update_id == ref.update_id and update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    user.unblock_bot(notify=False)
    await bot.send_message(24, "もどった")


async def test_enforced_limits() -> None:
    with BotApiStandin(enforce_limits=True) as standin:
        async with standin.bot() as client:
            standin.user(30, "P")
            for _ in range(3):
                await client.send_message(30, "x")
            with pytest.raises(RetryAfter) as retry:
                await client.send_message(30, "x")
            assert 1 <= seconds(retry.value) <= 3
            assert standin.limit_violations == 1
            assert standin.max_sends_in_window(1.0) == 3
            assert standin.max_sends_in_window(1.0, chat_id=31) == 0


def test_a_burst_of_new_connections_waits_for_accept_instead_of_being_dropped() -> None:
    # A bot whose keep-alive connections are busy opens several at once. They must queue
    # until the stand-in accepts them, as Telegram's servers would take them: dropped, the
    # client retries a second later and its sends arrive bunched (max_sends_in_window).
    # The server is not serving, so nothing is accepted; with a backlog of 5 the seventh
    # connect would time out here.
    server = _Server(("127.0.0.1", 0), BotApiStandin())
    clients: list[socket.socket] = []
    try:
        for _ in range(40):
            clients.append(socket.create_connection(server.server_address[:2], timeout=0.5))
    finally:
        for client in clients:
            client.close()
        server.server_close()
    assert len(clients) == 40


# --------------------------------------------------------------------------- edits, buttons


async def test_edits(standin: BotApiStandin, bot: Bot) -> None:
    standin.user(40, "E")
    sent = await bot.send_message(40, "どうですか", reply_markup=keyboard(("元気", "g")))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "どうですか", 40, sent.message_id, reply_markup=keyboard(("元気", "g"))
        )
    edited = await bot.edit_message_text("ありがとう", 40, sent.message_id)
    assert edited.text == "ありがとう" and edited.reply_markup is None  # no markup → removed
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 40, 999)
    await bot.edit_message_reply_markup(40, sent.message_id, reply_markup=keyboard(("a", "b")))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(40, sent.message_id, reply_markup=keyboard(("a", "b")))
    (record,) = standin.sent_messages(40)
    assert record.text == "どうですか" and record.edits == ["ありがとう"]
    assert record.current_text == "ありがとう" and record.current_markup is not None
    assert record.reply_markup == keyboard(("元気", "g")).to_dict()


async def test_callback_query_is_complete(standin: BotApiStandin, bot: Bot) -> None:
    user = standin.user(41, "ボタン", username="button_user")
    sent = await bot.send_message(41, "今日は?", reply_markup=keyboard(("元気", "mood:ok")))
    with pytest.raises(ValueError, match=r"(?i)strict=False"):
        user.press(sent.message_id, "claim:999")
    ref = user.press_button(sent.message_id, "元気")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert isinstance(query, CallbackQuery) and query.id == ref.callback_query_id
    assert query.from_user.id == 41 and query.from_user.username == "button_user"
    assert query.chat_instance and query.data == "mood:ok"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.message.reply_markup == keyboard(("元気", "mood:ok"))
    assert await query.answer("ありがとう")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()
    (answered,) = standin.answered_callbacks()
    assert (answered.user_id, answered.data, answered.text) == (41, "mood:ok", "ありがとう")
    forged = user.press(sent.message_id, "claim:999", strict=False)
    assert forged.update_id is not None


async def test_button_data_too_long(standin: BotApiStandin, bot: Bot) -> None:
    standin.user(42, "L")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(42, "x", reply_markup=keyboard(("a", "x" * 65)))


async def test_parse_modes(standin: BotApiStandin, bot: Bot) -> None:
    standin.user(43, "H")
    message = await bot.send_message(43, "<b>大事</b> &amp; 😀<i>x</i>", parse_mode="HTML")
    assert message.text == "大事 & 😀x"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 2),
        ("italic", 7, 1),
    ]
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(43, "1 < 2", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(43, "ありがとう.", parse_mode="MarkdownV2")
    message = await bot.send_message(43, r"*太字* と \.", parse_mode="MarkdownV2")
    assert message.text == "太字 と ." and message.entities[0].type == "bold"
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(43, " ")


async def test_unknown_chat(standin: BotApiStandin, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "x")


async def test_send_document_multipart(standin: BotApiStandin, bot: Bot) -> None:
    standin.user(44, "D")
    message = await bot.send_document(44, b'{"data": 1}', filename="export.json", caption="123")
    assert message.document is not None and message.document.file_name == "export.json"
    (record,) = standin.sent_messages(44)
    assert record.method == "sendDocument" and record.text == "123"
    assert record.document is not None and record.document["data"] == b'{"data": 1}'


# --------------------------------------------------------------------------- groups, commands


async def test_group_privacy_mode(standin: BotApiStandin, bot: Bot) -> None:
    team = standin.group(-100123, "支援チーム")
    sato = standin.user(50, "佐藤")
    assert team.send_text(sato, "雑談").update_id is None
    command = team.send_text(sato, "/queue@bansou_test_bot")
    assert team.send_text(sato, "/other@someone_else_bot").update_id is None
    sent = await bot.send_message(team.id, "アラート", reply_markup=keyboard(("担当する", "c1")))
    reply = team.send_text(sato, "メモです", reply_to=sent.message_id)
    press = team.press_button(sato, sent.message_id, "担当する")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [command.update_id, reply.update_id, press.update_id]
    assert updates[0].effective_chat.type == "supergroup"  # type: ignore[union-attr]
    assert updates[0].effective_chat.title == "支援チーム"  # type: ignore[union-attr]
    assert updates[1].message.reply_to_message.message_id == sent.message_id  # type: ignore[union-attr]
    assert updates[2].callback_query.from_user.id == 50  # type: ignore[union-attr]


async def test_my_commands_per_scope(standin: BotApiStandin, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "はじめる")])
    await bot.set_my_commands([BotCommand("queue", "一覧")], scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands([BotCommand("help", "help")], language_code="en")
    await bot.set_my_commands([BotCommand("admin", "管理")], scope=BotCommandScopeChat(99))
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    groups = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in groups] == ["queue"]
    assert standin.my_commands({"type": "all_group_chats"})[0]["command"] == "queue"
    assert standin.my_commands(language_code="en")[0]["command"] == "help"
    assert standin.my_commands({"type": "chat", "chat_id": "99"})[0]["command"] == "admin"
    await bot.delete_my_commands(scope=BotCommandScopeAllGroupChats())
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


# --------------------------------------------------------------------------- webhook


class _Receiver(ThreadingHTTPServer):
    def __init__(self, fail_first: int) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.fail_first = fail_first
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: _Receiver

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.fail_first > 0:
            self.server.fail_first -= 1
            self.send_response(500)
        else:
            secret = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
            self.server.received.append((json.loads(body), secret))
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


async def test_webhook_delivery_with_retry(standin: BotApiStandin, bot: Bot) -> None:
    receiver = _Receiver(fail_first=1)
    threading.Thread(target=receiver.serve_forever, args=(0.01,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        user = standin.user(60, "W")
        first = user.send_text("a")
        assert await bot.set_webhook(url, secret_token="s3cret-token")
        second = user.send_text("b")
        # The receiver records an update before it answers; the stand-in counts it as
        # delivered only once the answer is back, so wait for the stand-in's own record.
        delivered = [first.update_id, second.update_id]
        await standin.await_for(lambda: standin.webhook_deliveries() == delivered)
        assert [u["update_id"] for u, _ in receiver.received] == delivered
        assert {secret for _, secret in receiver.received} == {"s3cret-token"}
        assert Update.de_json(receiver.received[0][0], bot).message.text == "a"  # type: ignore[union-attr]
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert standin.webhook_deliveries() == [first.update_id, second.update_id]
    finally:
        receiver.shutdown()
        receiver.server_close()


async def test_webhook_failure_is_reported_and_kept(standin: BotApiStandin, bot: Bot) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    await bot.set_webhook(f"http://127.0.0.1:{dead_port}/hook")
    standin.user(61, "X").send_text("a")
    info = await standin.await_for(_webhook_error(bot), timeout=3)
    assert info.pending_update_count == 1 and info.last_error_message
    await bot.delete_webhook(drop_pending_updates=True)
    assert standin.pending_updates() == 0


def _webhook_error(bot: Bot) -> Any:
    box: dict[str, Any] = {}

    def check() -> Any:
        task = box.get("task")
        if task is None or task.done():
            if task is not None and task.result().last_error_message:
                return task.result()
            box["task"] = asyncio.ensure_future(bot.get_webhook_info())
        return None

    return check


# --------------------------------------------------------------------------- PTB Application


async def _reply_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("ようこそ", reply_markup=keyboard(("はい", "yes")))


async def _on_yes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text("記録しました")


async def test_application_polling_end_to_end(standin: BotApiStandin) -> None:
    app = standin.application_builder().build()
    app.add_handler(CommandHandler("start", _reply_start))
    app.add_handler(CallbackQueryHandler(_on_yes))
    user = standin.user(70, "ユーザー")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        user.start("code123")
        (welcome,) = await standin.await_sent(70)
        user.press_button(welcome.message_id, "はい")
        await standin.await_for(lambda: standin.sent_messages(70)[0].edits)
        await app.updater.stop()
        await app.stop()
    assert standin.pending_updates() == 0  # confirmed by the updater's cleanup call
    assert standin.answered_callbacks()[0].data == "yes"
    assert standin.sent_messages(70)[0].current_markup is None


async def test_application_webhook_end_to_end(standin: BotApiStandin) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = standin.application_builder().build()
    app.add_handler(CommandHandler("start", _reply_start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="team-secret",
        )
        standin.user(71, "フック").start()
        sent: list[SentMessage] = await standin.await_sent(71)
        await app.updater.stop()
        await app.stop()
    assert sent[0].text == "ようこそ" and standin.webhook_url


# --------------------------------------------------------------------------- waiting, process


def test_wait_for_reports_useful_failure(standin: BotApiStandin) -> None:
    with pytest.raises(AssertionError, match=r"condition not met within .*sent_messages"):
        standin.wait_for(lambda: standin.sent_messages(1), timeout=0.05)
    assert standin.wait_for(lambda: 42) == 42


async def test_await_for_timeout(standin: BotApiStandin) -> None:
    with pytest.raises(AssertionError, match=r"(?i)at least 1 sent message"):
        await standin.await_sent(5, timeout=0.05)


def test_runs_as_its_own_process() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.standin", "--port", "0", "--token", "123:ABC"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/bot")

        control = base_url.removesuffix("/bot") + "/_standin/"

        async def converse() -> list[dict[str, Any]]:
            request = HTTPXRequest(httpx_kwargs={"verify": False})
            async with Bot("123:ABC", base_url=base_url, request=request) as client:
                assert client.username == "bansou_test_bot"
                async with httpx.AsyncClient(verify=False) as http:
                    await http.post(control + "user_text", json={"user_id": 5, "text": "/start"})
                    (update,) = await client.get_updates()
                    assert update.message is not None and update.message.text == "/start"
                    await client.send_message(5, "ようこそ")
                    answer = await http.post(control + "sent_messages", json={"chat_id": 5})
                    return answer.json()["result"]

        (sent,) = asyncio.run(converse())
        assert sent["text"] == "ようこそ" and sent["chat_id"] == 5
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0


async def test_restart_simulates_an_outage(standin: BotApiStandin, bot: Bot) -> None:
    user = standin.user(80, "O")
    await bot.send_message(80, "前")
    base_url = standin.base_url
    standin.stop()
    with pytest.raises(NetworkError):
        await bot.send_message(80, "落ちている")
    user.send_text("その間に")  # state survives; updates wait for the bot
    standin.start()
    assert standin.base_url == base_url
    await bot.send_message(80, "後")
    assert [m.text for m in standin.sent_messages(80)] == ["前", "後"]
    assert [u.message.text for u in await bot.get_updates()] == ["その間に"]  # type: ignore[union-attr]
