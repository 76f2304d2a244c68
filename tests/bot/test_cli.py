"""The `bansou` command run as a real subprocess, the way an operator meets it.

Each run gets a clean environment (no inherited ``BANSOU_*``) and a temporary working
directory; the Bot API is the loopback stand-in, never the internet.
"""

from __future__ import annotations

import json
import os
import re
import select
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.fakes import TEST_TOKEN
from tests.standin import BotApiStandin

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"^https://t\.me/bansou_test_bot\?start=([A-Za-z0-9_-]{32,64})$")


def clean_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BANSOU_")}
    # The project is run from a temporary directory: make sure it is importable.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def bansou(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_no_secret(result: subprocess.CompletedProcess[str]) -> None:
    secret = TEST_TOKEN.split(":", 1)[1]
    for stream in (result.stdout, result.stderr):
        assert TEST_TOKEN not in stream
        assert secret not in stream


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_run_without_token_names_the_variable_and_exits(tmp_path: Path) -> None:
    result = bansou(tmp_path, "run", env=clean_env(BANSOU_DATABASE_URL=sqlite_url(tmp_path)))
    assert result.returncode != 0
    assert "BANSOU_TELEGRAM_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    # Refused before touching the database.
    assert not (tmp_path / "cli.db").exists()


def test_bad_timezone_exits_2_naming_the_setting(tmp_path: Path) -> None:
    result = bansou(tmp_path, "db", "upgrade", env=clean_env(BANSOU_TIMEZONE="Asia/Atlantis"))
    assert result.returncode == 2
    assert "BANSOU_TIMEZONE" in result.stderr
    assert "Asia/Tokyo" in result.stderr  # the example
    assert "Traceback" not in result.stderr


def test_malformed_token_is_refused_without_echo(tmp_path: Path) -> None:
    bad = "123456789:this is not a real token"
    result = bansou(tmp_path, "run", env=clean_env(BANSOU_TELEGRAM_TOKEN=bad))
    assert result.returncode == 2
    assert "BANSOU_TELEGRAM_TOKEN" in result.stderr
    assert "not a real token" not in result.stderr + result.stdout


def test_db_upgrade_creates_the_database_and_is_repeatable(tmp_path: Path) -> None:
    env = clean_env(BANSOU_DATABASE_URL=sqlite_url(tmp_path))
    first = bansou(tmp_path, "db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    database = tmp_path / "cli.db"
    assert database.exists()
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"person", "outbox", "invite", "alembic_version"} <= tables
    assert len(version) == 1
    second = bansou(tmp_path, "db", "upgrade", env=env)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout


def test_config_file_is_read(tmp_path: Path) -> None:
    config = tmp_path / "bansou.toml"
    config.write_text('[bansou]\ntimezone = "Asia/Atlantis"\n', encoding="utf-8")
    result = bansou(tmp_path, "db", "upgrade", "--config", str(config))
    # The file's bad value is found, so the file was read (and nothing was migrated).
    assert result.returncode == 2
    assert "BANSOU_TIMEZONE" in result.stderr
    assert not (tmp_path / "bansou.db").exists()


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    result = bansou(tmp_path, "db", "upgrade", "--config", "nowhere.toml")
    assert result.returncode == 2
    assert "nowhere.toml" in result.stderr
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_before_the_command_is_honoured(tmp_path: Path) -> None:
    # A refused database URL keeps the run short if the file is (wrongly) ignored.
    env = clean_env(BANSOU_DATABASE_URL="mysql://nobody@127.0.0.1/none")
    result = bansou(tmp_path, "--config", "nowhere.toml", "db", "upgrade", env=env)
    assert result.returncode == 2
    assert "nowhere.toml" in result.stderr


def test_invite_prints_exactly_one_deep_link(tmp_path: Path) -> None:
    with BotApiStandin(token=TEST_TOKEN) as standin:
        env = clean_env(
            BANSOU_TELEGRAM_BASE_URL=standin.base_url,
            BANSOU_TELEGRAM_TOKEN=TEST_TOKEN,
            BANSOU_DATABASE_URL=sqlite_url(tmp_path),
        )
        result = bansou(tmp_path, "invite", "--role", "coordinator", "--name", "山田", env=env)
        called = [call.method for call in standin.calls()]
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    match = LINK.match(lines[0])
    assert match is not None, lines[0]
    assert "getMe" in called
    assert_no_secret(result)
    # The invite is stored (hashed, never the code itself) with its role and name.
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        rows = connection.execute("SELECT role, display_name, code_hash FROM invite").fetchall()
    assert len(rows) == 1
    role, name, code_hash = rows[0]
    assert (role, name) == ("coordinator", "山田")
    assert match.group(1) not in code_hash


def test_invite_with_unreachable_bot_api_fails_clearly(tmp_path: Path) -> None:
    env = clean_env(
        BANSOU_TELEGRAM_BASE_URL=f"http://127.0.0.1:{closed_port()}/bot",
        BANSOU_TELEGRAM_TOKEN=TEST_TOKEN,
        BANSOU_DATABASE_URL=sqlite_url(tmp_path),
    )
    result = bansou(tmp_path, "invite", "--role", "coordinator", "--name", "山田", env=env)
    assert result.returncode != 0
    assert "Bot API" in result.stderr
    assert "BANSOU_TELEGRAM_BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert_no_secret(result)


def test_invite_refused_by_bot_api_does_not_echo_token(tmp_path: Path) -> None:
    # The stand-in accepts only its own token: ours gets 401 Unauthorized.
    with BotApiStandin(token="111111111:SomeOtherTokenForTheStandinOnly_x") as standin:
        env = clean_env(
            BANSOU_TELEGRAM_BASE_URL=standin.base_url,
            BANSOU_TELEGRAM_TOKEN=TEST_TOKEN,
            BANSOU_DATABASE_URL=sqlite_url(tmp_path),
        )
        result = bansou(tmp_path, "invite", "--role", "supporter", "--name", "田中", env=env)
    assert result.returncode != 0
    assert "BANSOU_TELEGRAM_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert_no_secret(result)


def test_invite_rejects_unknown_role(tmp_path: Path) -> None:
    result = bansou(tmp_path, "invite", "--role", "admin", "--name", "山田")
    assert result.returncode == 2
    assert "--role" in result.stderr


def test_assess_answers_each_line_as_it_arrives(tmp_path: Path) -> None:
    # Input is assessed in batches of what has arrived: a program that writes one reply
    # and waits for its answer must get it without writing more, or it would wait forever.
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "assess"],
        cwd=tmp_path,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        answers = []
        for line in ("\n", "死にたい\n"):
            process.stdin.write(line.encode())
            process.stdin.flush()
            # Only a failure waits out the timeout: a working CLI answers at once.
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, "no answer to a line while the input stays open"
            answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.wait()
    assert [answer["level"] for answer in answers] == ["none", "urgent"]


def test_assess_reads_and_writes_utf8_whatever_the_locale(tmp_path: Path) -> None:
    # Cron jobs and containers often run with LC_ALL=C; Python then reads stdin as ASCII.
    env = {**clean_env(), "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}
    env.pop("PYTHONIOENCODING", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "assess", "--jsonl"],
        cwd=tmp_path,
        env=env,
        input='{"id": 1, "text": "死にたい"}\n'.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    answer = json.loads(result.stdout.decode("utf-8"))
    assert answer["text"] == "死にたい"
    assert answer["level"] == "urgent"
