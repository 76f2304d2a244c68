"""Tests for `bot.config`: defaults, precedence (env > TOML > defaults) and explicit errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_BASE_URL, ConfigError, Settings, load_settings
from tests.fakes import TEST_TOKEN


def write_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bansou.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(environ: dict[str, str], config_path: Path | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, config_path)
    return caught.value


def test_defaults_with_empty_environment() -> None:
    settings = load_settings({})
    assert settings.telegram_token is None
    assert settings.telegram_base_url == DEFAULT_BASE_URL
    assert settings.database_url == "sqlite:///bansou.db"
    assert settings.timezone == "Asia/Tokyo"
    assert str(settings.zone) == "Asia/Tokyo"
    assert settings.default_schedule == "火金 10:00"
    assert settings.quiet_hours == "21:00-08:00"
    assert settings.invite_ttl_days == 14
    assert settings == Settings()


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    with pytest.raises(AttributeError):
        settings.timezone = "UTC"  # type: ignore[misc]


def test_environment_values_are_read_and_converted() -> None:
    settings = load_settings(
        {
            "BANSOU_TELEGRAM_TOKEN": TEST_TOKEN,
            "BANSOU_TIMEZONE": "Europe/Berlin",
            "BANSOU_INVITE_TTL_DAYS": "3",
            "BANSOU_PER_CHAT_INTERVAL_SECONDS": "0.5",
            "BANSOU_DEFAULT_SCHEDULE": "毎日 9:00",
        }
    )
    assert settings.telegram_token == TEST_TOKEN
    assert settings.timezone == "Europe/Berlin"
    assert settings.invite_ttl_days == 3
    assert settings.per_chat_interval_seconds == 0.5
    assert settings.default_schedule == "毎日 9:00"


def test_empty_environment_value_means_unset() -> None:
    assert load_settings({"BANSOU_TIMEZONE": ""}).timezone == "Asia/Tokyo"


def test_unrelated_environment_variables_are_ignored() -> None:
    assert load_settings({"HOME": "/nowhere", "BANSOU": "x"}) == Settings()


def test_toml_top_level_keys(tmp_path: Path) -> None:
    path = write_toml(
        tmp_path,
        'timezone = "America/New_York"\ninvite_ttl_days = 7\nquiet_hours = "22:00-07:00"\n',
    )
    settings = load_settings({}, path)
    assert settings.timezone == "America/New_York"
    assert settings.invite_ttl_days == 7
    assert settings.quiet_hours == "22:00-07:00"


def test_toml_bansou_table(tmp_path: Path) -> None:
    path = write_toml(tmp_path, '[bansou]\ntimezone = "Asia/Seoul"\ninvite_ttl_days = 5\n')
    settings = load_settings({}, path)
    assert settings.timezone == "Asia/Seoul"
    assert settings.invite_ttl_days == 5


def test_environment_wins_over_toml(tmp_path: Path) -> None:
    path = write_toml(tmp_path, 'timezone = "Asia/Seoul"\ninvite_ttl_days = 5\n')
    settings = load_settings({"BANSOU_TIMEZONE": "Europe/Paris"}, path)
    assert settings.timezone == "Europe/Paris"
    # Not overridden by the environment: the file's value stands.
    assert settings.invite_ttl_days == 5


def test_unknown_toml_key_is_refused_and_named(tmp_path: Path) -> None:
    path = write_toml(tmp_path, 'timezone = "Asia/Tokyo"\nquiet_hour = "21:00-08:00"\n')
    error = config_error({}, path)
    assert "quiet_hour" in str(error)
    assert "example" in str(error)


def test_unknown_key_in_bansou_table_is_refused(tmp_path: Path) -> None:
    path = write_toml(tmp_path, '[bansou]\ntoken = "x"\n')
    assert "token" in str(config_error({}, path))


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    error = config_error({}, tmp_path / "absent.toml")
    assert "absent.toml" in str(error)
    assert "does not exist" in str(error)


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = write_toml(tmp_path, "timezone = \n")
    error = config_error({}, path)
    assert "not valid TOML" in str(error)


BAD_VALUES = [
    # (environment variable, bad value, a fragment of the valid example)
    ("BANSOU_TELEGRAM_BASE_URL", "ftp://api.example.org/bot", "https://"),
    ("BANSOU_TELEGRAM_BASE_URL", "api.telegram.org/bot", "https://"),
    ("BANSOU_TELEGRAM_BASE_URL", "http://", "https://"),
    ("BANSOU_TIMEZONE", "Mars/Olympus_Mons", "Asia/Tokyo"),
    ("BANSOU_TIMEZONE", "../../etc/passwd", "Asia/Tokyo"),
    ("BANSOU_DEFAULT_SCHEDULE", "someday maybe", "火金 10:00"),
    ("BANSOU_DEFAULT_SCHEDULE", "火金 25:00", "火金 10:00"),
    ("BANSOU_QUIET_HOURS", "late at night", "21:00-08:00"),
    ("BANSOU_QUIET_HOURS", "21:00-", "21:00-08:00"),
    ("BANSOU_INVITE_TTL_DAYS", "two weeks", "14"),
    ("BANSOU_INVITE_TTL_DAYS", "1.5", "14"),
    ("BANSOU_INVITE_TTL_DAYS", "0", "14"),
    ("BANSOU_INVITE_TTL_DAYS", "-3", "14"),
    ("BANSOU_JITTER_MINUTES", "-1", "10"),
    ("BANSOU_PER_CHAT_INTERVAL_SECONDS", "-0.5", "1.0"),
    ("BANSOU_SEND_RATE_PER_SECOND", "0", "30"),
    ("BANSOU_CHECKIN_SWEEP_SECONDS", "soon", "60"),
    ("BANSOU_DATABASE_URL", "mysql://user@localhost/bansou", "sqlite:///bansou.db"),
    ("BANSOU_DATABASE_URL", "bansou.db", "sqlite:///bansou.db"),
    ("BANSOU_LOG_LEVEL", "LOUD", "INFO"),
]


@pytest.mark.parametrize(("variable", "value", "example"), BAD_VALUES)
def test_bad_value_names_the_setting_and_shows_an_example(
    variable: str, value: str, example: str
) -> None:
    error = config_error({variable: value})
    message = str(error)
    assert error.setting == variable
    assert message.startswith(variable)
    assert f"(example: {example}" in message


def test_bad_toml_value_names_the_setting(tmp_path: Path) -> None:
    path = write_toml(tmp_path, 'invite_ttl_days = "a fortnight"\n')
    error = config_error({}, path)
    assert "INVITE_TTL_DAYS" in str(error)
    assert "example: 14" in str(error)


def test_boolean_is_not_an_integer(tmp_path: Path) -> None:
    path = write_toml(tmp_path, "invite_ttl_days = true\n")
    assert "INVITE_TTL_DAYS" in str(config_error({}, path))


def test_non_integer_float_in_toml_is_refused(tmp_path: Path) -> None:
    path = write_toml(tmp_path, "invite_ttl_days = 1.5\n")
    assert "INVITE_TTL_DAYS" in str(config_error({}, path))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BANSOU_TELEGRAM_BASE_URL", "http://[::1/bot"),
        ("BANSOU_DATABASE_URL", "postgresql+psycopg://user@[db/bansou"),
    ],
)
def test_unparseable_url_is_a_config_error(variable: str, value: str) -> None:
    error = config_error({variable: value})
    assert error.setting == variable


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///bansou.db",
        "sqlite+aiosqlite:///tmp/x.db",
        "postgresql+psycopg://bansou@127.0.0.1/bansou",
        "postgresql://bansou@127.0.0.1/bansou",
    ],
)
def test_supported_database_urls_are_accepted(url: str) -> None:
    assert load_settings({"BANSOU_DATABASE_URL": url}).database_url == url


def test_http_base_url_is_accepted_for_local_stand_ins() -> None:
    url = "http://127.0.0.1:8081/bot"
    assert load_settings({"BANSOU_TELEGRAM_BASE_URL": url}).telegram_base_url == url


BAD_TOKENS = [
    "not-a-token-at-all-SECRETISH",
    "12:AAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # too few digits
    "123456789:short",  # tail too short
    "123456789:AAAA AAAAAAAAAAAAAAAAAAAAA",  # space
    "123456789AAAAAAAAAAAAAAAAAAAAAAAAA",  # no colon
    "123456789:AAAAAAAAAAAAAAAAAAAAAAAA/../x",  # path characters
]


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_malformed_token_is_refused_and_never_echoed(token: str) -> None:
    error = config_error({"BANSOU_TELEGRAM_TOKEN": token})
    message = str(error)
    assert error.setting == "BANSOU_TELEGRAM_TOKEN"
    assert "example" in message
    assert token not in message
    assert token not in repr(error)
    # Not even the distinctive part of it.
    assert token.split(":")[-1] not in message


def test_malformed_token_from_toml_is_not_echoed(tmp_path: Path) -> None:
    token = "123456789:bad token from file"
    path = write_toml(tmp_path, f'telegram_token = "{token}"\n')
    message = str(config_error({}, path))
    assert "BANSOU_TELEGRAM_TOKEN" in message
    assert "bad token" not in message


def test_token_with_trailing_newline_is_refused() -> None:
    config_error({"BANSOU_TELEGRAM_TOKEN": TEST_TOKEN + "\n"})


def test_well_formed_token_is_accepted() -> None:
    assert load_settings({"BANSOU_TELEGRAM_TOKEN": TEST_TOKEN}).require_token() == TEST_TOKEN


def test_require_token_without_token_names_the_variable() -> None:
    settings = load_settings({})
    with pytest.raises(ConfigError) as caught:
        settings.require_token()
    assert caught.value.setting == "BANSOU_TELEGRAM_TOKEN"
    assert "BANSOU_TELEGRAM_TOKEN" in str(caught.value)
    assert "example" in str(caught.value)
