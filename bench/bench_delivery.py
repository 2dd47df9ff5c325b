"""Benchmark: delivery throughput against raw baselines measured in the same run.

- 2,000 messages to a local SMTP server (aiosmtpd in its own process): our email channel
  (a pool of 4 connections, one worker thread each, journal append per outcome, as a pass
  sends) against plain smtplib sending the same MIME messages over one connection (and plain
  smtplib over 4 connections in threads, the pool's ceiling); and a whole dispatch pass for
  2,000 units (schedule, render, outbox, send, record) for reference.
- 2,000 messages to a local HTTP sink (its own process): our webhook channel at concurrency 8
  against plain httpx.AsyncClient posting the same bodies at concurrency 8.
- Recording 20,000 outcomes in the store (journal appends + one fold) against one raw TinyDB
  ``insert_multiple`` of the same 20,000 delivery documents into a JSON file (and, for
  comparison with figures taken before deliveries carried their message, of 20,000 small
  records).

Targets: the email channel at least 1.2x raw single-connection smtplib (issue 11); the
webhook channel at least 0.7 of raw; recording at least 0.5 of raw.
Run: .venv/bin/python -m bench.bench_delivery
"""

from __future__ import annotations

import asyncio
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
from tinydb import TinyDB

from reminder.channels.base import Message, Receipt
from reminder.channels.email import EmailChannel, build_email
from reminder.channels.webhook import WebhookChannel
from reminder.errors import ChannelError
from reminder.schedule import LOCAL_TZ
from reminder.settings import SmtpSettings, WebhookSettings
from reminder.store import Delivery, Leaseholder, Outcome, Store, apply_outcome
from reminder.store.records import delivery_to_json
from reminder.store.tinydb import TinyDBStore
from tests.conftest import write_config
from tests.servers import free_port, wait_until

N = 2000
POOL = 4  # the email channel's default pool (channels.concurrency.email)
ROUNDS = 10

SENT_AT = datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ)


def _sent(key: str) -> Outcome:
    return Outcome(key, SENT_AT.date(), "sent", SENT_AT, 1, SENT_AT)


def _messages(n: int) -> list[Message]:
    text = "Kính gửi: Phòng Nội vụ\n" + "Nội dung nhắc việc, hạn 31/03/2025.\n" * 20
    return [
        Message(
            key=f"u{i}/email/2025-04-01",
            channel="email",
            recipient=f"u{i}",
            recipient_name=f"Đơn vị {i}",
            subject=f"[Nhắc việc] 3 việc cần làm — {i}",
            text=text,
            html="<p>" + text + "</p>",
            short_text=text[:500],
            created_at="2025-04-01T08:05:00+07:00",
            emails=(f"u{i}@huyen.example",),
        )
        for i in range(n)
    ]


def _server(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.sinks", kind, str(port)])

    def ready() -> bool:
        import socket

        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    assert wait_until(ready, 10)
    return proc, port


def bench_smtp(port: int, store: Store) -> tuple[float, float, float, list[float]]:
    """Seconds for N messages: raw smtplib on one connection, raw smtplib on POOL connections
    in threads, and our channel; plus our speed-up over raw in each round.

    The three run interleaved in ROUNDS rounds (the order rotating), so that load from other
    processes on this shared machine falls on all three alike."""
    settings = SmtpSettings(
        host="127.0.0.1", port=port, security="none", sender="Nhắc việc <nv@huyen.example>"
    )
    messages = _messages(N)

    def raw(batch: list[Message]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as conn:
            for m in batch:
                conn.send_message(build_email(m, settings), to_addrs=list(m.emails))

    def raw_pool(batch: list[Message]) -> None:
        with ThreadPoolExecutor(POOL) as pool:
            list(pool.map(raw, [batch[i::POOL] for i in range(POOL)]))

    def ours(batch: list[Message]) -> None:
        async def run() -> None:
            # As the dispatcher sends: the pool's workers, each outcome journalled as soon as
            # its message is done, before that connection sends the next.
            channel = EmailChannel(settings, POOL)
            await channel.open()

            def done(m: Message, result: Receipt | ChannelError) -> None:
                assert isinstance(result, Receipt), result
                store.record_outcome(_sent(m.key))

            await channel.send_all(batch, done)
            await channel.close()

        asyncio.run(run())

    runs = [raw, raw_pool, ours]
    totals = [0.0, 0.0, 0.0]
    ratios: list[float] = []
    size = N // ROUNDS
    for r in range(ROUNDS):
        batch = messages[r * size : (r + 1) * size]
        took = [0.0, 0.0, 0.0]
        for k in range(3):
            i = (k + r) % 3
            start = time.perf_counter()
            runs[i](batch)
            took[i] = time.perf_counter() - start
        totals = [t + d for t, d in zip(totals, took, strict=True)]
        ratios.append(took[0] / took[2])
    return totals[0], totals[1], totals[2], ratios


def bench_http(port: int, store: Store) -> tuple[float, float]:
    url = f"http://127.0.0.1:{port}/hook"
    messages = _messages(N)
    limit = 8

    async def raw_run() -> None:
        sem = asyncio.Semaphore(limit)
        async with httpx.AsyncClient() as client:

            async def one(m: Message) -> None:
                async with sem:
                    r = await client.post(url, json={"key": m.key, "text": m.short_text})
                    r.raise_for_status()

            await asyncio.gather(*(one(m) for m in messages))

    async def our_run() -> None:
        channel = WebhookChannel(WebhookSettings(url=url, secret="s"), limit)
        sem = asyncio.Semaphore(limit)
        await channel.open()

        async def one(m: Message) -> None:
            async with sem:
                await channel.send(m)
                store.record_outcome(_sent(m.key))

        await asyncio.gather(*(one(m) for m in messages))
        await channel.close()

    start = time.perf_counter()
    asyncio.run(raw_run())
    raw = time.perf_counter() - start
    start = time.perf_counter()
    asyncio.run(our_run())
    return raw, time.perf_counter() - start


def bench_store(root: Path) -> tuple[float, float, float]:
    """Seconds to record 20,000 outcomes in the store (journal appends, then one fold that
    rewrites the month's deliveries file), and two raw baselines: one TinyDB
    ``insert_multiple`` of the very documents the store ends up holding (like for like: the
    same records written once), and one of 20,000 small records (the baseline this bench used
    when its deliveries carried no message, kept to compare with old figures)."""
    message = _messages(1)[0]
    deliveries = [
        Delivery(f"k{i}", f"u{i}", "email", SENT_AT.date(), "pending", (), (), message, SENT_AT)
        for i in range(20000)
    ]
    final = [delivery_to_json(apply_outcome(d, _sent(d.key))) for d in deliveries]
    small = [
        {
            "key": d.key,
            "status": "sent",
            "recipient": d.recipient,
            "attempts": 1,
            "sent_at": "2025-04-01T08:05:00+07:00",
            "receipt": {"id": "<abc@huyen.example>", "detail": ""},
            "last_error": None,
        }
        for d in deliveries
    ]

    def raw(name: str, records: Sequence[Mapping[str, object]]) -> float:
        start = time.perf_counter()
        TinyDB(root / name).table("deliveries").insert_multiple(records)
        return time.perf_counter() - start

    raw_same = raw("raw.json", final)
    raw_small = raw("raw-small.json", small)

    store = TinyDBStore(root / "store")
    store.add_deliveries(deliveries, Leaseholder("bench"), 600)
    start = time.perf_counter()
    for d in deliveries:
        store.record_outcome(_sent(d.key))
    store.flush()
    mine = time.perf_counter() - start
    assert store.deliveries()[-1].status == "sent"
    return raw_same, raw_small, mine


def bench_pass(port: int, root: Path) -> float:
    units: list[dict[str, object]] = [
        {"id": f"u{i:04d}", "name": f"Đơn vị {i}", "email": [f"u{i}@huyen.example"]}
        for i in range(N)
    ]
    tasks: list[dict[str, object]] = [
        {
            "id": f"Q2-{t:02d}",
            "quarter": 2,
            "title": f"Việc {t}",
            "lead": [u["id"] for u in units[t::5]],
        }
        for t in range(5)
    ]
    settings = f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    from reminder import config
    from reminder.dispatch import Dispatcher

    cfg = config.load(write_config(root / "config", units, tasks, settings))
    dispatcher = Dispatcher(cfg, TinyDBStore(root / "pass"), secret="s")
    start = time.perf_counter()
    report = dispatcher.run(datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ))
    assert len(report.sent) == N
    return time.perf_counter() - start


def main() -> None:
    root = Path(tempfile.mkdtemp())
    smtp, smtp_port = _server("smtp")
    http, http_port = _server("http")
    try:
        raw_smtp, pool_smtp, our_smtp, rounds = bench_smtp(smtp_port, TinyDBStore(root / "s1"))
        raw_http, our_http = bench_http(http_port, TinyDBStore(root / "s2"))
        raw_store, raw_small, our_store = bench_store(root)
        whole = bench_pass(smtp_port, root)
    finally:
        smtp.terminate()
        http.terminate()
        shutil.rmtree(root, ignore_errors=True)
    print("--- bench_delivery ---")
    print(
        f"SMTP, {N} messages in {ROUNDS} interleaved rounds: raw smtplib on one connection"
        f" {N / raw_smtp:.0f} msg/s; raw smtplib on {POOL} connections in threads"
        f" {N / pool_smtp:.0f} msg/s ({raw_smtp / pool_smtp:.2f}x); email channel, pool of"
        f" {POOL}, journalling each outcome {N / our_smtp:.0f} msg/s ->"
        f" {raw_smtp / our_smtp:.2f}x raw smtplib (rounds: "
        + ", ".join(f"{r:.2f}" for r in rounds)
        + f"; median {statistics.median(rounds):.2f}; target >= 1.2)"
    )
    print(
        f"HTTP, {N} messages, concurrency 8: raw httpx {N / raw_http:.0f} msg/s,"
        f" webhook channel {N / our_http:.0f} msg/s -> {raw_http / our_http:.2f} of raw"
        " (target >= 0.7)"
    )
    print(
        f"store, 20,000 outcomes: journal + fold {our_store * 1000:.0f} ms; raw TinyDB"
        f" insert_multiple of the same 20,000 documents {raw_store * 1000:.0f} ms ->"
        f" {raw_store / our_store:.2f} of raw (target >= 0.5); of 20,000 small records (the"
        f" baseline before deliveries carried their message) {raw_small * 1000:.0f} ms ->"
        f" {raw_small / our_store:.2f}"
    )
    print(
        f"whole dispatch pass, {N} units by email (plan, render, outbox, send, record):"
        f" {whole:.2f} s ({N / whole:.0f} msg/s)"
    )


if __name__ == "__main__":
    main()
