"""Benchmark: delivery throughput against raw baselines measured in the same run.

- 2,000 messages to a relay-like SMTP sink (``bench.sinks.relay``: several aiosmtpd processes
  sharing one port with SO_REUSEPORT, so that one sink process's CPU is not what is measured,
  each answering a message's end of DATA after a latency, as a real relay does once it has
  queued the message), once per latency asked for (default 0 ms, then 5 ms), in interleaved
  rounds: plain smtplib over one connection (the baseline), plain smtplib over 4 connections in
  threads, aiosmtplib over 4 connections (when installed) and our email channel (its pool of
  4, one worker thread each, each outcome decided and journalled before that connection sends
  the next, as a pass does). The raw runs send ``build_email``'s ``email.mime`` message with
  ``send_message``, as a plain smtplib program would; the channel composes the same bytes
  itself (``email_mime.WireComposer``, checked byte for byte by the tests) and hands them to
  ``sendmail``. Per run: messages/s (round median and range), the ratio to the baseline (per
  round, median and range), and the CPU time per message of the client (all its threads) and
  of the sink's processes.
  With a 0 ms sink every client is bound by the CPU that it shares with the sink on this
  2-core machine, so a pool gains little unless each message costs the client less CPU; with a
  sink that takes some milliseconds the pool overlaps those waits, which is what it is for.
  Before the runs, the client's CPU per message by part, one thread: composing with
  ``email.mime`` + flattening as ``send_message`` does, composing with ``WireComposer``, and
  deciding and journalling an outcome.
- A whole dispatch pass for 2,000 units (schedule, render, outbox, send, record) against a
  single-process aiosmtpd sink, for reference.
- 2,000 messages to a local HTTP sink (its own process): our webhook channel at concurrency 8
  against plain httpx.AsyncClient posting the same bodies at concurrency 8.
- Recording 20,000 outcomes in the store (journal appends + one fold) against one raw TinyDB
  ``insert_multiple`` of the same 20,000 delivery documents into a JSON file (and, for
  comparison with figures taken before deliveries carried their message, of 20,000 small
  records).

Targets: the email channel at least 1.2x raw single-connection smtplib (issue 11), with the
0 ms sink as with the 5 ms one; the webhook channel at least 0.7 of raw;
recording at least 0.5 of raw.
Run: .venv/bin/python -m bench.bench_delivery [--sink-latency-ms 0,5] [--sink-procs 2]
[--messages 2000] [--rounds 10] [--smtp-only]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import io
import os
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.generator import BytesGenerator
from pathlib import Path

import httpx
from tinydb import TinyDB

from bench.sinks import relay
from reminder import outbox
from reminder.channels.base import Message, Receipt
from reminder.channels.email import EmailChannel
from reminder.channels.email_mime import WireComposer, build_email
from reminder.channels.webhook import WebhookChannel
from reminder.errors import ChannelError
from reminder.schedule import LOCAL_TZ
from reminder.settings import ChannelSettings, SmtpSettings, WebhookSettings
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


@dataclass(frozen=True)
class SmtpRun:
    """One way of sending: its label and a function sending a batch to the sink's port."""

    label: str
    send: Callable[[list[Message], int], None]


@dataclass(frozen=True)
class SmtpFigures:
    """Messages per second of each run in each round (same order as the runs)."""

    latency_ms: float
    per_round: list[list[float]]  # [run][round]
    cpu_ms: list[float]  # [run]: this process's CPU time per message, all threads, ms
    sink_cpu_ms: list[float]  # [run]: the sink processes' CPU time per message, ms


def smtp_runs(store: Store, pool: int) -> list[SmtpRun]:
    """The ways of sending compared: raw smtplib on one connection (the baseline), raw smtplib
    on ``pool`` connections in threads, aiosmtplib on ``pool`` connections (when installed) and
    our channel (its pool of ``pool``, each outcome recorded in ``store`` as the dispatcher
    does before that connection sends its next message)."""
    settings = SmtpSettings(
        host="127.0.0.1", port=25, security="none", sender="Nhắc việc <nv@huyen.example>"
    )

    def raw(batch: list[Message], port: int) -> None:
        with smtplib.SMTP("127.0.0.1", port) as conn:
            for m in batch:
                conn.send_message(build_email(m, settings), to_addrs=list(m.emails))

    def raw_pool(batch: list[Message], port: int) -> None:
        with ThreadPoolExecutor(pool) as threads:
            list(threads.map(raw, [batch[i::pool] for i in range(pool)], [port] * pool))

    def ours(batch: list[Message], port: int) -> None:
        channel = EmailChannel(settings.model_copy(update={"port": port}), pool)
        outcomes = ChannelSettings()

        def done(m: Message, result: Receipt | ChannelError) -> None:
            assert isinstance(result, Receipt), result
            store.record_outcome(
                outbox.outcome(by_message[id(m)], SENT_AT, outcomes, receipt=result)
            )

        by_message = {id(d.message): d for d in _pending(batch)}

        async def run() -> None:
            await channel.open()
            await channel.send_all(batch, done)
            await channel.close()

        asyncio.run(run())

    runs = [
        SmtpRun("raw smtplib, 1 connection", raw),
        SmtpRun(f"raw smtplib, {pool} connections in threads", raw_pool),
    ]
    try:
        import aiosmtplib
    except ImportError:
        print("(aiosmtplib is not installed: its run is skipped)")
    else:

        def aio(batch: list[Message], port: int) -> None:
            async def one(part: list[Message]) -> None:
                async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as c:
                    for m in part:
                        await c.send_message(build_email(m, settings), recipients=list(m.emails))

            async def run() -> None:
                await asyncio.gather(*(one(batch[i::pool]) for i in range(pool)))

            asyncio.run(run())

        runs.append(SmtpRun(f"aiosmtplib, {pool} connections", aio))
    runs.append(SmtpRun(f"email channel, pool of {pool}, recording each outcome", ours))
    return runs


def _pending(batch: list[Message]) -> list[Delivery]:
    return [
        Delivery(m.key, m.recipient, "email", SENT_AT.date(), "pending", (), (), SENT_AT, message=m)
        for m in batch
    ]


def _cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time of processes ``pids`` so far (Linux ``/proc``)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def bench_smtp(
    runs: list[SmtpRun],
    port: int,
    messages: list[Message],
    rounds: int,
    latency_ms: float,
    sink_pids: Sequence[int],
) -> SmtpFigures:
    """Messages per second of every run in each of ``rounds`` interleaved rounds (each round
    sends its own slice of ``messages`` once per run, the order rotating), so that load from
    other processes on this shared machine falls on all runs alike."""
    size = len(messages) // rounds
    per_round: list[list[float]] = [[] for _ in runs]
    cpu = [0.0 for _ in runs]
    sink_cpu = [0.0 for _ in runs]
    for r in range(rounds):
        batch = messages[r * size : (r + 1) * size]
        for k in range(len(runs)):
            i = (k + r) % len(runs)
            start_sink = _cpu_seconds(sink_pids)
            start, start_cpu = time.perf_counter(), time.process_time()
            runs[i].send(batch, port)
            per_round[i].append(len(batch) / (time.perf_counter() - start))
            cpu[i] += time.process_time() - start_cpu
            sink_cpu[i] += _cpu_seconds(sink_pids) - start_sink
    sent = size * rounds
    return SmtpFigures(
        latency_ms,
        per_round,
        [c * 1000 / sent for c in cpu],
        [c * 1000 / sent for c in sink_cpu],
    )


def bench_parts(messages: list[Message], store: Store) -> dict[str, float]:
    """The client's CPU time per message (us) of each part of sending one, in one thread:
    composing with ``email.mime`` and flattening as ``send_message`` does (the raw runs),
    composing with ``WireComposer`` (the channel), deciding and journalling its outcome."""
    settings = SmtpSettings(host="127.0.0.1", sender="Nhắc việc <nv@huyen.example>")
    composer = WireComposer(settings)
    channel_settings = ChannelSettings()
    pending = _pending(messages)
    receipt = Receipt("<x@huyen.example>")

    def library() -> None:
        for m in messages:
            mail = copy.copy(build_email(m, settings))  # as send_message: copy, flatten
            with io.BytesIO() as out:
                BytesGenerator(out).flatten(mail, linesep="\r\n")

    def composed() -> None:
        for m in messages:
            composer.compose(m)

    def recorded() -> None:
        for d in pending:
            store.record_outcome(outbox.outcome(d, SENT_AT, channel_settings, receipt=receipt))

    parts = {
        "email.mime + flatten (raw runs)": library,
        "WireComposer.compose (channel)": composed,
        "outcome decided + journalled (channel)": recorded,
    }
    costs = {}
    for label, part in parts.items():
        start = time.process_time()
        part()
        costs[label] = (time.process_time() - start) * 1e6 / len(messages)
    return costs


def print_smtp(runs: list[SmtpRun], figures: SmtpFigures, procs: int, n: int) -> None:
    base = figures.per_round[0]
    rounds = len(base)
    print(
        f"SMTP sink: {procs} aiosmtpd processes on one port (SO_REUSEPORT), answering each"
        f" message after {figures.latency_ms:g} ms; {n} messages in {rounds} interleaved rounds"
        " (msg/s: median [min-max]; ratio to raw smtplib on one connection, per round: median"
        " [min-max]; CPU time per message: the client's, all its threads, and the sink's)"
    )
    for run, speeds, cpu, sink in zip(
        runs, figures.per_round, figures.cpu_ms, figures.sink_cpu_ms, strict=True
    ):
        ratios = [s / b for s, b in zip(speeds, base, strict=True)]
        print(
            f"  {run.label:<52} {statistics.median(speeds):6.0f} msg/s"
            f" [{min(speeds):.0f}-{max(speeds):.0f}]  {statistics.median(ratios):.2f}x"
            f" [{min(ratios):.2f}-{max(ratios):.2f}]  CPU {cpu:.2f} ms/msg, sink {sink:.2f}"
        )
    ours = figures.per_round[-1]
    threads = figures.per_round[1]
    vs_threads = [o / t for o, t in zip(ours, threads, strict=True)]
    print(
        f"  email channel / {runs[1].label}: median {statistics.median(vs_threads):.2f}"
        f" [{min(vs_threads):.2f}-{max(vs_threads):.2f}]; target: channel >= 1.2x raw one"
        " connection (issue 11)"
    )


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
        Delivery(
            f"k{i}", f"u{i}", "email", SENT_AT.date(), "pending", (), (), SENT_AT, message=message
        )
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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_delivery")
    parser.add_argument(
        "--sink-latency-ms",
        default="0,5",
        help="the SMTP sink's answer time per message, ms; a comma-separated list, one"
        " measurement each (default 0,5: a sink that answers at once, and one like a relay"
        " on the local network)",
    )
    parser.add_argument(
        "--sink-procs", type=int, default=2, help="aiosmtpd processes sharing the port (2)"
    )
    parser.add_argument("--messages", type=int, default=N, help=f"per SMTP measurement ({N})")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"({ROUNDS})")
    parser.add_argument(
        "--smtp-only", action="store_true", help="measure SMTP sending only (not HTTP, store, pass)"
    )
    args = parser.parse_args(argv)
    latencies = [float(x) for x in args.sink_latency_ms.split(",") if x.strip()]
    root = Path(tempfile.mkdtemp())
    messages = _messages(args.messages)
    print("--- bench_delivery ---")
    try:
        parts = bench_parts(messages, TinyDBStore(root / "s0"))
        print("client CPU per message by part, one thread:")
        for label, us in parts.items():
            print(f"  {label:<52} {us:6.0f} us")
        runs = smtp_runs(TinyDBStore(root / "s1"), POOL)
        for latency in latencies:
            pids: list[int] = []
            with relay(args.sink_procs, latency, pids) as port:
                figures = bench_smtp(runs, port, messages, args.rounds, latency, pids)
            print_smtp(runs, figures, args.sink_procs, len(messages))
        if args.smtp_only:
            return
        smtp, smtp_port = _server("smtp")
        http, http_port = _server("http")
        try:
            raw_http, our_http = bench_http(http_port, TinyDBStore(root / "s2"))
            raw_store, raw_small, our_store = bench_store(root)
            whole = bench_pass(smtp_port, root)
        finally:
            smtp.terminate()
            http.terminate()
    finally:
        shutil.rmtree(root, ignore_errors=True)
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
