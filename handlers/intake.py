"""Durable polling: an update is committed to `update_journal` before Telegram is told.

PTB's own Updater confirms an offset on its next poll, which can come before a handler has
run; a crash in that window loses the update. This loop closes it: fetch a batch, commit it
to the journal, and only then ask for the next batch (whose offset confirms the previous
one). A second task processes journalled updates in order through the Application and marks
each done. After a `kill -9`, unprocessed rows are processed at start and anything Telegram
redelivers is ignored by update id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.clock import Clock
from handlers.telegram_channel import retry_seconds
from storage import repo
from storage.db import Database

log = logging.getLogger(__name__)

PROCESS_BATCH = 100
# A failing update is retried this many times (a database hiccup), then set aside so one
# poisonous update cannot stop everything behind it.
MAX_PROCESS_ATTEMPTS = 3


class DurableIntake:
    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        db: Database,
        clock: Clock,
        poll_timeout: int = 30,
        on_fatal: Callable[[BaseException], None] | None = None,
        failed: set[int] | None = None,
    ) -> None:
        self.application = application
        self.db = db
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.on_fatal = on_fatal
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._attempts: dict[int, int] = {}
        # Update ids whose handler raised; filled by the application's error handler.
        self.failed: set[int] = failed if failed is not None else set()
        self.processed = 0

    async def start(self) -> None:
        self._stopping = False
        # Polling and a webhook exclude each other; keep pending updates (nothing is dropped).
        await self.application.bot.delete_webhook(drop_pending_updates=False)
        self._tasks = [
            asyncio.create_task(self._process_loop(), name="bansou-intake-process"),
            asyncio.create_task(self._fetch_loop(), name="bansou-intake-fetch"),
        ]

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    # --- fetching ------------------------------------------------------------------------

    async def _fetch_loop(self) -> None:
        async with self.db.transaction() as session:
            offset = await repo.journal_next_offset(session)
        backoff = 1.0
        while not self._stopping:
            try:
                updates = await self.application.bot.get_updates(
                    offset=offset,
                    timeout=self.poll_timeout,
                    allowed_updates=Update.ALL_TYPES,
                    read_timeout=self.poll_timeout + 10,
                )
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error))
                continue
            except InvalidToken as error:
                log.error("polling stopped: %s", type(error).__name__)
                if self.on_fatal is not None:
                    self.on_fatal(error)
                return
            except Conflict:
                # Another getUpdates is open with this token: a process that just died (its
                # request still in flight), or a second instance by mistake. Wait and retry.
                log.warning("getUpdates conflict (another poller?); retrying in %.0f s", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            except (TimedOut, NetworkError) as error:
                log.warning(
                    "getUpdates failed (%s); retrying in %.0f s", type(error).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if not updates:
                continue
            batch = [(update.update_id, update.to_dict()) for update in updates]
            async with self.db.transaction() as session:
                await repo.journal_store(session, batch, self.clock.now())
            # Committed: the next getUpdates may now confirm these.
            offset = max(update_id for update_id, _ in batch) + 1
            self._wake.set()

    # --- processing ----------------------------------------------------------------------

    async def _process_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            async with self.db.transaction() as session:
                pending = await repo.journal_pending(session, PROCESS_BATCH)
            retry_soon = False
            for update_id, payload in pending:
                if not await self._process_one(update_id, payload):
                    retry_soon = True
                    break  # keep order: nothing behind it goes first
            if retry_soon:
                await asyncio.sleep(1.0)
            elif len(pending) < PROCESS_BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=5.0)

    async def _process_one(self, update_id: int, payload: dict[str, object]) -> bool:
        """Process one journalled update; False means "leave it pending and retry soon"."""
        self.failed.discard(update_id)
        try:
            update = Update.de_json(payload, self.application.bot)
            # Handler errors are caught by PTB and reported to the error handler.
            await self.application.process_update(update)
        except Exception as error:
            log.error("update %s could not be processed: %s", update_id, type(error).__name__)
            self.failed.add(update_id)
        if update_id in self.failed:
            attempts = self._attempts.get(update_id, 0) + 1
            self._attempts[update_id] = attempts
            if attempts < MAX_PROCESS_ATTEMPTS:
                return False
            log.error("update %s set aside after %s failed attempts", update_id, attempts)
        self._attempts.pop(update_id, None)
        try:
            async with self.db.transaction() as session:
                await repo.journal_mark_processed(session, update_id, self.clock.now())
        except Exception as error:
            log.error("could not mark update %s processed: %s", update_id, type(error).__name__)
            return False
        self.processed += 1
        return True
