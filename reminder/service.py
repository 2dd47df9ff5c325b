"""``reminder run``: the web app and one APScheduler 3 ``AsyncIOScheduler`` in one process.

Jobs (no job per reminder — the schedule is computed, not stored):

- **tick**, every ``service.tick_seconds`` (60): one dispatch pass for "now"; it runs once at
  start-up to catch up after downtime; ``coalesce=True``, ``max_instances=1`` and a generous
  ``misfire_grace_time`` (an hour), because the store's ledger, not the scheduler's memory,
  says what was sent;
- **digest**, on ``[digest] day_of_week`` at ``time`` (Monday 07:30), and once at start-up:
  sends the week's digest if it is due and was not sent (the store remembers weeks sent).

Live reload: a change in the config directory or the template override directory (watchfiles)
or SIGHUP validates the configuration; a valid one takes effect at the next tick, an invalid one
is refused with the same findings as ``reminder check`` and the running one stays.

One instance per data directory (``service.lock``) with the TinyDB store; with PostgreSQL
(``store_url``) several workers share the database. SIGTERM/SIGINT stop the web server and the
scheduler, let an in-flight pass finish for up to ``service.stop_timeout_s`` (its unsent
messages stay pending and are sent at the next start), and exit 0.

Time is a parameter: ``--now`` starts the service's clock at a given moment and ``--speed``
runs it faster than the wall clock (tests and demos); the digest then follows that clock too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from filelock import FileLock, Timeout

from reminder import acks, checks, config, digest, templating
from reminder.channels.zalo import inbox as zalo_inbox
from reminder.channels.zalo.tokens import ZaloTokens
from reminder.config import Config
from reminder.dispatch import Dispatcher, PassReport, link_expiry
from reminder.errors import Problem, ReminderError
from reminder.labels import vn_date, vn_datetime
from reminder.schedule import LOCAL_TZ
from reminder.store import open_store
from reminder.web import create_app
from reminder.web.server import server_config

log = logging.getLogger("reminder")


@dataclass
class Clock:
    """The service's "now": the wall clock, or a simulated one started at ``start``."""

    start: datetime | None = None
    speed: float = 1.0

    def __post_init__(self) -> None:
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        if self.start is None:
            return datetime.now(LOCAL_TZ)
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)


class AlreadyRunning(ReminderError):
    """Another ``reminder run`` holds the data directory."""


@contextlib.contextmanager
def single_instance(data_dir: Path) -> Iterator[None]:
    """Hold ``data_dir/service.lock`` for the life of the service, or raise AlreadyRunning."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / "service.lock"), timeout=0)
    pid_file = data_dir / "service.pid"
    try:
        lock.acquire()
    except Timeout:
        running = pid_file.read_text(encoding="utf-8").strip() if pid_file.exists() else "?"
        raise AlreadyRunning(
            f"reminder run đang chạy trên thư mục dữ liệu {data_dir} ({running})"
            " — dừng tiến trình đó trước, hoặc dùng thư mục dữ liệu khác"
        ) from None
    try:
        pid_file.write_text(
            f"pid {os.getpid()}, từ {vn_datetime(datetime.now(LOCAL_TZ))}", encoding="utf-8"
        )
        yield
    finally:
        pid_file.unlink(missing_ok=True)
        lock.release()


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the service stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Service:
    """The running service."""

    def __init__(
        self, config_dir: Path, data_dir: Path | None, clock: Clock, loaded: Config
    ) -> None:
        self.config_dir = config_dir
        self.clock = clock
        self.config = loaded
        self.data_dir = data_dir or loaded.settings.data_dir
        self.store = open_store(loaded.settings, self.data_dir)
        configured = loaded.settings.secret_key
        self.secret, generated = acks.load_secret(
            configured.get_secret_value() if configured else None, self.data_dir
        )
        if generated:
            log.warning("đã tạo khóa ký liên kết tại %s", self.data_dir / "secret_key")
        self.dispatcher = self._dispatcher(loaded)
        self.pending: Config | None = None
        self.last_tick: float | None = None
        self.digest_failed_at: float | None = None
        self.said: set[tuple[str, str]] = set()  # things logged once (days off, expired plans)
        self.tick_task: asyncio.Task[Any] | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.stopping = asyncio.Event()
        self.app = create_app(
            loaded,
            self.store,
            self.secret,
            clock=clock.now,
            health=self.health,
            zalo_tokens=ZaloTokens(loaded.settings.zalo, self.store),
        )

    def _dispatcher(self, loaded: Config) -> Dispatcher:
        return Dispatcher(loaded, self.store, secret=self.secret)

    # -- jobs ---------------------------------------------------------------------------------

    async def tick(self) -> None:
        """One dispatch pass at the service's now (the scheduler runs at most one at once)."""
        if self.pending is not None:
            self.config, self.pending = self.pending, None
            self.dispatcher = self._dispatcher(self.config)
            self.app.state.web.reload(self.config)
            log.info("đã áp dụng cấu hình mới")
        now = self.clock.now()
        self.tick_task = asyncio.current_task()
        try:
            await zalo_inbox.drain(self.config, self.store, self.clock.now)
        except ReminderError as exc:
            log.error("tin Zalo Bot còn chờ chưa xử lý được: %s", exc)
        try:
            report = await self.dispatcher.run_async(now)
        except ReminderError as exc:
            log.error("lượt gửi lúc %s lỗi: %s", vn_datetime(now), exc)
            return
        finally:
            self.tick_task = None
        self.last_tick = time.monotonic()
        _log_pass(report)
        self._log_quiet_reasons(report)
        await self.digest_job()

    def _log_quiet_reasons(self, report: PassReport) -> None:
        """Say once why nothing goes out: a day off (once a day), a plan whose acknowledgment
        links have expired (once per plan and process)."""
        today = report.now.astimezone(LOCAL_TZ).date()
        if report.day_off and ("off", str(today)) not in self.said:
            self.said.add(("off", str(today)))
            log.info(
                "%s là ngày nghỉ (nghỉ: %s): không gửi nhắc việc", vn_date(today), report.day_off
            )
        for plan, count in sorted(report.expired.items()):
            if ("expired", plan) not in self.said:
                self.said.add(("expired", plan))
                log.warning(
                    "kế hoạch %s: liên kết xác nhận đã hết hạn sau %s, không gửi %d nhắc việc"
                    " còn lại; nhập kế hoạch mới bằng reminder import-plan",
                    plan,
                    vn_date(link_expiry(self.config_year(plan))),
                    count,
                )

    def config_year(self, plan_id: str) -> int:
        return next((p.year for p in self.config.plans if p.id == plan_id), 0)

    async def digest_job(self) -> None:
        """Send the week's digest when its time has come this week and it was not sent."""
        settings = self.config.settings.digest
        now = self.clock.now().astimezone(LOCAL_TZ)
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(settings.day_of_week)
        moment = datetime.combine(
            now.date() - timedelta(days=(now.weekday() - weekday) % 7),
            settings.time,
            tzinfo=LOCAL_TZ,
        )
        if now < moment or not settings.to:
            return
        if self.digest_failed_at is not None and time.monotonic() - self.digest_failed_at < 1800:
            return  # a failed digest is retried every half hour, not every tick
        outcome = await asyncio.to_thread(digest.send, self.config, self.store, now)
        if outcome.status == "failed":
            self.digest_failed_at = time.monotonic()
            log.error("%s", outcome.message)
        elif outcome.status == "sent":
            self.digest_failed_at = None
            log.info("%s", outcome.message)

    def health(self) -> dict[str, Any]:
        running = self.scheduler is not None and self.scheduler.running
        limit = max(180.0, 3 * self.config.settings.service.tick_seconds)
        fresh = self.last_tick is not None and time.monotonic() - self.last_tick < limit
        return {"scheduler": "ok" if running and fresh else "stalled"}

    # -- reload ---------------------------------------------------------------------------------

    def reload(self, reason: str) -> bool:
        """Validate the config directory; stage it for the next tick when valid."""
        loaded, problems = config.validate(self.config_dir)
        if loaded is None:
            log.error("cấu hình mới bị từ chối (%s), vẫn dùng cấu hình đang chạy:", reason)
            for problem in problems:
                if problem.severity == "error":
                    log.error("  %s", problem.format())
            return False
        self.pending = loaded
        log.info("cấu hình mới hợp lệ (%s): áp dụng ở lượt kế tiếp", reason)
        return True

    async def watch(self) -> None:
        from watchfiles import awatch

        # The template override directory too: an edited template is validated like a config
        # file, and only a valid one replaces the templates in use.
        overrides = templating.override_dir(self.config.settings)
        paths = [self.config_dir, *([overrides] if overrides and overrides.is_dir() else [])]
        async for _ in awatch(
            *paths, stop_event=self.stopping, debounce=300, step=100, rust_timeout=500
        ):
            self.reload("thư mục cấu hình thay đổi")

    # -- running --------------------------------------------------------------------------------

    async def serve(self) -> int:
        settings = self.config.settings
        loop = asyncio.get_running_loop()
        scheduler = AsyncIOScheduler(timezone=LOCAL_TZ, event_loop=loop)
        self.scheduler = scheduler
        scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=settings.service.tick_seconds),
            id="tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
            next_run_time=datetime.now(LOCAL_TZ),  # catch up at start-up
        )
        if self.clock.start is None:
            d = settings.digest
            scheduler.add_job(
                self.digest_job,
                CronTrigger(
                    day_of_week=d.day_of_week,
                    hour=d.time.hour,
                    minute=d.time.minute,
                    timezone=LOCAL_TZ,
                ),
                id="digest",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=86400,
            )
        scheduler.start()
        self.app.state.web.warm()  # the first page after start-up finds the state computed
        web = settings.web
        server = _QuietServer(
            server_config(self.app, web, lifespan="off", log_config=None, access_log=False)
        )

        def stop() -> None:
            if not self.stopping.is_set():
                log.info("đang dừng dịch vụ...")
            self.stopping.set()
            server.should_exit = True

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop)
        loop.add_signal_handler(signal.SIGHUP, lambda: self.reload("SIGHUP"))
        watcher = asyncio.create_task(self.watch())
        bot = settings.zalo_bot
        poller = (
            asyncio.create_task(
                zalo_inbox.poll(lambda: self.config, self.store, self.clock.now, self.stopping)
            )
            if bot.token is not None and bot.mode == "poll"
            else None
        )
        log.info(
            "dịch vụ chạy: %s, dữ liệu %s, cấu hình %s",
            web.base_url,
            self.data_dir,
            self.config_dir,
        )
        try:
            await server.serve()
        finally:
            stop()
            scheduler.shutdown(wait=False)
            task = self.tick_task
            if task is not None and not task.done():
                try:
                    await asyncio.wait_for(
                        asyncio.shield(task), timeout=settings.service.stop_timeout_s
                    )
                except (TimeoutError, asyncio.CancelledError):
                    task.cancel()
                    log.warning("lượt gửi dở dang: các thư chưa gửi sẽ được gửi khi chạy lại")
            for background in (watcher, poller):
                if background is not None:
                    background.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await background
        log.info("đã dừng")
        return 0 if not server.started or self.stopping.is_set() else 1


def _log_pass(report: PassReport) -> None:
    if not (report.planned or report.sent or report.retry or report.failed or report.dead):
        return
    log.info(
        "lượt gửi %s: %d thư mới, %d đã gửi, %d gửi lại sau, %d lỗi, %d bỏ",
        vn_datetime(report.now),
        len(report.planned),
        len(report.sent),
        len(report.retry),
        len(report.failed),
        len(report.dead),
    )
    for key, error in report.failed:
        log.warning("gửi lỗi %s: %s", key, error)


def _vietnam_time(seconds: float | None) -> time.struct_time:
    return datetime.fromtimestamp(time.time() if seconds is None else seconds, LOCAL_TZ).timetuple()


def configure_logging(fmt: str) -> None:
    """One line per event: readable by default, JSON with ``--log-format json``."""
    handler = logging.StreamHandler(sys.stderr)
    formatter: logging.Formatter
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        formatter = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s", json_ensure_ascii=False
        )
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
    # Log times are Vietnam time whatever the machine's zone (containers run in UTC).
    formatter.converter = _vietnam_time
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for noisy in ("apscheduler", "uvicorn.error", "httpx", "watchfiles"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run(config_dir: Path, data_dir: Path | None, clock: Clock, log_format: str) -> int:
    """Run the service until stopped; the exit code."""
    configure_logging(log_format)
    loaded, problems = config.validate(config_dir)
    if loaded is None:
        for problem in problems:
            log.error("%s", problem.format())
        return 2
    for problem in [*problems, *checks.timely(loaded, clock.now())]:
        log.warning("%s", Problem.format(problem))
    target = data_dir or loaded.settings.data_dir
    # TinyDB files are one process's at a time; workers sharing a PostgreSQL database may be
    # many (the database hands each message to one of them).
    shared = bool(loaded.settings.store_url)
    with contextlib.nullcontext() if shared else single_instance(target):
        service = Service(config_dir, data_dir, clock, loaded)
        try:
            return asyncio.run(service.serve())
        finally:
            service.store.close()
