"""What the crash-safe Zalo Bot inbox costs per message, and whether it grows with the handled
update ids kept (``keep_updates_days``, 30 by default).

One message from a linked chat ("xong Q2-01") is kept in the inbox, leased, acted on (one
acknowledgment with its id), and finished (its id moved to the handled ids); the reply is not
sent (no network). This is timed for ``--messages`` messages (default 300) on a store already
holding 0 and ``--kept`` handled ids (default 10,000: a province-sized month), on TinyDB and on
PostgreSQL, and compared with the store work the old claim-first handling did per message
(claim the update id, add the acknowledgment) in the same run.

Figures printed: messages per second for each store and size (target >= 50/s everywhere: a
province's chats send a few thousand messages a day); the ratio of the kept size to the empty
store (target >= 0.8 on both: TinyDB appends one line per write to the kind's change log, see
``bench_keyed``); the ratio of the inbox to the old claim-first
handling, which was not crash-safe (the price of crash safety: about 6 store operations a
message instead of 2; target >= 0.2).

Run: ``.venv/bin/python -m bench.bench_zalo_inbox [--messages N] [--kept N]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from reminder import acks, config
from reminder.channels.zalo import inbox, records
from reminder.channels.zalo.bot import BotUpdate
from reminder.schedule import LOCAL_TZ
from reminder.store import Store
from reminder.store.postgres import PostgresStore
from reminder.store.tinydb import TinyDBStore
from tests.conftest import write_config
from tests.pgserver import PgServer

AT = datetime(2025, 4, 2, 9, 0, tzinfo=LOCAL_TZ)
UNITS: list[dict[str, object]] = [{"id": f"u{i}", "name": f"Đơn vị {i}"} for i in range(50)]
TASKS: list[dict[str, object]] = [
    {"id": "Q2-01", "quarter": 2, "title": "Báo cáo", "lead": [f"u{i}" for i in range(50)]}
]


def _fill(store: Store, kept: int) -> None:
    """``kept`` handled update ids, as a month of traffic leaves them."""
    for n in range(kept):
        records.claim_update(store, inbox.SOURCE, f"old-{n}", AT - timedelta(days=1))


def _update(n: int) -> BotUpdate:
    return BotUpdate(f"m-{n}", f"chat-{n % 50}", "Cán bộ", "xong Q2-01", "PRIVATE")


def inbox_rate(cfg: config.Config, store: Store, messages: int) -> float:
    """Messages per second through receive -> lease and act -> finish."""
    begin = time.perf_counter()
    for n in range(messages):
        update = _update(n)
        assert inbox.receive(store, update, AT)
        key = inbox.key_of(update.update_id)
        taken = inbox.process(cfg, store, key, "bench", AT)
        assert taken is not None
        assert inbox.finish(store, key, taken[0], AT)
    return messages / (time.perf_counter() - begin)


def claim_first_rate(cfg: config.Config, store: Store, messages: int) -> float:
    """The old handling's store work: claim the update id, then add the acknowledgment."""
    begin = time.perf_counter()
    for n in range(messages):
        update = _update(n)
        assert records.claim_update(store, inbox.SOURCE, update.update_id, AT)
        unit = f"u{n % 50}"
        store.add_acks([acks.ack_record("plan-2025", "Q2-01", unit, "done", AT, "zalo_bot")])
        store.ack_events()  # the reply reads the history, as the inbox's handling does
    return messages / (time.perf_counter() - begin)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--kept", type=int, default=10_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-zalo-inbox-"))
    cfg = config.load(write_config(root / "config", UNITS, TASKS))
    with PgServer() as server:
        makers: dict[str, Callable[[str], Store]] = {
            "TinyDB": lambda label: TinyDBStore(root / "tinydb" / label),
            "PostgreSQL": lambda label: PostgresStore(
                server.url(server.create_database()), root / "pg" / label
            ),
        }
        print("--- bench_zalo_inbox ---")
        for name, make in makers.items():
            stores = [make(label) for label in ("empty", "kept", "old")]
            for store in stores:
                for n in range(50):
                    records.add_link(store, f"u{n}", f"chat-{n}", "", AT)
            _fill(stores[1], args.kept)
            empty = inbox_rate(cfg, stores[0], args.messages)
            kept = inbox_rate(cfg, stores[1], args.messages)
            old = claim_first_rate(cfg, stores[2], args.messages)
            print(
                f"{name}: {empty:.0f} messages/s empty; {kept:.0f}/s with {args.kept:,} handled"
                f" ids kept ({kept / empty:.2f} of empty); old claim-first {old:.0f}/s"
                f" (inbox {empty / old:.2f} of it)"
            )
            for store in stores:
                store.close()


if __name__ == "__main__":
    main()
