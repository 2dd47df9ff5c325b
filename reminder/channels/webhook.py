"""The webhook channel: POSTs each message as JSON to one endpoint (e.g. a group-chat bridge).

Headers: ``X-Reminder-Timestamp`` (Unix seconds), ``X-Reminder-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under webhook.secret>``, and
``Idempotency-Key`` (the delivery key: a retry carries the same key, so the receiver can drop a
repeat). 2xx is success; 429 and 5xx are transient; other 4xx are permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime

import httpx

from reminder.channels.base import Message, Receipt
from reminder.channels.zalo_oa import utc_now
from reminder.errors import ChannelError
from reminder.settings import WebhookSettings


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``timestamp.body``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookChannel:
    """JSON POSTs, signed."""

    name = "webhook"

    def __init__(
        self,
        settings: WebhookSettings,
        concurrency: int = 8,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if not settings.url:
            raise ValueError("webhook channel needs webhook.url")
        self.settings = settings
        self.concurrency = concurrency
        self.clock = clock
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.settings.timeout)

    async def send(self, message: Message) -> Receipt:
        assert self._client is not None, "open() first"
        assert self.settings.url is not None
        body = json.dumps(
            {
                "key": message.key,
                "unit": message.recipient,
                "unit_name": message.recipient_name,
                "subject": message.subject,
                "text": message.short_text,
                "data": message.data,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        timestamp = str(int(self.clock().timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Reminder-Timestamp": timestamp,
            "Idempotency-Key": message.key,
        }
        if self.settings.secret is not None:
            headers["X-Reminder-Signature"] = signature(
                self.settings.secret.get_secret_value(), timestamp, body
            )
        try:
            response = await self._client.post(self.settings.url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise ChannelError(
                "webhook không trả lời kịp", permanent=False, code="timeout"
            ) from None
        except httpx.HTTPError as exc:
            raise ChannelError(
                f"không kết nối được webhook: {exc}", permanent=False, code="connect"
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            return Receipt(
                provider_id=response.headers.get("X-Request-Id", ""), detail=f"HTTP {status}"
            )
        permanent = 400 <= status < 500 and status not in (408, 429)
        raise ChannelError(
            f"webhook trả lời HTTP {status}",
            permanent=permanent,
            code=str(status),
            detail=response.text[:500],
        )

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
