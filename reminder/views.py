"""What the CLI shows a person: plans, import summaries (rich tables) and JSON shapes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from reminder.labels import DELIVERY_LABELS
from reminder.plan import Directory, Plan

if TYPE_CHECKING:
    from reminder.config import Config
    from reminder.dispatch import PassReport
    from reminder.state import PairState
    from reminder.store import Delivery, DeliveryHead


def console(stderr: bool = False) -> Console:
    """A console that keeps tables whole when output goes to a file or a pipe."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "160"))
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def plan_json(plan: Plan, directory: Directory) -> dict[str, Any]:
    """The documented JSON shape of a plan (dates as YYYY-MM-DD, windows filled in)."""
    tasks = []
    for task in plan.tasks:
        start, due = plan.window(task)
        tasks.append(
            {
                "id": task.id,
                "quarter": task.quarter,
                "title": task.title,
                "lead": [{"id": u, "name": directory.name_of(u)} for u in task.lead],
                "support": [{"id": u, "name": directory.name_of(u)} for u in task.support],
                "start": start.isoformat(),
                "due": due.isoformat(),
                "time": task.time,
            }
        )
    return {"plan": {"title": plan.title, "year": plan.year}, "tasks": tasks}


def print_plan_tables(config: Config) -> None:
    """Each plan as a table: id, task, lead, support, window."""
    out = console()
    for plan in config.plans:
        table = Table(title=f"{plan.title} ({plan.id}, {len(plan.tasks)} việc)", show_lines=True)
        table.add_column("Mã", no_wrap=True)
        table.add_column("Nội dung", ratio=3)
        table.add_column("Chủ trì", ratio=2)
        table.add_column("Phối hợp", ratio=2)
        table.add_column("Thời hạn", no_wrap=True)
        for task in plan.tasks:
            start, due = plan.window(task)
            lead = ", ".join(config.directory.name_of(u) for u in task.lead)
            if task.unassigned:
                lead = (
                    (lead + "; " if lead else "") + "CẦN PHÂN CÔNG: " + "; ".join(task.unassigned)
                )
            table.add_row(
                task.id,
                task.title,
                lead or "—",
                ", ".join(config.directory.name_of(u) for u in task.support) or "—",
                f"{start:%d/%m}–{due:%d/%m/%Y}",
            )
        out.print(table)


STATUS_LABELS = DELIVERY_LABELS  # the name web.py imports


def print_pass(report: PassReport, *, dry_run: bool) -> None:
    """What a dispatch pass did (or, dry, would do)."""
    out = console()
    when = f"{report.now:%d/%m/%Y %H:%M}"
    if report.day_off:
        out.print(
            f"Hôm nay {report.now:%d/%m/%Y} là ngày nghỉ (nghỉ: {report.day_off}): không gửi"
            " nhắc việc; nhắc việc đến hạn đi vào thư ngày làm việc kế tiếp.",
            markup=False,
        )
    for plan, count in sorted(report.expired.items()):
        out.print(
            f"Kế hoạch {plan} đã hết hạn liên kết xác nhận: không gửi {count} nhắc việc của"
            " kế hoạch này (liên kết trong thư sẽ không mở được). Nhập kế hoạch mới bằng"
            " reminder import-plan.",
            markup=False,
        )
    if dry_run:
        out.print(f"[bold]Chạy thử lúc {when}[/bold]: {len(report.planned)} thư sẽ được gửi.")
        for message in report.planned:
            out.print(f"— {message.key}: {message.subject}", markup=False)
            for line in message.text.splitlines():
                out.print("    " + line, markup=False)
        return
    out.print(
        f"Lượt gửi lúc {when}: {len(report.planned)} thư mới, {len(report.sent)} đã gửi,"
        f" {len(report.retry)} sẽ gửi lại, {len(report.failed)} lỗi, {len(report.dead)} bỏ.",
        markup=False,
    )
    for key, error in report.failed:
        out.print(f"  LỖI {key}: {error}", markup=False)
    for key, error in report.retry:
        out.print(f"  gửi lại sau {key}: {error}", markup=False)
    for key, error in report.dead:
        out.print(f"  BỎ {key}: {error}", markup=False)
    if report.unreachable:
        out.print(
            "  Không có kênh nào tới: " + ", ".join(sorted(set(report.unreachable))),
            markup=False,
        )
    if report.waiting:
        out.print(f"  {report.waiting} nhắc việc chờ thư ngày làm việc kế tiếp.", markup=False)


def print_deliveries(records: Sequence[Delivery | DeliveryHead]) -> None:
    """Delivery records as a table, newest first."""
    out = console()
    table = Table(title=f"Nhật ký gửi ({len(records)} thư)")
    for column in ("Ngày", "Đơn vị", "Kênh", "Trạng thái", "Lần", "Lỗi gần nhất / nơi nhận"):
        table.add_column(column)
    for r in sorted(records, key=lambda r: (r.day, r.recipient), reverse=True):
        words = ""
        if r.last_error is not None:
            words = f"{r.last_error.message} {r.last_error.detail or ''}".strip()
        elif r.channel == "zalo_bot" and r.receipt is not None:
            words = r.receipt.detail  # which chats got it, which failed for good
        table.add_row(
            f"{r.day:%d/%m/%Y}",
            r.recipient,
            r.channel,
            STATUS_LABELS.get(r.status, r.status),
            str(r.attempts),
            words,
        )
    out.print(table)


#: Above this many rows ``status`` prints tab-separated lines instead of a drawn table:
#: drawing measures every cell of every row, minutes for a province's 120,000 pairs.
TABLE_ROWS = 2000

STATUS_COLUMNS = ("Việc", "Đơn vị", "Vai trò", "Hạn", "Tình trạng", "Xác nhận lúc", "Thư gần nhất")


def print_status(rows: list[PairState], as_of: datetime) -> None:
    """Pair states as a table, as of ``as_of`` (tab-separated lines beyond ``TABLE_ROWS``)."""
    from reminder.labels import vn_datetime

    title = f"Tình trạng lúc {vn_datetime(as_of)} ({len(rows)} cặp việc – đơn vị)"
    cells = _status_cells(rows)
    if len(rows) > TABLE_ROWS:
        out = sys.stdout
        out.write(f"{title}; mỗi dòng một cặp, các cột cách nhau bằng dấu tab\n")
        out.write("\t".join(STATUS_COLUMNS) + "\n")
        batch: list[str] = []
        for row in cells:
            batch.append("\t".join(c.replace("\t", " ") for c in row))
            if len(batch) >= 2000:
                out.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            out.write("\n".join(batch) + "\n")
        return
    table = Table(title=title)
    for column in STATUS_COLUMNS:
        table.add_column(column)
    for row in cells:
        table.add_row(*row)
    console().print(table)


def _status_cells(rows: list[PairState]) -> Iterator[tuple[str, ...]]:
    """The cells of each row of ``status``'s table, in ``STATUS_COLUMNS`` order."""
    from reminder.labels import ROLE_LABELS, vn_date, vn_datetime

    several_plans = len({x.plan for x in rows}) > 1
    for r in rows:
        last = r.last_delivery
        label = r.label
        if r.state == "overdue":
            label += f" ({r.days_late} ngày làm việc)"
            if r.council_told:
                label += f", đã báo Hội đồng {vn_date(r.council_told)}"
            elif r.council_problem:
                label += f", {r.council_problem}"
        yield (
            f"{r.task} ({r.plan})" if several_plans else r.task,
            r.unit_name,
            ROLE_LABELS[r.role],
            vn_date(r.due),
            label,
            vn_datetime(r.acked_at) if r.ack and r.ack.kind != "reopen" else "",
            f"{vn_date(date.fromisoformat(last.day))} {last.channel}"
            f" {STATUS_LABELS.get(last.status, '')}"
            if last
            else "",
        )
