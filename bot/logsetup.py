"""Logging that cannot leak: the bot token is scrubbed from every line, and the libraries
that would log request parameters (message text) are kept above DEBUG."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable

# PTB logs request parameters (message text) at DEBUG; httpx logs URLs (with the token) at INFO;
# database drivers log SQL parameters.
_QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "apscheduler": logging.WARNING,
    # aiosqlite and SQLAlchemy log statements with their parameters at DEBUG/INFO.
    "aiosqlite": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "psycopg": logging.WARNING,
}


class RedactingFilter(logging.Filter):
    """Replaces secrets in the fully formatted message of every record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        text = message
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            text = text.replace(secret, "[token]")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "[token]")
        if text != message:
            record.msg, record.args = text, None
        return True


class _BansouHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler we install, so configuring twice does not log twice."""


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    root = logging.getLogger()
    handler = _BansouHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _BansouHandler)]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name, floor in _QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, root.level))


def describe_error(error: BaseException) -> str:
    """Type and stack of an error without its message (which may quote data or SQL params)."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{type(error).__name__}\n{frames}"
