"""Durable intake: an update is committed to `update_journal` before Telegram is told.

PTB's own Updater confirms an offset on its next poll, which can come before a handler has
run; a crash in that window loses the update. Polling closes it here: fetch a batch, commit
it to the journal, and only then ask for the next batch (whose offset confirms the previous
one). In webhook mode there is no fetch loop; `handlers.webhook` calls `store_and_wake` and
answers 200 only after the commit. Either way a second task processes journalled updates
through the Application and marks each done. After a `kill -9`, unprocessed rows are
processed at start and anything Telegram redelivers is ignored by update id.

Several instances (PostgreSQL) may process one journal: each claims one row at a time with
`FOR UPDATE SKIP LOCKED` and holds that lock while the handler runs, so no row is handled
twice at once, a crashed instance's rows are free the moment its connection drops, and one
chat's updates are still handled in order (see `repo.journal_claim_next`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.clock import Clock
from handlers.telegram_channel import retry_seconds
from storage import repo
from storage.db import Database

log = logging.getLogger(__name__)

# A failing update is retried this many times (a database hiccup), then set aside so one
# poisonous update cannot stop everything behind it.
MAX_PROCESS_ATTEMPTS = 3
# At stop, the update being handled gets this long to finish.
STOP_GRACE_SECONDS = 10.0


class DurableIntake:
    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        db: Database,
        clock: Clock,
        poll_timeout: int = 30,
        on_fatal: Callable[[BaseException], None] | None = None,
        failed: set[int] | None = None,
        polling: bool = True,
    ) -> None:
        self.application = application
        # False in webhook mode: updates arrive through `store_and_wake` instead.
        self.polling = polling
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
        self._tasks = [asyncio.create_task(self._process_loop(), name="bansou-intake-process")]
        if self.polling:
            # Polling and a webhook exclude each other; keep pending updates (nothing dropped).
            await self.application.bot.delete_webhook(drop_pending_updates=False)
            self._tasks.append(asyncio.create_task(self._fetch_loop(), name="bansou-intake-fetch"))

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        process, *others = self._tasks or [None]
        for task in others:
            task.cancel()
        if process is not None:
            # Let the update in hand finish and be marked (a cancel between its handler and
            # the mark would handle it again at the next start); a stuck one is cancelled.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(process), timeout=STOP_GRACE_SECONDS)
            process.cancel()
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
            await self.store_and_wake(updates)
            # Committed: the next getUpdates may now confirm these.
            offset = max(update.update_id for update in updates) + 1

    # --- storing ---------------------------------------------------------------------------

    async def store_and_wake(self, updates: Sequence[Update]) -> int:
        """Commit updates to the journal (known ids are ignored) and wake the processor.

        Returns how many were new. When this returns, the updates are durable and may be
        acknowledged to Telegram."""
        batch = [(update.update_id, update.to_dict()) for update in updates]
        chats = {
            update.update_id: update.effective_chat.id if update.effective_chat else None
            for update in updates
        }
        async with self.db.transaction() as session:
            stored = await repo.journal_store(session, batch, self.clock.now(), chats)
        self._wake.set()
        return stored

    # --- processing ----------------------------------------------------------------------

    async def _process_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                outcome = await self._process_next()
            except Exception as error:
                # The database is away (claim or mark failed): the row stays, try again soon.
                log.error("journal processing failed: %s", type(error).__name__)
                outcome = "retry"
            if outcome == "retry":
                await asyncio.sleep(1.0)
            elif outcome == "idle":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=5.0)

    async def _process_next(self) -> str:
        """Claim and process one journalled update: "done", "retry" (left pending) or "idle"."""
        if self.db.dialect == "postgresql":
            # Hold the row lock while the handler runs (its own writes use other sessions).
            async with self.db.transaction() as session:
                claimed = await repo.journal_claim_next(session)
                if claimed is None:
                    return "idle"
                if not await self._handle(*claimed):
                    return "retry"
                await repo.journal_mark_processed(session, claimed[0], self.clock.now())
        else:
            # SQLite is one instance, and its transactions take the write lock (BEGIN
            # IMMEDIATE): claim, handle and mark in separate short steps.
            async with self.db.transaction() as session:
                claimed = await repo.journal_claim_next(session)
            if claimed is None:
                return "idle"
            if not await self._handle(*claimed):
                return "retry"
            async with self.db.transaction() as session:
                await repo.journal_mark_processed(session, claimed[0], self.clock.now())
        self.processed += 1
        return "done"

    async def _handle(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Run the handlers for one update; False means "leave it pending and retry soon"."""
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
        return True
