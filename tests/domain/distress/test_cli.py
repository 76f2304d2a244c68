"""The ``bansou assess`` contract."""

from __future__ import annotations

import io
import json

from bot.assess_cli import run_assess


def run(argv: list[str], text: str) -> tuple[int, list[dict], str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_assess(argv, io.StringIO(text), stdout, stderr)
    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    return status, lines, stderr.getvalue()


def test_plain_lines() -> None:
    status, lines, _ = run([], "死にたい\n\n元気です\n")
    assert status == 0
    assert [line["level"] for line in lines] == ["urgent", "none", "none"]
    assert list(lines[0]) == ["text", "level", "categories", "evidence"]
    assert lines[0]["text"] == "死にたい"
    assert lines[0]["categories"] == ["suicide"]
    assert lines[0]["evidence"][0]["rule"] == "suicide.want_to_die"


def test_jsonl_echoes_other_keys() -> None:
    status, lines, _ = run(["--jsonl"], '{"id": "a1", "text": "寝られへん", "extra": [1]}\n')
    assert status == 0
    assert lines[0]["id"] == "a1"
    assert lines[0]["extra"] == [1]
    assert lines[0]["level"] == "watch"


def test_invalid_json_names_the_line_not_the_text() -> None:
    status, lines, error = run(
        ["--jsonl"], '{"text": "元気"}\n{"text": "死にたい秘密"\n{"text": "x"}\n'
    )
    assert status == 2
    assert len(lines) == 1
    assert "line 2" in error
    assert "秘密" not in error


def test_missing_text_is_an_error() -> None:
    status, _, error = run(["--jsonl"], '{"id": 1}\n')
    assert status == 2
    assert "line 1" in error
