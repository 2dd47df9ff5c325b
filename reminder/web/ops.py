"""``/healthz`` (the store answers; in ``run``, the scheduler ticks) and ``/metrics``
(Prometheus: messages by channel and status, pairs by state, overdue pairs, pairs the council
was told of and could not be told of), all as of the moment of the board's state: the pairs
from ``WebContext.snapshot``, the messages counted by the store (``Store.message_counts``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reminder.channels.zalo import templates
from reminder.store import tally
from reminder.web.context import WebContext, context
from reminder.web.security import same

#: The write probe's size: about a store file's, so "can write" means it for real.
WRITE_PROBE_BYTES = 64 * 1024


def write_probe(directory: Path) -> None:
    """Write, fsync and remove a scratch file in ``directory``; ``OSError`` when it cannot
    (disk full, read-only file system, quota, file size limit)."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=".healthz.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"\0" * WRITE_PROBE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        Path(name).unlink(missing_ok=True)


async def healthz(request: Request) -> Response:
    """200 when the store reads and can be written (and, in ``run``, the scheduler ticks);
    503 naming what is wrong otherwise."""
    ctx = context(request)
    checks: dict[str, Any] = {}
    health = await run_in_threadpool(ctx.store.health)
    ok = health.ok
    checks["store"] = "ok" if health.ok else "error: " + "; ".join(health.problems)
    if health.notes:
        checks["store_notes"] = list(health.notes)
    try:  # a write the size of a store file: a small probe passes where real writes fail
        await run_in_threadpool(write_probe, ctx.store.data_dir)
        checks["store_write"] = "ok"
    except OSError as exc:
        checks["store_write"] = (
            f"error: không ghi được vào {ctx.store.data_dir} ({exc.strerror or exc})"
            " — giải phóng dung lượng hoặc sửa quyền ghi; xác nhận mới chưa lưu được"
        )
        ok = False
    if ctx.health_extra is not None:
        extra = ctx.health_extra()
        checks.update(extra)
        ok = ok and all(v == "ok" for v in extra.values())
    return JSONResponse(
        {"status": "ok" if ok else "error", **checks}, status_code=200 if ok else 503
    )


async def metrics(request: Request) -> Response:
    """The Prometheus exposition, computed at most once per tick; behind
    ``Authorization: Bearer <web.metrics_token>`` when that is set."""
    ctx = context(request)
    token = ctx.config.settings.web.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "")
        if not same(given, f"Bearer {token.get_secret_value()}"):
            return Response(
                "cần Authorization: Bearer <web.metrics_token>\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )

    def collect() -> bytes:
        registry = CollectorRegistry()
        registry.register(_Metrics(ctx))
        return generate_latest(registry)

    body = await run_in_threadpool(ctx.memo, "metrics", collect)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


class _Metrics(Collector):
    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    def collect(self) -> Any:
        snapshot = self.ctx.snapshot()  # the board's state of this tick
        # The messages as of the same moment as the pairs, counted in the store.
        counted = self.ctx.store.message_counts(snapshot.as_of)
        messages = GaugeMetricFamily(
            "reminder_messages",
            "Delivery records by channel and status",
            labels=["channel", "status"],
        )
        for (channel, outcome), n in tally.by_channel_and_status(counted).items():
            messages.add_metric([channel, outcome], n)
        yield messages
        paid = GaugeMetricFamily(
            "reminder_zalo_template_messages",
            "Zalo template (ZNS/ZBS) messages sent, each one paid, by month of sending",
            labels=["month"],
        )
        for month, n in tally.sent_by_month(counted, templates.NAME).items():
            paid.add_metric([month], n)
        yield paid
        counts = snapshot.counts()
        pairs = GaugeMetricFamily(
            "reminder_pairs", "(plan, task, unit) pairs by state", labels=["state"]
        )
        for name, n in counts.items():
            pairs.add_metric([name], n)
        yield pairs
        yield GaugeMetricFamily(
            "reminder_overdue", "(task, unit) pairs past due and not done", value=counts["overdue"]
        )
        yield GaugeMetricFamily(
            "reminder_long_overdue",
            "overdue pairs past the escalation day",
            value=sum(1 for p in snapshot.pairs if p.long_overdue),
        )
        yield GaugeMetricFamily(
            "reminder_escalated",
            "pairs the council was told of (a message to it went out)",
            value=sum(1 for p in snapshot.pairs if p.council_told is not None),
        )
        yield GaugeMetricFamily(
            "reminder_council_not_told",
            "long-overdue pairs the council could not be told of, or not yet",
            value=sum(1 for p in snapshot.pairs if p.council_problem is not None),
        )


ROUTES = [Route("/healthz", healthz), Route("/metrics", metrics)]
