"""Settings: read once from the environment and an optional TOML file, validated up front.

Environment variables (``BANSOU_*``) win over the TOML file, which wins over defaults. Every
bad value is refused at start with a `ConfigError` that names the setting and shows a valid
example, so an operator never meets a half-configured bot. The environment is injectable
(a mapping) so tests never touch ``os.environ``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.escalation import P1, P2, P3, LadderPolicy
from schedules.spec import ScheduleSpecError, parse_schedule
from schedules.timing import QuietHoursError, parse_quiet_hours

ENV_PREFIX = "BANSOU_"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_CRISIS_RESOURCES = (
    "いのちの電話 0570-783-556",
    "よりそいホットライン 0120-279-338",
    "命の危険があるとき 119",
)
# Telegram allows 1-256 of these characters in a webhook secret token.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_URL_EXAMPLE = "https://bot.example.org/bansou"
# Telegram tokens look like "123456789:AA...": digits, a colon, then url-safe characters.
_TOKEN_SHAPE = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


class ConfigError(Exception):
    """A setting is missing or has a bad value; the message names it and shows an example."""

    def __init__(self, setting: str, problem: str, example: str) -> None:
        self.setting = setting
        super().__init__(f"{setting}: {problem} (example: {example})")


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to know at start. Field names are the TOML keys."""

    telegram_token: str | None = None
    telegram_base_url: str = DEFAULT_BASE_URL
    database_url: str = "sqlite:///bansou.db"
    timezone: str = "Asia/Tokyo"
    default_schedule: str = "火金 10:00"
    quiet_hours: str = "21:00-08:00"
    invite_ttl_days: int = 14
    # ± minutes of deterministic jitter so check-ins don't feel machine-made.
    jitter_minutes: int = 10
    # How often the check-in sweep looks for due people, and the SLA job for stale alerts.
    checkin_sweep_seconds: float = 60.0
    sla_sweep_seconds: float = 30.0
    # How long the outbox sender sleeps when it has nothing to do (it is also woken on demand).
    sender_idle_seconds: float = 1.0
    # Telegram's limits: ≈30 messages/s overall, 1/s per chat, 20/min per group.
    send_rate_per_second: int = 30
    per_chat_interval_seconds: float = 1.0
    group_messages_per_minute: int = 20
    # Acknowledgements wait a moment so a burst of messages gets one, not one each.
    ack_delay_seconds: float = 3.0
    # No second acknowledgement to the same person within this window.
    ack_quiet_minutes: int = 10
    poll_timeout_seconds: int = 30
    # Webhook mode (instead of polling) when a public URL is set; Telegram POSTs updates to it
    # and a reverse proxy / load balancer forwards them to listen:port on each instance.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    # Telegram sends it in X-Telegram-Bot-Api-Secret-Token; required in webhook mode.
    webhook_secret: str | None = None
    # An outbox row leased by an instance that died goes out again after this long.
    outbox_lease_seconds: float = 600.0
    # One instance at a time sends the outbox (Telegram's limits are per bot, not per
    # instance). It renews its lease every third of this; if it dies, another instance
    # takes over once the lease has run out.
    sender_lease_seconds: float = 15.0
    log_level: str = "INFO"
    # Escalation SLAs: an unclaimed alert is raised again after this long.
    sla_p1_minutes: int = 10
    sla_p2_minutes: int = 120
    sla_p3_minutes: int = 1440
    # `watch` replies: this many within the window make a P3 escalation.
    watch_repeats: int = 2
    watch_window_days: int = 7
    # Silence: this many missed check-ins or days without contact (scaled by the person's
    # rhythm) make a P3 item; twice that, P2.
    silence_missed_checkins: int = 3
    silence_quiet_days: int = 7
    silence_sweep_seconds: float = 300.0
    # After an escalation is resolved, check-ins are daily for this many days (0: never).
    tighten_days: int = 7
    # Team defaults from the TOML [teams."name"] tables: (name, schedule, quiet hours).
    team_defaults: tuple[tuple[str, str | None, str | None], ...] = ()
    # Told to a person whose words suggest risk to life, as "name number" entries.
    crisis_resources: tuple[str, ...] = DEFAULT_CRISIS_RESOURCES

    def require_token(self) -> str:
        """The bot token, or a ConfigError telling the operator what to set."""
        if not self.telegram_token:
            raise ConfigError(
                "BANSOU_TELEGRAM_TOKEN",
                "is not set; the bot needs the token @BotFather gave you",
                "export BANSOU_TELEGRAM_TOKEN=123456789:AAE...",
            )
        return self.telegram_token

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None

    def require_webhook(self) -> str:
        """The webhook URL, or a ConfigError telling the operator what to set."""
        if not self.webhook_url:
            raise ConfigError(
                "BANSOU_WEBHOOK_URL",
                "is not set; webhook mode needs the public HTTPS URL Telegram will POST to",
                f"--url {WEBHOOK_URL_EXAMPLE} or BANSOU_WEBHOOK_URL={WEBHOOK_URL_EXAMPLE}",
            )
        return self.webhook_url

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def ladder(self) -> LadderPolicy:
        return LadderPolicy(
            watch_repeats=self.watch_repeats,
            watch_window=timedelta(days=self.watch_window_days),
            sla={
                P1: timedelta(minutes=self.sla_p1_minutes),
                P2: timedelta(minutes=self.sla_p2_minutes),
                P3: timedelta(minutes=self.sla_p3_minutes),
            },
        )


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("not an integer")
    return int(value)


def _as_lines(value: Any) -> tuple[str, ...]:
    """A TOML list of strings, or an environment value with entries separated by ";"."""
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ValueError("not a list of strings")
    cleaned = tuple(item.strip() for item in items if item.strip())
    if not cleaned:
        raise ValueError("empty list")
    return cleaned


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    return float(value)


# setting name -> (converter, valid example shown on error)
_CONVERTERS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "telegram_token": (str, "123456789:AAE..."),
    "telegram_base_url": (str, DEFAULT_BASE_URL),
    "database_url": (str, "sqlite:///bansou.db or postgresql+psycopg://user@host/db"),
    "timezone": (str, "Asia/Tokyo"),
    "default_schedule": (str, "火金 10:00"),
    "quiet_hours": (str, "21:00-08:00"),
    "invite_ttl_days": (_as_int, "14"),
    "jitter_minutes": (_as_int, "10"),
    "checkin_sweep_seconds": (_as_float, "60"),
    "sla_sweep_seconds": (_as_float, "30"),
    "sender_idle_seconds": (_as_float, "1.0"),
    "send_rate_per_second": (_as_int, "30"),
    "per_chat_interval_seconds": (_as_float, "1.0"),
    "group_messages_per_minute": (_as_int, "20"),
    "ack_delay_seconds": (_as_float, "3"),
    "ack_quiet_minutes": (_as_int, "10"),
    "poll_timeout_seconds": (_as_int, "30"),
    "webhook_url": (str, WEBHOOK_URL_EXAMPLE),
    "webhook_listen": (str, "127.0.0.1"),
    "webhook_port": (_as_int, "8443"),
    "webhook_secret": (str, "a random string of letters, digits, _ and -"),
    "outbox_lease_seconds": (_as_float, "600"),
    "sender_lease_seconds": (_as_float, "15"),
    "log_level": (str, "INFO"),
    "sla_p1_minutes": (_as_int, "10"),
    "sla_p2_minutes": (_as_int, "120"),
    "sla_p3_minutes": (_as_int, "1440"),
    "watch_repeats": (_as_int, "2"),
    "watch_window_days": (_as_int, "7"),
    "tighten_days": (_as_int, "7"),
    "silence_missed_checkins": (_as_int, "3"),
    "silence_quiet_days": (_as_int, "7"),
    "silence_sweep_seconds": (_as_float, "300"),
    "crisis_resources": (
        _as_lines,
        "いのちの電話 0570-783-556;よりそいホットライン 0120-279-338;命の危険があるとき 119",
    ),
}


def _env_name(field_name: str) -> str:
    return ENV_PREFIX + field_name.upper()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            "--config", f"file {path} does not exist", "--config bansou.toml"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            "--config", f"{path} is not valid TOML ({error})", 'timezone = "Asia/Tokyo"'
        ) from None
    # A [bansou] table is accepted as well as top-level keys; [teams."name"] tables hold
    # team defaults.
    teams = data.get("teams", {})
    section = {k: v for k, v in data.get("bansou", data).items() if k not in ("teams", "bansou")}
    unknown = sorted(set(section) - set(_CONVERTERS))
    if unknown:
        raise ConfigError(
            f"{path}: {unknown[0]}", "is not a known setting", 'quiet_hours = "21:00-08:00"'
        )
    if not isinstance(teams, dict):
        raise ConfigError(f"{path}: teams", "must be tables", '[teams."東区チーム"]')
    defaults = []
    for name, table in teams.items():
        if not isinstance(table, dict) or set(table) - {"schedule", "quiet_hours"}:
            raise ConfigError(
                f'{path}: [teams."{name}"]',
                "takes schedule and quiet_hours only",
                'schedule = "火金 10:00"',
            )
        defaults.append((str(name), table.get("schedule"), table.get("quiet_hours")))
    result = dict(section)
    if defaults:
        result["team_defaults"] = tuple(defaults)
    return result


def load_settings(
    environ: Mapping[str, str] | None = None, config_path: str | Path | None = None
) -> Settings:
    """Build validated Settings from an environment mapping and an optional TOML file."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    if config_path is not None:
        raw.update(_read_toml(Path(config_path)))
    for field in fields(Settings):
        value = env.get(_env_name(field.name))
        if value is not None and value != "":
            raw[field.name] = value

    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "team_defaults":
            values[name] = value
            continue
        convert, example = _CONVERTERS[name]
        try:
            values[name] = convert(value)
        except (TypeError, ValueError):
            raise ConfigError(_env_name(name), "has a value of the wrong type", example) from None
    settings = Settings(**values)
    _validate(settings)
    return settings


def validated(settings: Settings) -> Settings:
    """Check settings changed after loading (command-line options) like loaded ones."""
    _validate(settings)
    return settings


def _split(url: str, setting: str, example: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:
        raise ConfigError(setting, "is not a valid URL", example) from None


def _validate(settings: Settings) -> None:
    token = settings.telegram_token
    if token is not None and not _TOKEN_SHAPE.fullmatch(token):
        # Never echo the token, not even a bad one.
        raise ConfigError(
            "BANSOU_TELEGRAM_TOKEN", "does not look like a bot token", "123456789:AAE..."
        )
    base = _split(settings.telegram_base_url, "BANSOU_TELEGRAM_BASE_URL", DEFAULT_BASE_URL)
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ConfigError("BANSOU_TELEGRAM_BASE_URL", "is not an http(s) URL", DEFAULT_BASE_URL)
    db = _split(settings.database_url, "BANSOU_DATABASE_URL", "sqlite:///bansou.db")
    if not (db.scheme.startswith("sqlite") or db.scheme.startswith("postgresql")):
        raise ConfigError(
            "BANSOU_DATABASE_URL",
            "must be a sqlite:/// or postgresql+psycopg:// URL",
            "sqlite:///bansou.db",
        )
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("BANSOU_TIMEZONE", "is not a known time zone", "Asia/Tokyo") from None
    try:
        parse_schedule(settings.default_schedule)
    except ScheduleSpecError as error:
        raise ConfigError(
            "BANSOU_DEFAULT_SCHEDULE",
            f"cannot be read ({error.code})",
            "火金 10:00 or tue,fri 10:00",
        ) from None
    try:
        parse_quiet_hours(settings.quiet_hours)
    except QuietHoursError as error:
        raise ConfigError(
            "BANSOU_QUIET_HOURS", f"cannot be read ({error.code})", "21:00-08:00"
        ) from None
    _validate_webhook(settings)
    positive = {
        "outbox_lease_seconds": settings.outbox_lease_seconds,
        "sender_lease_seconds": settings.sender_lease_seconds,
        "invite_ttl_days": settings.invite_ttl_days,
        "checkin_sweep_seconds": settings.checkin_sweep_seconds,
        "sla_sweep_seconds": settings.sla_sweep_seconds,
        "sender_idle_seconds": settings.sender_idle_seconds,
        "send_rate_per_second": settings.send_rate_per_second,
        "group_messages_per_minute": settings.group_messages_per_minute,
        "poll_timeout_seconds": settings.poll_timeout_seconds,
        "sla_p1_minutes": settings.sla_p1_minutes,
        "sla_p2_minutes": settings.sla_p2_minutes,
        "sla_p3_minutes": settings.sla_p3_minutes,
        "watch_repeats": settings.watch_repeats,
        "watch_window_days": settings.watch_window_days,
        "silence_missed_checkins": settings.silence_missed_checkins,
        "silence_quiet_days": settings.silence_quiet_days,
        "silence_sweep_seconds": settings.silence_sweep_seconds,
    }
    if settings.tighten_days < 0:
        raise ConfigError("BANSOU_TIGHTEN_DAYS", "must not be negative", "7")
    for name, schedule, quiet in settings.team_defaults:
        if schedule is not None:
            try:
                parse_schedule(schedule)
            except ScheduleSpecError as error:
                raise ConfigError(
                    f'[teams."{name}"] schedule', f"cannot be read ({error.code})", "火金 10:00"
                ) from None
        if quiet is not None:
            try:
                parse_quiet_hours(quiet)
            except QuietHoursError as error:
                raise ConfigError(
                    f'[teams."{name}"] quiet_hours', f"cannot be read ({error.code})", "21:00-08:00"
                ) from None
    for name, value in positive.items():
        if value <= 0:
            raise ConfigError(_env_name(name), "must be greater than zero", _CONVERTERS[name][1])
    non_negative = {
        "jitter_minutes": settings.jitter_minutes,
        "per_chat_interval_seconds": settings.per_chat_interval_seconds,
        "ack_delay_seconds": settings.ack_delay_seconds,
        "ack_quiet_minutes": settings.ack_quiet_minutes,
    }
    for name, value in non_negative.items():
        if value < 0:
            raise ConfigError(_env_name(name), "must not be negative", _CONVERTERS[name][1])
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("BANSOU_LOG_LEVEL", "is not a log level", "INFO")


def _validate_webhook(settings: Settings) -> None:
    if settings.webhook_url is None:
        return
    url = _split(settings.webhook_url, "BANSOU_WEBHOOK_URL", WEBHOOK_URL_EXAMPLE)
    # Telegram only delivers to HTTPS; plain http is allowed on loopback for local testing.
    loopback = url.hostname in ("127.0.0.1", "localhost", "::1")
    if not url.netloc or not (url.scheme == "https" or (url.scheme == "http" and loopback)):
        raise ConfigError("BANSOU_WEBHOOK_URL", "is not an https:// URL", WEBHOOK_URL_EXAMPLE)
    secret = settings.webhook_secret
    example = _CONVERTERS["webhook_secret"][1]
    if not secret:
        raise ConfigError(
            "BANSOU_WEBHOOK_SECRET",
            "is not set; webhook mode needs a secret token so forged updates are refused",
            example,
        )
    if not _SECRET_SHAPE.fullmatch(secret):
        # Never echo the secret.
        raise ConfigError(
            "BANSOU_WEBHOOK_SECRET", "must be 1-256 of A-Z, a-z, 0-9, _ and -", example
        )
    if not settings.webhook_listen.strip():
        raise ConfigError("BANSOU_WEBHOOK_LISTEN", "must not be empty", "127.0.0.1 or 0.0.0.0")
    if not 1 <= settings.webhook_port <= 65535:
        raise ConfigError("BANSOU_WEBHOOK_PORT", "must be a port number (1-65535)", "8443")
