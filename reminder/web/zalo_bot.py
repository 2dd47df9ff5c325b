"""``POST /zalo/bot``: updates from the Zalo Bot Platform (webhook mode).

Zalo sends the secret registered by ``reminder zalo-bot set-webhook`` in the header
``X-Bot-Api-Secret-Token``; a request without it, or with another one, is refused (403) before
its body is read as JSON, and changes nothing. The body is ``{"ok": true, "result": <update>}``
(bounded to 64 KiB). The update is kept in the store's inbox (``channels.zalo.inbox``) before
the 200, then handled and answered after it, so Zalo is never kept waiting by our reply and a
crash after the 200 loses nothing (the next tick handles what is left). A repeated update id
gets 200 and nothing else.
"""

from __future__ import annotations

import json
import logging

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reminder.channels.zalo import inbox
from reminder.channels.zalo.bot import parse_update
from reminder.web.context import context
from reminder.web.security import same

MAX_BODY = 64 * 1024
log = logging.getLogger(__name__)


async def _bounded_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than ``MAX_BODY``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def zalo_bot(request: Request) -> Response:
    ctx = context(request)
    settings = ctx.config.settings.zalo_bot
    if settings.token is None or settings.secret_token is None:
        return JSONResponse({"error": "zalo bot not configured"}, status_code=503)
    supplied = request.headers.get("x-bot-api-secret-token")
    if supplied is None:
        return JSONResponse({"error": "missing secret token"}, status_code=401)
    if not same(supplied, settings.secret_token.get_secret_value()):
        return JSONResponse({"error": "bad secret token"}, status_code=403)
    raw = await _bounded_body(request)
    if raw is None:
        return JSONResponse({"error": "body too large"}, status_code=413)
    try:
        body = json.loads(raw)
    except ValueError:
        return JSONResponse({"error": "bad body"}, status_code=400)
    payload = body.get("result", body) if isinstance(body, dict) else None
    update = parse_update(payload)
    if update is None:
        return JSONResponse({"ok": True})  # a sticker, an image...: nothing to do
    if not await run_in_threadpool(inbox.receive, ctx.store, update, ctx.clock()):
        return JSONResponse({"ok": True})  # a repeat: handled, or being handled, elsewhere
    key = inbox.key_of(update.update_id)
    task = BackgroundTask(inbox.handle_one, ctx.config, ctx.store, key, ctx.clock)
    return JSONResponse({"ok": True}, background=task)


ROUTES = [Route("/zalo/bot", zalo_bot, methods=["POST"])]
