"""``bansou assess``: assess replies from stdin, one JSON object per line on stdout.

Plain mode reads one message per line. ``--jsonl`` reads JSON objects with at least
``"text"``; other keys (such as ``"id"``) are echoed back unchanged. Input and output are
UTF-8 whatever the locale says (cron and containers often run with ``LANG=C``): lines are
read as bytes, split at ``\\n`` only, and decoded one by one, so a line that is not UTF-8
is reported by its number after every line before it was answered. A byte-order mark
before the first line is skipped. Input is read as it arrives: the complete lines at hand
are assessed together (quicker in bulk, see ``Assessor.assess_many``) and their answers
written and flushed at once, so a program may still feed replies one at a time and wait
for each answer. Errors on stderr name the line number only: message text never appears
in error output.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, TextIO

from bot.domain.distress import assess_many

EXIT_OK = 0
EXIT_BAD_INPUT = 2

_BYTE_ORDER_MARK = b"\xef\xbb\xbf"
# Bytes asked for per read: the most a read returns, never waiting for more than one byte.
_READ_SIZE = 1 << 18


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


def _line_batches(stdin: Iterable[bytes]) -> Iterator[list[bytes]]:
    """The input's lines without their ``\n``, in batches of the complete lines at hand.

    A buffered stream is read with ``read1``, which returns what has arrived (waiting only
    when nothing has): a file or pipe full of replies comes in large batches, a program
    writing one line at a time gets one batch per line. Other iterables: one line each.
    """
    read = getattr(stdin, "read1", None)
    if read is None:
        for line in stdin:
            yield [line.removesuffix(b"\n")]
        return
    rest = b""
    while block := read(_READ_SIZE):
        lines = (rest + block).split(b"\n")
        rest = lines.pop()  # an incomplete last line waits for the rest of it
        if lines:
            yield lines
    if rest:
        yield [rest]


def _answers(records: list[tuple[dict[str, Any], str]]) -> bytes:
    """The output lines for (echoed keys, text) pairs, assessed together."""
    lines = []
    for (base, text), assessment in zip(
        records, assess_many([text for _, text in records]), strict=True
    ):
        record = dict(base)
        record["text"] = text
        record.update(assessment.to_json_dict())
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    # A lone surrogate (from a "\ud83d" escape in the input JSON) cannot be encoded; written
    # as the same JSON escape it came in as, the output line stays valid JSON.
    return "".join(lines).encode("utf-8", "backslashreplace")


def _error(stderr: TextIO, number: int, problem: str) -> int:
    stderr.write(f"bansou assess: line {number}: {problem}\n")
    stderr.flush()
    return EXIT_BAD_INPUT


def _record(raw_line: bytes, jsonl: bool) -> tuple[dict[str, Any], str] | str:
    """(echoed keys, text) of one input line, or what is wrong with it."""
    raw_line = raw_line.removesuffix(b"\r")
    try:
        line = raw_line.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not valid UTF-8 (byte {error.start + 1})"
    if not jsonl or not line.strip():
        return {}, line  # in --jsonl mode a blank line is an empty message, as in plain mode
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        return f"invalid JSON ({error.msg})"
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return 'expected an object with a "text" string'
    return item, item["text"]


def run_assess(argv: list[str], stdin: Iterable[bytes], stdout: BinaryIO, stderr: TextIO) -> int:
    """Run the assess command on byte streams; returns the process exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse already printed usage to stderr
        return int(exit_.code or 0)
    number = 0
    for batch in _line_batches(stdin):
        if number == 0 and batch[0].startswith(_BYTE_ORDER_MARK):
            batch[0] = batch[0][len(_BYTE_ORDER_MARK) :]
        records: list[tuple[dict[str, Any], str]] = []
        problem = None
        for raw_line in batch:
            number += 1
            found = _record(raw_line, args.jsonl)
            if isinstance(found, str):
                problem = found
                break
            records.append(found)
        if records:  # every line before a bad one is answered first
            stdout.write(_answers(records))
            stdout.flush()
        if problem is not None:
            return _error(stderr, number, problem)
    return EXIT_OK
