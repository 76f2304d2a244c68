"""``bansou assess``: assess replies from stdin, one JSON object per line on stdout.

Plain mode reads one message per line. ``--jsonl`` reads JSON objects with at least
``"text"``; other keys (such as ``"id"``) are echoed back unchanged. Input and output are
UTF-8 whatever the locale says (cron and containers often run with ``LANG=C``): lines are
read as bytes, split at ``\\n`` only, and decoded one by one, so a line that is not UTF-8
is reported by its number after every line before it was answered. A byte-order mark
before the first line is skipped. Each answer is written and flushed as soon as its line
is read, so a program may feed replies one at a time and wait for each answer. Errors on
stderr name the line number only: message text never appears in error output.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from typing import Any, BinaryIO, TextIO

from bot.domain.distress import assess

EXIT_OK = 0
EXIT_BAD_INPUT = 2

_BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bansou assess",
        description="Assess distress in replies read from stdin (one per line, UTF-8).",
    )
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help='read JSON objects with a "text" key; other keys are echoed back',
    )
    return parser


def _write(stdout: BinaryIO, record: dict[str, Any]) -> None:
    # A lone surrogate (from a "\ud83d" escape in the input JSON) cannot be encoded; written
    # as the same JSON escape it came in as, the output line stays valid JSON.
    line = json.dumps(record, ensure_ascii=False) + "\n"
    stdout.write(line.encode("utf-8", "backslashreplace"))
    stdout.flush()


def _assessed(base: dict[str, Any], text: str) -> dict[str, Any]:
    record = dict(base)
    record["text"] = text
    record.update(assess(text).to_json_dict())
    return record


def _error(stderr: TextIO, number: int, problem: str) -> int:
    stderr.write(f"bansou assess: line {number}: {problem}\n")
    stderr.flush()
    return EXIT_BAD_INPUT


def run_assess(argv: list[str], stdin: Iterable[bytes], stdout: BinaryIO, stderr: TextIO) -> int:
    """Run the assess command on byte streams; returns the process exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse already printed usage to stderr
        return int(exit_.code or 0)
    for number, raw_line in enumerate(stdin, start=1):
        if number == 1 and raw_line.startswith(_BYTE_ORDER_MARK):
            raw_line = raw_line[len(_BYTE_ORDER_MARK) :]
        raw_line = raw_line.removesuffix(b"\n").removesuffix(b"\r")
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError as error:
            return _error(stderr, number, f"not valid UTF-8 (byte {error.start + 1})")
        if not args.jsonl:
            _write(stdout, _assessed({}, line))
            continue
        if not line.strip():
            # A blank line is an empty message, like in plain mode.
            _write(stdout, _assessed({}, ""))
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            return _error(stderr, number, f"invalid JSON ({error.msg})")
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            return _error(stderr, number, 'expected an object with a "text" string')
        _write(stdout, _assessed(item, item["text"]))
    return EXIT_OK
