"""A process the Zalo inbox tests start and kill: it receives one bot update into the inbox,
as the webhook does, and handles it, killing itself (SIGKILL) at a named point.

``python -m tests.zalo_child CONFIG_DIR DATA_DIR UPDATE_JSON NOW POINT``, with the store's
environment (``REMINDER_STORE_URL`` for PostgreSQL) and the bot's token. POINT:

- ``before-ack``: after the update is kept, as the acknowledgment is about to be recorded;
- ``before-done``: after the acknowledgment is recorded and the reply sent, before the entry
  is marked done;
- ``none``: no kill (prints "ok").
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from reminder import config
from reminder.channels.zalo import inbox
from reminder.channels.zalo.bot import parse_update
from reminder.store import open_store


def _die(*args: Any, **kwargs: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> None:
    config_dir, data_dir, raw, now_text, point = argv
    cfg = config.load(Path(config_dir))
    store = open_store(cfg.settings, Path(data_dir))
    update = parse_update(json.loads(raw))
    assert update is not None
    now = datetime.fromisoformat(now_text)
    if not inbox.receive(store, update, now):
        print("repeat")
        return
    if point == "before-ack":
        store.add_acks = _die  # type: ignore[method-assign]
    elif point == "before-done":
        inbox.finish = _die  # type: ignore[assignment]
    asyncio.run(inbox.handle_one(cfg, store, inbox.key_of(update.update_id), lambda: now))
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1:])
