"""The `bansou` command: run the bot, migrate the database, create invites, assess text.

Operator errors (bad settings, unreachable Bot API) end with a clear English message on
stderr and a non-zero exit status; nothing here prints the token.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from bot.config import ConfigError, Settings, load_settings, validated
from bot.logsetup import configure_logging

log = logging.getLogger("bansou")


def _parser() -> argparse.ArgumentParser:
    config_help = "TOML settings file (environment variables win)"
    # Accepted before or after the command; SUPPRESS keeps a later default from erasing it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=config_help)
    parser = argparse.ArgumentParser(
        prog="bansou", description="bansou (伴走): check-ins between visits"
    )
    parser.add_argument("--config", metavar="FILE", default=None, help=config_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", parents=[common], help="run the bot (polling, or --webhook)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook instead of polling (also: BANSOU_WEBHOOK_URL set)",
    )
    run.add_argument("--url", help="public HTTPS URL Telegram POSTs to (BANSOU_WEBHOOK_URL)")
    run.add_argument("--listen", help="local address to listen on (BANSOU_WEBHOOK_LISTEN)")
    run.add_argument("--port", type=int, help="local port to listen on (BANSOU_WEBHOOK_PORT)")
    run.add_argument(
        "--secret-token",
        help="webhook secret token (BANSOU_WEBHOOK_SECRET; prefer the variable: "
        "command lines are visible to other users)",
    )
    db = commands.add_parser("db", parents=[common], help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", parents=[common], help="apply schema migrations")
    invite = commands.add_parser(
        "invite", parents=[common], help="print a one-time invite link (first coordinator)"
    )
    invite.add_argument("--role", choices=["coordinator", "supporter", "person"], required=True)
    invite.add_argument("--name", required=True, help="display name, e.g. 山田")
    assess = commands.add_parser(
        "assess", parents=[common], help="assess replies read from stdin, one per line"
    )
    assess.add_argument("--jsonl", action="store_true", help="input lines are JSON objects")
    return parser


def _assess(argv: list[str]) -> int:
    from bot.assess_cli import run_assess

    try:
        return run_assess(argv, sys.stdin.buffer, sys.stdout.buffer, sys.stderr)
    except BrokenPipeError:
        # The reader went away (``bansou assess < file | head``): stop quietly, and keep
        # the interpreter from failing again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["assess"]:
        # The assessor needs no settings; its interface is fixed by other tools.
        return _assess(args_list[1:])
    args = _parser().parse_args(args_list)
    if args.command == "assess":
        return _assess(["--jsonl"] if args.jsonl else [])
    try:
        settings = load_settings(config_path=args.config)
        if args.command == "run":
            settings = _with_run_options(settings, args)
            settings.require_token()
        configure_logging(
            settings.log_level,
            secrets=[settings.telegram_token or "", settings.webhook_secret or ""],
        )
        if args.command == "db":
            return _db_upgrade(settings)
        if args.command == "invite":
            return _invite(settings, args.role, args.name)
        if args.command == "run":
            return _run(settings)
        raise AssertionError(f"unhandled command {args.command}")
    except ConfigError as error:
        print(f"bansou: configuration error: {error}", file=sys.stderr)
        return 2


def _with_run_options(settings: Settings, args: argparse.Namespace) -> Settings:
    """Command-line webhook options win over the environment and the file."""
    overrides = {
        name: value
        for name, value in (
            ("webhook_url", args.url),
            ("webhook_listen", args.listen),
            ("webhook_port", args.port),
            ("webhook_secret", args.secret_token),
        )
        if value is not None
    }
    settings = validated(replace(settings, **overrides)) if overrides else settings
    if args.webhook:
        settings.require_webhook()
    return settings


def _db_upgrade(settings: Settings) -> int:
    from storage.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except Exception as error:
        print(f"bansou: database upgrade failed: {type(error).__name__}", file=sys.stderr)
        return 1
    print("database is up to date")
    return 0


def _run(settings: Settings) -> int:
    from bot.app import serve
    from storage.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except Exception as error:
        print(f"bansou: cannot prepare the database: {type(error).__name__}", file=sys.stderr)
        return 1
    try:
        return asyncio.run(serve(settings))
    except KeyboardInterrupt:
        return 0
    except Exception as error:
        from telegram.error import InvalidToken, NetworkError

        if isinstance(error, InvalidToken):
            print("bansou: Telegram refused the token (BANSOU_TELEGRAM_TOKEN)", file=sys.stderr)
            return 1
        if isinstance(error, NetworkError):
            print(
                "bansou: cannot reach the Bot API (check BANSOU_TELEGRAM_BASE_URL and network)",
                file=sys.stderr,
            )
            return 1
        raise


def _invite(settings: Settings, role: str, name: str) -> int:
    from bot.clock import SystemClock
    from bot.domain.invites import deep_link
    from bot.services import Services
    from storage.db import Database
    from storage.migrate import upgrade

    name = name.strip()
    if not name or len(name) > 100:
        print("bansou: --name must be 1 to 100 characters", file=sys.stderr)
        return 2
    token = settings.require_token()

    async def create() -> str:
        from telegram import Bot
        from telegram.error import InvalidToken, TelegramError

        try:
            async with Bot(token, base_url=settings.telegram_base_url) as bot:
                username = bot.username
        except InvalidToken:
            raise SystemExit("bansou: Telegram refused the token (BANSOU_TELEGRAM_TOKEN)") from None
        except TelegramError as error:
            raise SystemExit(
                f"bansou: cannot reach the Bot API to learn the bot's username "
                f"({type(error).__name__}); check BANSOU_TELEGRAM_BASE_URL"
            ) from None
        db = Database.from_url(settings.database_url)
        try:
            code = await Services(db, SystemClock(), settings).create_invite(role, name)
        finally:
            await db.dispose()
        return deep_link(username, code)

    upgrade(settings.database_url)
    link = asyncio.run(create())
    print(link)
    print(
        f"(single use, valid for {settings.invite_ttl_days} days; open it in Telegram "
        f"to register as {role})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
