"""Webhook intake: Telegram POSTs each update; it is journalled before the 200 goes back.

A small tornado server inside the bot's event loop. The secret token (sent by Telegram in
``X-Telegram-Bot-Api-Secret-Token``) is checked first: a wrong or missing one gets 403 and
nothing is stored. A body that is not an update gets 400. A good update is committed to
`update_journal` through `DurableIntake.store_and_wake`, and only then answered 200, so
anything not acknowledged is re-delivered by Telegram; re-deliveries are ignored by update id.
If the database cannot take it, the answer is 500 and Telegram tries again later.

Behind a load balancer each instance just journals what it receives; the shared journal
(PostgreSQL) dedupes and the instances' processors share the work.
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
from urllib.parse import urlsplit

from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as TornadoApplication
from tornado.web import RequestHandler

from handlers.intake import DurableIntake

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Updates are a few kB; anything far bigger is not from Telegram.
MAX_BODY_BYTES = 1024 * 1024


class _UpdateHandler(RequestHandler):
    def initialize(self, intake: DurableIntake, secret: str) -> None:
        self.intake = intake
        self.secret = secret.encode("utf-8")

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode("utf-8")
        # Constant-time comparison: the secret is the only thing keeping forged updates out.
        if not hmac.compare_digest(given, self.secret):
            self.set_status(403)
            return
        try:
            data = json.loads(self.request.body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.intake.application.bot)
        except Exception:
            # Never log the body: it holds what someone wrote.
            self.set_status(400)
            return
        try:
            await self.intake.store_and_wake([update])
        except Exception as error:
            log.error("could not journal a webhook update: %s", type(error).__name__)
            self.set_status(500)
            return
        # Committed: acknowledging it now cannot lose it.
        self.set_status(200)


def _quiet(_handler: RequestHandler) -> None:
    """No access log: paths are harmless, but one line per message is noise."""


class WebhookServer:
    """Serves `path` on listen:port, inside the running event loop."""

    def __init__(
        self, intake: DurableIntake, listen: str, port: int, path: str, secret: str
    ) -> None:
        self.listen = listen
        self.port = port
        self.path = path or "/"
        app = TornadoApplication(
            [(self.path, _UpdateHandler, {"intake": intake, "secret": secret})],
            log_function=_quiet,
        )
        self._server = HTTPServer(app, max_body_size=MAX_BODY_BYTES, xheaders=True)
        self._sockets: list[socket.socket] = []

    async def start(self) -> None:
        self._sockets = bind_sockets(self.port, address=self.listen)
        self._server.add_sockets(self._sockets)
        log.info("webhook listening on %s:%s%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        # Stop accepting; a request being journalled finishes (or Telegram re-delivers it).
        self._server.stop()
        await self._server.close_all_connections()
        self._sockets = []


def local_path(url: str) -> str:
    """The path part of the public webhook URL, which the local server answers on."""
    return urlsplit(url).path or "/"


__all__ = ["SECRET_HEADER", "WebhookServer", "local_path"]
