"""Command handlers that read or change the state of pairs: ``status``, ``digest``, ``ack``.

Each reads ``reminder.state`` as of ``--now`` (default: now), so what it prints agrees with
the board and the digest; unknown names exit 2 with the nearest matches (``lookup``).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import cast

import orjson

from reminder import acks, audit, lookup, state
from reminder.collector import collector_paused
from reminder.config import Config
from reminder.errors import ConfigError, UsageError
from reminder.keyed import Records
from reminder.labels import ACK_LABELS, LOCAL_TZ, STATE_LABELS, vn_datetime
from reminder.settings import Settings
from reminder.store import Pairs, Store, open_store

EXIT_OK, EXIT_INVALID = 0, 2


def _config(args: argparse.Namespace) -> Config:
    from reminder import config

    return config.load(config.config_dir_from(args.config_dir))


def _store(args: argparse.Namespace, settings: Settings) -> Store:
    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir
    store = open_store(settings, data_dir)
    args.resources.callback(store.close)  # closed when the command ends (cli.main)
    return store


def _config_and_reading(args: argparse.Namespace) -> tuple[Config, Store, state.StoreReading]:
    """The configuration, the store and what the state as of ``--now`` reads of it: read
    while the plans load (the database works meanwhile) when the settings alone are valid;
    else the configuration loads first and reports every problem."""
    from reminder import config

    config_dir = config.config_dir_from(args.config_dir)
    settings = None
    if config_dir.is_dir():  # else ``load`` says so, before any store is opened
        # A ConfigError here: ``load`` reports it below, with every other problem.
        with contextlib.suppress(ConfigError):
            settings = config.load_settings(config_dir)
    if settings is None:
        loaded = config.load(config_dir)
        store = _store(args, loaded.settings)
        return loaded, store, state.read_store(store, _now(args))
    store = _store(args, settings)
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(state.read_store, store, _now(args))
        loaded = config.load(config_dir)
        return loaded, store, reading.result()


def _now(args: argparse.Namespace) -> datetime:
    now: datetime | None = getattr(args, "now", None)
    return now if now is not None else datetime.now(LOCAL_TZ)


def cmd_status(args: argparse.Namespace) -> int:
    """Where each (plan, task, unit) stands as of ``--now``."""
    with collector_paused():
        loaded, _, reading = _config_and_reading(args)
        units = None
        if args.unit:
            units = loaded.directory.expand([lookup.unit_or_group(loaded, args.unit)])
        task = lookup.task(loaded, args.task) if args.task else None
        snapshot = state.from_reading(loaded, reading)
        rows = snapshot.select(units=units, task=task)
        if args.format == "json":
            print_json_rows(r.as_json() for r in rows)
        else:
            from reminder import views  # rich's tables: not for JSON

            views.print_status(rows, snapshot.as_of)
    return EXIT_OK


def cmd_digest(args: argparse.Namespace) -> int:
    """Print (or send) the weekly digest as of ``--now``."""
    from reminder import digest
    from reminder.render import Renderer

    if args.send:
        loaded = _config(args)
        outcome = digest.send(loaded, _store(args, loaded.settings), _now(args))
        print(outcome.message)
        return EXIT_OK if outcome.status != "failed" else 1
    with collector_paused():
        loaded, store, reading = _config_and_reading(args)
        built = digest.load(loaded, store, reading.as_of, reading)
        if args.format == "json":
            print_json_with_rows(built.json_head(), "pairs", built.json_pairs())
            return EXIT_OK
        subject, text, html = digest.render(built, Renderer(loaded.templates))
    print(html if args.format == "html" else f"{subject}\n\n{text}")
    return EXIT_OK


def cmd_ack(args: argparse.Namespace) -> int:
    """Record an acknowledgment (or its reopening) on a unit's behalf; say the result."""
    if args.done and args.reopen:
        raise UsageError("chọn một trong --done và --reopen")
    loaded = _config(args)
    unit = lookup.unit(loaded, args.unit)
    chosen = lookup.plans(loaded, args.plan)
    task = lookup.task(loaded, args.task, chosen)
    having = sorted({p.id for p in chosen if p.task(task) is not None})
    if len(having) > 1:
        raise UsageError(
            f"việc {task} có trong {len(having)} kế hoạch: {', '.join(having)}."
            f" Chọn một bằng --plan (mã hoặc năm), ví dụ --plan {having[-1]}"
        )
    plan_id = having[0]
    now = _now(args)
    store = _store(args, loaded.settings)
    pair = Pairs(plan=plan_id, task=task, units=frozenset([unit]))
    if not state.load(loaded, store, now, pair).pairs:
        raise UsageError(
            f"đơn vị {loaded.directory.name_of(unit)} ({unit}) không được giao việc {task}"
            f" trong {plan_id} — xem: reminder status --task {task}"
        )
    kind: acks.AckKind = "done" if args.done else "reopen" if args.reopen else "received"
    record = acks.ack_record(
        plan_id, task, unit, kind, now, "cli", by=os.environ.get("USER", ""), note=args.note
    )
    store.add_acks([record])
    summary = f"{ACK_LABELS[kind]} thay {loaded.directory.name_of(unit)} (qua điện thoại)"
    if args.note:
        summary += f": {args.note}"
    audit.record(
        Records(store),
        audit.AuditEntry(
            now,
            audit.cli_actor(),
            "reopen" if kind == "reopen" else "ack",
            summary,
            plan_id,
            task,
            unit,
        ),
    )
    after = state.load(loaded, store, now, pair).pairs
    result = after[0].state if after else "pending"
    print(
        f"Đã ghi ({vn_datetime(now)}): {loaded.directory.name_of(unit)} — {task} ({plan_id}):"
        f" {ACK_LABELS[kind]}. Tình trạng bây giờ: {STATE_LABELS[result]}."
    )
    if kind == "reopen":
        print("Hệ thống nhắc lại việc này cho đơn vị theo lịch như chưa xác nhận.")
    return EXIT_OK


def print_json(value: object) -> None:
    """JSON on stdout, Vietnamese kept readable, indented; encoded by orjson (C), since a
    province's ``status`` is 120,000 rows and ``json``'s indenting encoder is pure Python."""
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def print_json_rows(rows: Iterable[object], chunk: int = 2000) -> None:
    """``print_json(list(rows))``, the same text, written ``chunk`` rows at a time: the rows
    (made as they are written, when ``rows`` is a generator) and their text are never all
    in memory at once. orjson's UTF-8 goes to stdout's byte stream as it is when stdout
    writes UTF-8 (a province's 86 MB otherwise decoded and encoded again)."""
    write = _bytes_writer()
    _write_list(write, rows, chunk, b"")
    write(b"\n")
    sys.stdout.flush()


def print_json_with_rows(
    head: dict[str, object], name: str, rows: Iterable[object], chunk: int = 2000
) -> None:
    """``print_json(head | {name: list(rows)})``, the same text, the rows written ``chunk``
    at a time as ``print_json_rows`` does (a province's digest in JSON is 120,000 pairs)."""
    write = _bytes_writer()
    text = orjson.dumps(head, option=orjson.OPT_INDENT_2)
    write(text[:-2] + b"," if head else b"{")  # without its closing "\n}"
    write(b"\n  " + orjson.dumps(name) + b": ")
    _write_list(write, rows, chunk, b"  ")
    write(b"\n}\n")
    sys.stdout.flush()


def _write_list(
    write: Callable[[bytes], object], rows: Iterable[object], chunk: int, margin: bytes
) -> None:
    """The indented JSON list of ``rows`` as orjson writes it at the depth whose lines start
    with ``margin``, through ``write``, ``chunk`` rows at a time. Each chunk is one indented
    list, encoded in one call, whose brackets are dropped: its rows are then indented as the
    whole list's would be (shifted by ``margin``: strings hold no raw newline in JSON)."""
    batch: list[object] = []
    wrote = False

    def flush() -> None:
        nonlocal wrote
        if batch:
            text = orjson.dumps(batch, option=orjson.OPT_INDENT_2)[1:-2]
            write(b"," if wrote else b"[")
            write(text.replace(b"\n", b"\n" + margin) if margin else text)
            wrote = True
            batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            flush()
    flush()
    write(b"\n" + margin + b"]" if wrote else b"[]")


def _bytes_writer() -> Callable[[bytes], object]:
    """Writes UTF-8 bytes to stdout: to its byte stream when it has one and writes UTF-8
    (after what its text layer holds), else decoded."""
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is not None and codecs.lookup(out.encoding or "ascii").name == "utf-8":
        out.flush()
        return cast("Callable[[bytes], object]", buffer.write)
    return lambda data: out.write(data.decode())
