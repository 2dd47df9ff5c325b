"""The webhook channel: POSTs each message as JSON to one endpoint (e.g. a group-chat bridge).

Headers: ``X-Reminder-Timestamp`` (Unix seconds), ``X-Reminder-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under webhook.secret>``, and
``Idempotency-Key`` (the delivery key: a retry carries the same key, so the receiver can drop a
repeat). 2xx is success; other statuses follow the shared mapping in ``channels.http``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime

from reminder.channels.base import Message, Receipt, utc_now
from reminder.channels.http import HttpChannel
from reminder.settings import WebhookSettings


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``timestamp.body``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookChannel(HttpChannel):
    """JSON POSTs, signed."""

    name = "webhook"
    provider = "webhook"

    def __init__(
        self,
        settings: WebhookSettings,
        concurrency: int = 8,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if not settings.url:
            raise ValueError("webhook channel needs webhook.url")
        super().__init__(settings.timeout, concurrency)
        self.settings = settings
        self.clock = clock

    async def send(self, message: Message) -> Receipt:
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
        response = await self.post(self.settings.url, content=body, headers=headers)
        return Receipt(
            provider_id=response.headers.get("X-Request-Id", ""),
            detail=f"HTTP {response.status_code}",
        )
