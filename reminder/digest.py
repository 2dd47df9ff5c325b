"""The weekly digest to the council chair: what is due, what is late, who has not answered,
what failed to deliver — as an email (HTML and text) in Vietnamese.

``build`` lays out a ``state.Snapshot`` (every pair as of a moment, the one computation the
board and ``status`` also read), so each count it shows is the length of the list beside it;
``render`` turns it into a message; ``send`` delivers it once per week (the store remembers the
weeks sent, so a restart or a catch-up does not send it twice) and returns a typed outcome.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from reminder import state
from reminder.calendar import weekday_vi
from reminder.channels import registry
from reminder.channels.base import Message
from reminder.channels.email import EmailChannel
from reminder.channels.file import FileChannel
from reminder.channels.zalo import templates
from reminder.config import Config
from reminder.errors import ChannelError
from reminder.labels import LOCAL_TZ, STATE_LABELS
from reminder.render import Renderer
from reminder.state import PairState, Snapshot
from reminder.store import Delivery, DeliveryHead, DigestRun, RecordKind, Store


@dataclass
class UnitProgress:
    """One unit's share of the plan so far."""

    unit: str
    name: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class UnitPairs:
    """Pairs of one unit in one list of the digest."""

    unit: str
    pairs: list[PairState]

    @property
    def count(self) -> int:
        return len(self.pairs)

    @property
    def tasks(self) -> list[str]:
        return [p.task for p in self.pairs]

    @property
    def worst(self) -> int:
        return max((p.days_late for p in self.pairs), default=0)


@dataclass
class Digest:
    """Everything the chair reads on one day; every count is the length of a list here."""

    snapshot: Snapshot
    week_start: date
    horizon: date
    due_soon: list[dict[str, Any]] = field(default_factory=list)
    overdue_by_unit: list[UnitPairs] = field(default_factory=list)
    not_acknowledged: list[UnitPairs] = field(default_factory=list)
    unassigned: list[PairState] = field(default_factory=list)
    long_overdue: list[PairState] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    progress: list[UnitProgress] = field(default_factory=list)
    board_url: str = ""
    template_messages: dict[str, int] = field(default_factory=dict)  # paid, per month
    extension_requests: list[PairState] = field(default_factory=list)  # waiting for a decision
    extended: list[PairState] = field(default_factory=list)  # open pairs with a moved due date
    paused: list[tuple[str, date]] = field(default_factory=list)  # (unit name, until)

    @property
    def today(self) -> date:
        return self.snapshot.today

    @functools.cached_property
    def counts(self) -> dict[state.StateName, int]:
        """The tally of the snapshot's pairs, counted once (the templates read it often)."""
        return self.snapshot.counts()

    @property
    def total(self) -> int:
        return len(self.snapshot.pairs)

    @property
    def council_told(self) -> list[PairState]:
        return [p for p in self.long_overdue if p.council_told is not None]

    @property
    def council_not_told(self) -> list[PairState]:
        return [p for p in self.long_overdue if p.council_told is None]

    def as_json(self) -> dict[str, Any]:
        """``reminder digest --format json``: ``counts`` is the tally of ``pairs``."""
        return {**self.json_head(), "pairs": list(self.json_pairs())}

    def json_head(self) -> dict[str, Any]:
        """``as_json`` but its pairs (written apart, streamed)."""
        return {"as_of": self.snapshot.as_of.isoformat(), "counts": dict(self.counts)}

    def json_pairs(self) -> Iterator[dict[str, Any]]:
        """The ``pairs`` of ``as_json``, one by one."""
        return (p.as_json() for p in self.snapshot.pairs)


def _by_unit(pairs: list[PairState]) -> list[UnitPairs]:
    grouped: dict[str, list[PairState]] = defaultdict(list)
    for p in pairs:
        grouped[p.unit_name].append(p)
    return [
        UnitPairs(name, sorted(items, key=lambda p: (-p.days_late, p.task)))
        for name, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


#: Rows a list of the message shows (units, tasks, failures …), and tasks per unit; the rest
#: is one line "… và N khác" with the board's address. Counts are always whole: a province's
#: digest would otherwise be tens of megabytes, past what mail servers accept.
SHOWN = 50
SHOWN_TASKS = 30

#: How far back the digest lists failed messages.
FAILED_WINDOW = timedelta(days=14)


def build(
    config: Config,
    snapshot: Snapshot,
    deliveries: Sequence[Delivery | DeliveryHead] | None = None,
) -> Digest:
    """The digest of ``snapshot``: due this week and next, overdue, silent units, failures."""
    today = snapshot.today
    week_start = today - timedelta(days=today.weekday())
    horizon = week_start + timedelta(days=13)
    digest = Digest(
        snapshot=snapshot,
        week_start=week_start,
        horizon=horizon,
        board_url=config.settings.web.base_url.rstrip("/") + "/",
    )
    for rows in state.group_rows(snapshot.pairs).values():
        first = rows[0]
        open_rows = [r for r in rows if r.state != "done"]
        if open_rows and today <= first.due <= horizon:
            digest.due_soon.append(
                {
                    "task": first.task,
                    "title": first.title,
                    "due": first.due,
                    "due_weekday": weekday_vi(first.due),
                    "units": [
                        {"name": r.unit_name, "state": r.label, "role": r.role} for r in rows
                    ],
                    "done": len(rows) - len(open_rows),
                    "total": len(rows),
                }
            )
    digest.due_soon.sort(key=lambda d: (d["due"], d["task"]))
    pairs = snapshot.pairs
    digest.overdue_by_unit = _by_unit([p for p in pairs if p.state == "overdue"])
    digest.overdue_by_unit.sort(key=lambda u: (-u.worst, u.unit))
    digest.not_acknowledged = _by_unit([p for p in pairs if p.state == "pending"])
    digest.unassigned = [p for p in pairs if p.state == "unassigned"]
    digest.extension_requests = [p for p in pairs if p.requested_to is not None]
    digest.extended = [p for p in pairs if p.extended_from is not None and p.state != "done"]
    digest.paused = sorted({(p.unit_name, p.paused_until) for p in pairs if p.paused_until})
    digest.long_overdue = sorted(
        (p for p in pairs if p.long_overdue), key=lambda p: (-p.days_late, p.task, p.unit_name)
    )
    since = today - FAILED_WINDOW
    moment = state.Moment(snapshot.as_of)
    for record in deliveries or []:
        status = state.delivery_status_as_of(record, moment)
        if status in ("failed", "dead") and since <= record.day <= today:
            error = record.last_error
            digest.failed.append(
                {
                    "day": record.day,
                    "unit": config.directory.name_of(record.recipient),
                    "channel": record.channel,
                    "error": f"{error.message} {error.detail or ''}".strip() if error else "",
                }
            )
    digest.failed.sort(key=lambda f: (f["day"], f["unit"]), reverse=True)
    digest.template_messages = templates.sent_by_month(deliveries or [], until=snapshot.as_of)

    progress: dict[str, UnitProgress] = {}
    for p in pairs:
        if p.state in ("not_open", "unassigned") or p.start > today:
            continue  # not started yet: neither done nor owed
        u = progress.setdefault(p.unit, UnitProgress(p.unit, p.unit_name, 0, 0))
        u.total += 1
        u.done += p.state == "done"
    digest.progress = sorted(progress.values(), key=lambda p: (p.percent, p.name))
    return digest


def render(digest: Digest, renderer: Renderer) -> tuple[str, str, str]:
    """(subject, text, html)."""
    context = {
        "d": digest,
        "labels": STATE_LABELS,
        "weekday": weekday_vi(digest.today),
        "shown": SHOWN,
        "shown_tasks": SHOWN_TASKS,
    }
    subject = " ".join(renderer.render("email/digest.subject.txt", context).split())
    context["subject"] = subject
    text = renderer.render("email/digest.txt", context).strip() + "\n"
    html = renderer.render("email/digest.html", context)
    return subject, text, html


def load(
    config: Config, store: Store, as_of: datetime, reading: state.StoreReading | None = None
) -> Digest:
    """The digest as of ``as_of`` from the store (events after it are ignored), reading of
    the deliveries only what it shows besides the state: those of the failure window and the
    Zalo template messages (``build`` over them equals ``build`` over every delivery).
    ``reading``: what the state reads of ``store`` as of ``as_of``, when already read."""
    today = as_of.astimezone(LOCAL_TZ).date()  # ``Snapshot.today`` of the state below
    # The deliveries shown are read while the state is worked out (the server works then).
    with ThreadPoolExecutor(max_workers=1) as pool:
        shown = pool.submit(_shown_deliveries, store, today)
        if reading is None:
            reading = state.read_store(store, as_of)
        snapshot = state.from_reading(config, reading)
        return build(config, snapshot, shown.result())


def _shown_deliveries(store: Store, today: date) -> list[DeliveryHead]:
    """What the digest of ``today`` shows of the deliveries besides the state: those of the
    failure window and the Zalo template messages, each once."""
    recent = store.delivery_heads(since=today - FAILED_WINDOW)
    paid = store.delivery_heads(channel=templates.NAME)
    seen = {d.key for d in recent}
    return [*recent, *(d for d in paid if d.key not in seen)]


@dataclass(frozen=True)
class DigestClaim:
    """A worker is sending a week's digest, until ``until`` (its clock) at the latest: workers
    sharing a store never both send it, and a claim whose worker died runs out."""

    owner: str
    until: datetime


DIGEST_CLAIMS = RecordKind("digest_claim", DigestClaim)
CLAIM_FOR = timedelta(minutes=15)


def _claim_week(store: Store, week: str, now: datetime) -> DigestClaim | None:
    """This worker's claim on ``week``'s digest, or None while another worker holds one."""
    mine = DigestClaim(owner=secrets.token_hex(8), until=now + CLAIM_FOR)
    if store.add_record(DIGEST_CLAIMS, week, mine):
        return mine
    held = store.get_record(DIGEST_CLAIMS, week)
    if held is None:  # released meanwhile
        return mine if store.add_record(DIGEST_CLAIMS, week, mine) else None
    if held.until > now:
        return None
    return mine if store.replace_record(DIGEST_CLAIMS, week, held, mine) else None


@dataclass(frozen=True)
class DigestOutcome:
    """What ``send`` did; ``message`` says it in Vietnamese for logs and the CLI."""

    status: Literal["sent", "already_sent", "in_progress", "no_recipient", "failed"]
    week: str
    channel: str = ""
    error: str = ""

    @property
    def message(self) -> str:
        if self.status == "sent":
            return f"đã gửi báo cáo tuần {self.week} qua {self.channel}"
        if self.status == "already_sent":
            return f"báo cáo tuần {self.week} đã gửi trước đó"
        if self.status == "in_progress":
            return f"báo cáo tuần {self.week} đang được một tiến trình khác gửi"
        if self.status == "no_recipient":
            return "chưa có người nhận báo cáo tuần ([digest] to)"
        return f"gửi báo cáo tuần {self.week} thất bại: {self.error}"

    def __str__(self) -> str:
        return self.message


def send(config: Config, store: Store, now: datetime, *, force: bool = False) -> DigestOutcome:
    """Send this week's digest to ``[digest] to`` (once per ISO week unless ``force``).

    Goes by email when SMTP is configured, else to the file outbox. Returns what happened
    (a typed outcome: callers branch on ``status``, never on the words).
    """
    settings = config.settings
    today = now.astimezone(LOCAL_TZ).date()
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    sent_weeks = {run.week for run in store.digest_runs()}
    if week in sent_weeks and not force:
        return DigestOutcome("already_sent", week)
    if not settings.digest.to:
        return DigestOutcome("no_recipient", week)
    claim = _claim_week(store, week, now)
    if claim is None:
        return DigestOutcome("in_progress", week)
    try:
        if not force and week in {run.week for run in store.digest_runs()}:
            return DigestOutcome("already_sent", week)  # sent while this worker was claiming
        return _send(config, store, now, week)
    finally:
        if store.get_record(DIGEST_CLAIMS, week) == claim:
            store.delete_record(DIGEST_CLAIMS, week)


def _send(config: Config, store: Store, now: datetime, week: str) -> DigestOutcome:
    settings = config.settings
    digest = load(config, store, now)
    subject, text, html = render(digest, Renderer(config.templates))
    message = Message(
        key=f"digest/{week}",
        channel="email",
        recipient="chair",
        recipient_name="Chủ tịch Hội đồng",
        subject=subject,
        text=text,
        html=html,
        short_text=text[:2000],
        created_at=now.isoformat(),
        emails=settings.digest.to,
        cc=settings.digest.cc,
    )
    channel = (
        EmailChannel(settings.smtp)
        if "email" in registry.enabled(settings)
        else FileChannel(store.data_dir / "outbox", settings.smtp)
    )

    async def deliver() -> None:
        await channel.open()
        try:
            await channel.send(message)
        finally:
            await channel.close()

    try:
        asyncio.run(deliver())
    except ChannelError as exc:
        return DigestOutcome("failed", week, channel.name, f"{exc} {exc.detail or ''}".strip())
    run = DigestRun(week, sent_at=now, channel=channel.name, recipients=settings.digest.to)
    store.add_digest_run(run)
    return DigestOutcome("sent", week, channel.name)
