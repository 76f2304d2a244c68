"""The one place the Application is assembled and run.

`build_application` wires settings, clock, store and services into a PTB Application with its
handlers, error handler and lifecycle hooks; `BansouRunner` runs it with the durable intake
(our own polling loop, or our webhook server) instead of PTB's Updater, mirroring
`run_polling`'s order:
initialize → post_init → start → intake … intake stop → stop → shutdown → post_shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta

from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.domain.distress import default_assessor
from bot.heap import freeze_startup_heap
from bot.services import Schedules, Services
from bot.state import AppState
from bot.teams import Teams
from handlers import coordinator, person, supporter
from handlers.context import CONTEXT_TYPES, BansouApplication, BansouContext
from handlers.errors import on_error
from handlers.intake import DurableIntake
from handlers.telegram_channel import TelegramChannel
from handlers.webhook import WebhookServer, local_path
from schedules import jobs
from schedules.ratelimit import SendLimiter
from schedules.sender import OutboxSender
from storage.db import Database

log = logging.getLogger(__name__)


def build_application(
    settings: Settings, clock: Clock | None = None, db: Database | None = None
) -> BansouApplication:
    token = settings.require_token()
    clock = clock or SystemClock()
    db = db or Database.from_url(settings.database_url)
    application: BansouApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_url.replace("/bot", "/file/bot"))
        .context_types(CONTEXT_TYPES)
        .updater(None)  # the durable intake polls instead
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    services = Services(db, clock, settings)
    state = AppState(
        settings=settings,
        clock=clock,
        db=db,
        services=services,
        teams=Teams(db, clock),
        schedules=Schedules(services),
    )
    application.bot_data["state"] = state
    register_handlers(application)
    application.add_error_handler(on_error)
    return application


def register_handlers(application: BansouApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("start", person.start, filters=private),
            CommandHandler("help", person.help_command, filters=private),
            CommandHandler("pause", person.pause, filters=private),
            CommandHandler("resume", person.resume, filters=private),
            CommandHandler("frequency", person.frequency, filters=private),
            CommandHandler("schedule", coordinator.schedule, filters=private),
            CommandHandler("quiet", coordinator.quiet, filters=private),
            CommandHandler("stop", person.stop, filters=private),
            CommandHandler("invite", coordinator.invite, filters=private),
            CommandHandler("invite_supporter", coordinator.invite_supporter, filters=private),
            CommandHandler("remove_supporter", coordinator.remove_supporter, filters=private),
            CommandHandler("move", coordinator.move_person, filters=private),
            CommandHandler("new_team", coordinator.new_team, filters=private),
            CommandHandler("set_alert_chat", coordinator.set_alert_chat),
            CommandHandler("queue", supporter.queue_command, filters=private),
            CommandHandler("person", supporter.person_command, filters=private),
            CommandHandler("note", supporter.note_command, filters=private),
            CommandHandler("handover", supporter.handover_command, filters=private),
            CommandHandler("connect", supporter.connect_command, filters=private),
            CommandHandler("duty", supporter.duty_command, filters=private),
            CallbackQueryHandler(supporter.alert_callback, pattern=r"^esc:"),
            CallbackQueryHandler(person.callback),
            MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, person.edited),
            MessageHandler(
                private & filters.COMMAND & filters.UpdateType.MESSAGE, person.unknown_command
            ),
            MessageHandler(private & filters.UpdateType.MESSAGE, person.message),
        ]
    )


def _state(application: BansouApplication) -> AppState:
    state: AppState = application.bot_data["state"]
    return state


async def post_init(application: BansouApplication) -> None:
    state = _state(application)
    settings = state.settings
    state.bot_username = application.bot.username
    # Built lazily on the first reply, the assessor held the event loop for 1-3.6 s on a
    # busy 2-core machine: sends stalled, and a sender that stalled longer than its lease
    # lost the sending role mid-batch. Built here, before anything is received or sent, it
    # costs start-up time only and belongs to the heap frozen after start-up.
    default_assessor()
    await state.schedules.apply_team_defaults()
    await register_commands(application)
    limiter = SendLimiter(
        per_second=settings.send_rate_per_second,
        per_chat_interval=settings.per_chat_interval_seconds,
        group_per_minute=settings.group_messages_per_minute,
    )
    state.sender = OutboxSender(
        state.services,
        TelegramChannel(application.bot),
        limiter,
        idle_seconds=settings.sender_idle_seconds,
        lease_seconds=settings.sender_lease_seconds,
    )
    state.sender.start()
    job_queue = application.job_queue
    if job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    job_queue.run_repeating(
        jobs.checkin_sweep, interval=settings.checkin_sweep_seconds, first=0.2, name="checkin-sweep"
    )
    job_queue.run_repeating(
        jobs.sla_sweep, interval=settings.sla_sweep_seconds, first=0.3, name="sla-sweep"
    )
    job_queue.run_repeating(
        jobs.silence_watch,
        interval=settings.silence_sweep_seconds,
        first=0.4,
        name="silence-watch",
    )
    job_queue.run_repeating(
        jobs.journal_prune,
        interval=timedelta(hours=6),
        first=timedelta(minutes=1),
        name="journal-prune",
    )


async def post_shutdown(application: BansouApplication) -> None:
    state = _state(application)
    if state.sender is not None:
        await state.sender.stop()
    await state.db.dispose()


async def register_commands(application: BansouApplication) -> None:
    """People see their own commands; each staff member's chat sees the staff menu."""
    bot = application.bot
    await bot.set_my_commands(person.person_commands(), scope=BotCommandScopeAllPrivateChats())
    staff_menu = person.staff_commands()
    for chat_id in await _state(application).services.staff_chat_ids():
        await bot.set_my_commands(staff_menu, scope=BotCommandScopeChat(chat_id))


class BansouRunner:
    """Starts and stops the whole bot inside a running event loop (tests use it directly)."""

    def __init__(self, application: BansouApplication) -> None:
        self.application = application
        self.state = _state(application)
        self.intake: DurableIntake | None = None
        self.webhook: WebhookServer | None = None
        self.fatal: BaseException | None = None
        self.stopped = asyncio.Event()

    async def start(self) -> None:
        app = self.application
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        settings = self.state.settings
        self.intake = DurableIntake(
            app,
            self.state.db,
            self.state.clock,
            poll_timeout=settings.poll_timeout_seconds,
            on_fatal=self._on_fatal,
            failed=self.state.failed_updates,
            polling=not settings.webhook_mode,
        )
        self.state.intake = self.intake
        await self.intake.start()
        if settings.webhook_mode:
            await self._start_webhook()
        mode = "webhook" if settings.webhook_mode else "polling"
        log.info("bansou is running as @%s (%s)", self.state.bot_username, mode)

    async def _start_webhook(self) -> None:
        """Listen first, then tell Telegram: nothing is delivered before we can journal it."""
        settings = self.state.settings
        url = settings.require_webhook()
        secret = settings.webhook_secret
        if not secret:  # load_settings refuses this; a hand-built Settings might not
            raise ValueError("webhook mode needs webhook_secret")
        assert self.intake is not None
        self.webhook = WebhookServer(
            self.intake, settings.webhook_listen, settings.webhook_port, local_path(url), secret
        )
        await self.webhook.start()
        # Pending updates are kept: every instance behind the load balancer calls this, and
        # nothing Telegram holds for us may be dropped.
        await self.application.bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )

    def _on_fatal(self, error: BaseException) -> None:
        self.fatal = error
        self.stopped.set()

    async def stop(self) -> None:
        app = self.application
        # The webhook stays registered with Telegram: other instances may still serve it, and
        # while none does Telegram keeps the updates for us.
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if self.intake is not None:
            await self.intake.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        self.stopped.set()


async def serve(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM; the exit status for the CLI."""
    runner = BansouRunner(build_application(settings))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, runner.stopped.set)
    await runner.start()
    freeze_startup_heap()
    try:
        await runner.stopped.wait()
    finally:
        await runner.stop()
    if runner.fatal is not None:
        log.error("stopped: %s", type(runner.fatal).__name__)
        return 1
    return 0


__all__ = ["BansouContext", "BansouRunner", "build_application", "serve"]
