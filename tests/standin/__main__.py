"""Run the Bot API stand-in as its own process.

    python -m tests.standin --port 8081 --token 123:ABC

Prints its ``base_url`` (one line) on stdout, then serves until SIGTERM/SIGINT. The control
API (``POST /_standin/<action>``, see ``BotApiStandin._control``) is on, so a test in another
process can drive users and read what the bot sent.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from tests.standin.server import DEFAULT_TOKEN, BotApiStandin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = ephemeral (default)")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="bansou_test_bot")
    parser.add_argument("--enforce-limits", action="store_true")
    args = parser.parse_args(argv)

    done = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    standin = BotApiStandin(
        args.token,
        host=args.host,
        port=args.port,
        bot_username=args.bot_username,
        enforce_limits=args.enforce_limits,
        control_api=True,
    )
    with standin:
        sys.stdout.write(standin.base_url + "\n")
        sys.stdout.flush()
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
