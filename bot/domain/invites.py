"""Invite codes: unguessable, single-use, expiring; only their hash is ever stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

# 24 random bytes = 192 bits, 32 url-safe characters: well inside Telegram's 64-character
# start payload (A-Z, a-z, 0-9, _ and - only).
CODE_BYTES = 24
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

ROLE_PERSON = "person"  # a supported person (本人)
ROLE_SUPPORTER = "supporter"  # acts on the team's alerts
ROLE_COORDINATOR = "coordinator"  # configures teams, creates invites; also a supporter
ROLES = (ROLE_PERSON, ROLE_SUPPORTER, ROLE_COORDINATOR)


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def code_hash(code: str) -> str:
    """The stored form of a code: a leaked database does not hand out live links."""
    return hashlib.sha256(code.encode("ascii", errors="replace")).hexdigest()


def looks_like_code(payload: str) -> bool:
    return bool(_CODE_SHAPE.match(payload))


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


@dataclass(frozen=True)
class InviteState:
    """What the domain needs to know about a stored invite."""

    role: str
    expires_at: datetime
    used_at: datetime | None


def invite_usable(invite: InviteState | None, now: datetime) -> bool:
    """Usable means: exists, not used, not expired. Callers never tell the user which failed."""
    return invite is not None and invite.used_at is None and now < invite.expires_at
