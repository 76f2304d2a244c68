"""``bansou assess``: assess replies from stdin, one JSON object per line on stdout.

Plain mode reads one message per line. ``--jsonl`` reads JSON objects with at least
``"text"``; other keys (such as ``"id"``) are echoed back unchanged. Errors on stderr name
the line number only: message text never appears in error output.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from bot.domain.distress import assess

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bansou assess",
        description="Assess distress in replies read from stdin (one per line).",
    )
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help='read JSON objects with a "text" key; other keys are echoed back',
    )
    return parser


def _write(stdout: TextIO, record: dict[str, Any]) -> None:
    stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    stdout.flush()


def _assessed(base: dict[str, Any], text: str) -> dict[str, Any]:
    record = dict(base)
    record["text"] = text
    record.update(assess(text).to_json_dict())
    return record


def run_assess(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run the assess command; returns the process exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse already printed usage to stderr
        return int(exit_.code or 0)
    for number, raw_line in enumerate(stdin, start=1):
        line = raw_line.rstrip("\r\n")
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
            stderr.write(f"bansou assess: line {number}: invalid JSON ({error.msg})\n")
            return EXIT_BAD_INPUT
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            stderr.write(f'bansou assess: line {number}: expected an object with a "text" string\n')
            return EXIT_BAD_INPUT
        _write(stdout, _assessed(item, item["text"]))
    return EXIT_OK
