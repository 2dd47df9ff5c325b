"""The file channel: writes each message into ``DATA_DIR/outbox/`` (.eml and .json).

The default when no mail or Zalo account is configured, so a fresh installation sends nothing
anywhere yet shows exactly what it would send. The ``.eml`` holds the very bytes the email
channel would send for the message (``email_mime.WireComposer``, with the same ``[smtp]``
sender and reply-to), CRLF line ends included; a message the email channel would refuse (an
address that is not ASCII) fails here the same way, with the same error, and writes nothing.
Files are written atomically; the name is the delivery key, so a retried message replaces its
own file instead of adding another.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path

from reminder.channels.base import Message, Receipt
from reminder.channels.email_mime import WireComposer
from reminder.settings import SmtpSettings
from reminder.store import write_atomic

log = logging.getLogger(__name__)


class FileChannel:
    """Writes messages as files."""

    name = "file"

    def __init__(self, outbox: Path, smtp: SmtpSettings, concurrency: int = 1) -> None:
        self.outbox = outbox
        self.smtp = smtp
        self.concurrency = concurrency
        self._composer = WireComposer(smtp)  # thread-safe: writes run in worker threads

    async def open(self) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)

    async def send(self, message: Message) -> Receipt:
        # In a worker thread: the two fsynced writes (milliseconds each) must not stop the
        # event loop, and with ``concurrency`` > 1 several messages' writes overlap.
        return await asyncio.to_thread(self._write, message)

    def _write(self, message: Message) -> Receipt:
        wire = self._composer.compose(message)
        if wire is None:
            raise self._composer.refusal(message)
        day_dir = self.outbox / message.created_at[:10]
        day_dir.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", message.key)
        eml = day_dir / f"{stem}.eml"
        write_atomic(eml, wire.data)
        payload = {"message": message.to_record()}
        as_json = day_dir / f"{stem}.json"
        write_atomic(as_json, json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8"))
        log.info("đã ghi thư vào %s", eml)
        return Receipt(provider_id=str(eml), detail="outbox")

    async def close(self) -> None:
        return None
