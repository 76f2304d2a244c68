"""The ``bansou assess`` contract."""

from __future__ import annotations

import io
import json

import pytest

from bot.assess_cli import run_assess


def run(argv: list[str], text: str | bytes) -> tuple[int, list[dict], str]:
    stdin = io.BytesIO(text if isinstance(text, bytes) else text.encode("utf-8"))
    stdout, stderr = io.BytesIO(), io.StringIO()
    status = run_assess(argv, stdin, stdout, stderr)
    output = stdout.getvalue().decode("utf-8")  # strict: the output is always UTF-8
    assert output == "" or output.endswith("\n")
    lines = [json.loads(line) for line in output.split("\n")[:-1]]
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


def test_a_line_that_is_not_utf8_is_named_after_the_lines_before_it() -> None:
    status, lines, error = run([], "元気\n".encode() + b"\xff\xfe\x81\n" + "死にたい\n".encode())
    assert status == 2
    assert [line["text"] for line in lines] == ["元気"]
    assert "line 2" in error and "UTF-8" in error


def test_byte_order_mark_and_crlf_are_not_part_of_the_text() -> None:
    status, lines, _ = run(["--jsonl"], b"\xef\xbb\xbf" + '{"text": "死にたい"}\r\n'.encode())
    assert status == 0
    assert lines[0]["text"] == "死にたい"
    assert lines[0]["level"] == "urgent"


def test_lines_split_at_newline_only() -> None:
    # One answer per input line: a stray carriage return or U+2028 inside a reply must
    # not split it in two (other tools pair answers with lines by position).
    status, lines, _ = run([], "つらい\rもう無理\u2028限界\n元気\n")
    assert status == 0
    assert len(lines) == 2
    assert lines[0]["text"] == "つらい\rもう無理\u2028限界"


def test_a_broken_escape_in_the_input_json_gives_valid_output() -> None:
    status, lines, _ = run(["--jsonl"], '{"id": 7, "text": "\\ud83d死にたい"}\n')
    assert status == 0
    assert lines[0]["id"] == 7
    assert lines[0]["text"] == "\ud83d死にたい"
    assert lines[0]["level"] == "urgent"


class TrickleStream(io.RawIOBase):
    """A pipe that delivers its bytes a few at a time, as a slow writer's would arrive."""

    def __init__(self, data: bytes, piece: int) -> None:
        self._data, self._piece = data, piece

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        chunk, self._data = self._data[: self._piece], self._data[self._piece :]
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("piece", [1, 2, 5, 13, 1 << 16])
def test_lines_cut_anywhere_on_arrival_are_read_whole(piece: int) -> None:
    # Reads return what has arrived: pieces end inside a line, a UTF-8 character or the
    # byte-order mark, and the last line has no newline.
    data = b"\xef\xbb\xbf" + "死にたい\n\n元気です\r\n眠れない".encode()
    stdin = io.BufferedReader(TrickleStream(data, piece), buffer_size=8)
    stdout, stderr = io.BytesIO(), io.StringIO()
    assert run_assess([], stdin, stdout, stderr) == 0
    lines = [json.loads(line) for line in stdout.getvalue().decode("utf-8").splitlines()]
    assert [line["text"] for line in lines] == ["死にたい", "", "元気です", "眠れない"]
    assert [line["level"] for line in lines] == ["urgent", "none", "none", "watch"]
