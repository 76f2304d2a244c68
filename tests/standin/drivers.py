"""Test-side drivers: fake Telegram users and groups that talk to the bot via the stand-in.

A :class:`FakeUser` acts in its private chat with the bot (chat id == user id); a
:class:`FakeGroup` lets fake users act in a group the bot is a member of. Every action turns
into an update queued in the stand-in (delivered by ``getUpdates`` or by webhook) and returns
an :class:`~tests.standin.records.UpdateRef`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.standin.records import SentMessage, UpdateRef

if TYPE_CHECKING:
    from tests.standin.server import BotApiStandin

__all__ = ["FakeGroup", "FakeUser"]


class FakeUser:
    """A Telegram user; their private chat with the bot has ``chat_id == user_id``."""

    def __init__(
        self,
        standin: BotApiStandin,
        user_id: int,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "ja",
        last_name: str | None = None,
    ) -> None:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        self.standin = standin
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    @property
    def chat_id(self) -> int:
        """Id of the private chat with the bot (equal to the user id, as on Telegram)."""
        return self.id

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``User`` object for this user."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def private_chat(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object of the private chat with the bot."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    # --- actions in the private chat -------------------------------------------------------

    def send_text(
        self, text: str, *, reply_to: int | None = None, date: int | None = None
    ) -> UpdateRef:
        """Send ``text``; ``/commands`` get ``bot_command`` entities (UTF-16 offsets)."""
        return self.standin._user_message(
            self.id, self, {"text": text}, reply_to=reply_to, date=date
        )

    def start(self, payload: str | None = None) -> UpdateRef:
        """Tap the bot's (deep) link: sends ``/start`` or ``/start <payload>``."""
        return self.send_text("/start" if payload is None else f"/start {payload}")

    def send_sticker(self, emoji: str = "😊", *, date: int | None = None) -> UpdateRef:
        """Send a regular static sticker."""
        return self.standin._user_message(self.id, self, _sticker(self.standin, emoji), date=date)

    def send_photo(self, caption: str | None = None, *, date: int | None = None) -> UpdateRef:
        """Send a photo (two sizes, as Telegram delivers them)."""
        return self.standin._user_message(self.id, self, _photo(self.standin, caption), date=date)

    def send_voice(self, duration: int = 3, *, date: int | None = None) -> UpdateRef:
        """Send a voice message."""
        return self.standin._user_message(self.id, self, _voice(self.standin, duration), date=date)

    def send_video_note(self, duration: int = 5, *, date: int | None = None) -> UpdateRef:
        """Send a round video message."""
        return self.standin._user_message(
            self.id, self, _video_note(self.standin, duration), date=date
        )

    def send_location(self, latitude: float, longitude: float) -> UpdateRef:
        """Share a location."""
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return self.standin._user_message(self.id, self, content)

    def edit_text(self, message_id: int, new_text: str) -> UpdateRef:
        """Edit one of this user's earlier text messages (→ ``edited_message``)."""
        return self.standin._user_edit(self.id, self, message_id, new_text)

    def press(self, message_id: int, callback_data: str, *, strict: bool = True) -> UpdateRef:
        """Press an inline button of the bot's message (→ ``callback_query``).

        With ``strict`` (default) the current keyboard must have a button with this
        ``callback_data``, as on a real client; ``strict=False`` forges a press.
        """
        return self.standin._press(self.id, self, message_id, callback_data, strict=strict)

    def press_button(self, message_id: int, label: str) -> UpdateRef:
        """Press the inline button labelled ``label`` on the bot's message."""
        data = self.standin._callback_data_for(self.id, message_id, label)
        return self.press(message_id, data)

    def block_bot(self, *, notify: bool = True) -> UpdateRef:
        """Block the bot: sends answer 403 from now on; ``my_chat_member`` update if notify."""
        self.standin.block(self.id)
        if not notify:
            return UpdateRef(None)
        return self.standin._my_chat_member(self.private_chat(), self, "member", "kicked")

    def unblock_bot(self, *, notify: bool = True) -> UpdateRef:
        """Unblock the bot again."""
        self.standin.unblock(self.id)
        if not notify:
            return UpdateRef(None)
        return self.standin._my_chat_member(self.private_chat(), self, "kicked", "member")

    # --- what the bot sent to this user ----------------------------------------------------

    def messages(self) -> list[SentMessage]:
        """The bot's messages in this private chat, in order."""
        return self.standin.sent_messages(self.id)

    def last_message(self) -> SentMessage | None:
        """The bot's latest message in this private chat, if any."""
        messages = self.messages()
        return messages[-1] if messages else None

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id})"


class FakeGroup:
    """A group or supergroup the bot is a member of.

    With the bot's privacy mode on (the Telegram default, ``privacy_mode=True`` on the
    stand-in) and the bot not an admin, only commands, replies to the bot's messages and
    messages mentioning the bot reach it; anything else returns ``UpdateRef(None)``.
    """

    def __init__(
        self,
        standin: BotApiStandin,
        chat_id: int,
        title: str,
        chat_type: str = "group",
        bot_is_admin: bool = False,
    ) -> None:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if chat_type not in ("group", "supergroup"):
            raise ValueError("chat_type must be 'group' or 'supergroup'")
        self.standin = standin
        self.id = chat_id
        self.title = title
        self.type = chat_type
        self.bot_is_admin = bot_is_admin

    @property
    def chat_id(self) -> int:
        return self.id

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object for this group."""
        return {"id": self.id, "type": self.type, "title": self.title}

    def send_text(
        self,
        from_user: FakeUser,
        text: str,
        *,
        reply_to: int | None = None,
        date: int | None = None,
    ) -> UpdateRef:
        """``from_user`` writes ``text`` in the group (subject to privacy mode)."""
        return self.standin._user_message(
            self.id, from_user, {"text": text}, reply_to=reply_to, date=date
        )

    def send_sticker(self, from_user: FakeUser, emoji: str = "😊") -> UpdateRef:
        """``from_user`` sends a sticker in the group (subject to privacy mode)."""
        return self.standin._user_message(self.id, from_user, _sticker(self.standin, emoji))

    def edit_text(self, from_user: FakeUser, message_id: int, new_text: str) -> UpdateRef:
        """``from_user`` edits their earlier message in the group."""
        return self.standin._user_edit(self.id, from_user, message_id, new_text)

    def press(
        self, from_user: FakeUser, message_id: int, callback_data: str, *, strict: bool = True
    ) -> UpdateRef:
        """``from_user`` presses an inline button of the bot's message in the group."""
        return self.standin._press(self.id, from_user, message_id, callback_data, strict=strict)

    def press_button(self, from_user: FakeUser, message_id: int, label: str) -> UpdateRef:
        """``from_user`` presses the inline button labelled ``label``."""
        data = self.standin._callback_data_for(self.id, message_id, label)
        return self.press(from_user, message_id, data)

    def add_bot(self, by_user: FakeUser) -> UpdateRef:
        """``by_user`` adds the bot to the group (``my_chat_member`` left → member)."""
        return self.standin._my_chat_member(self.to_dict(), by_user, "left", "member")

    def remove_bot(self, by_user: FakeUser) -> UpdateRef:
        """``by_user`` removes the bot; sends to the group answer 403 afterwards."""
        self.standin.block(self.id)
        return self.standin._my_chat_member(self.to_dict(), by_user, "member", "left")

    def messages(self) -> list[SentMessage]:
        """The bot's messages in this group, in order."""
        return self.standin.sent_messages(self.id)

    def last_message(self) -> SentMessage | None:
        """The bot's latest message in this group, if any."""
        messages = self.messages()
        return messages[-1] if messages else None

    def __repr__(self) -> str:
        return f"FakeGroup(id={self.id})"


def _file_ids(standin: BotApiStandin, prefix: str) -> dict[str, str]:
    serial = standin._next_file_serial()
    return {"file_id": f"{prefix}{serial:010d}AAQ", "file_unique_id": f"U{prefix}{serial:06d}"}


def _sticker(standin: BotApiStandin, emoji: str) -> dict[str, Any]:
    sticker = {
        **_file_ids(standin, "CAACAgIA"),
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "set_name": "standin_stickers",
        "file_size": 24_000,
    }
    return {"sticker": sticker}


def _photo(standin: BotApiStandin, caption: str | None) -> dict[str, Any]:
    sizes = [
        {**_file_ids(standin, "AgACAgIA"), "width": 90, "height": 67, "file_size": 1_200},
        {**_file_ids(standin, "AgACAgIA"), "width": 1280, "height": 960, "file_size": 98_000},
    ]
    content: dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return content


def _voice(standin: BotApiStandin, duration: int) -> dict[str, Any]:
    voice = {
        **_file_ids(standin, "AwACAgIA"),
        "duration": duration,
        "mime_type": "audio/ogg",
        "file_size": 8_000 * duration,
    }
    return {"voice": voice}


def _video_note(standin: BotApiStandin, duration: int) -> dict[str, Any]:
    note = {
        **_file_ids(standin, "DQACAgIA"),
        "length": 384,
        "duration": duration,
        "file_size": 60_000 * duration,
    }
    return {"video_note": note}
