"""Command handlers about the configuration: ``check`` and ``calendar``.

``check`` validates the config directory (``config.validate``) and adds the checks that depend
on the date (``checks.timely``, as of ``--now``); ``--format json`` prints the findings as a
list of ``{"file", "line", "key", "severity", "message", "hint"}``. ``calendar YEAR`` lists
every weekday off and weekend working day in force, with its reason and its source.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from reminder import checks, config, templating
from reminder.errors import Problem, UsageError
from reminder.labels import CALENDAR_KIND_LABELS, LOCAL_TZ, vn_date, weekday

EXIT_OK, EXIT_INVALID = 0, 2


def problem_json(problem: Problem) -> dict[str, object]:
    """One finding as ``check --format json`` prints it."""
    return {
        "file": str(problem.file) if problem.file is not None else None,
        "line": problem.line,
        "key": problem.key,
        "severity": problem.severity,
        "message": problem.message,
        "hint": problem.hint,
    }


def cmd_check(args: argparse.Namespace) -> int:
    """Validate everything as of ``--now``; 0 when usable (warnings printed), 2 with errors."""
    from reminder.cli import print_problems

    directory = config.config_dir_from(args.config_dir)
    now: datetime = args.now or datetime.now(LOCAL_TZ)
    loaded, problems = config.validate(directory)
    store_line = ""
    if loaded is not None:
        problems = [*problems, *checks.timely(loaded, now)]
        if loaded.settings.store_url:
            store_problem, store_line = _store_schema(loaded.settings.store_url)
            problems += [store_problem] if store_problem else []
    usable = loaded is not None and not any(p.severity == "error" for p in problems)
    if args.format == "json":
        print(json.dumps([problem_json(p) for p in problems], ensure_ascii=False, indent=1))
        return EXIT_OK if usable else EXIT_INVALID
    print_problems(problems)
    if loaded is None:
        return EXIT_INVALID
    tasks = sum(len(p.tasks) for p in loaded.plans)
    print(
        f"Cấu hình hợp lệ ({directory}): {len(loaded.plans)} kế hoạch, {tasks} việc,"
        f" {len(loaded.directory.units)} đơn vị, {len(loaded.directory.groups)} nhóm,"
        f" {len(problems)} cảnh báo."
    )
    replaced = [n for n in loaded.templates.overridden if n in templating.builtin_names()]
    if replaced:
        print(f"Mẫu riêng đang dùng ({loaded.templates.directory}): {', '.join(replaced)}.")
    if store_line:
        print(store_line)
    return EXIT_OK if usable else EXIT_INVALID


def _store_schema(url: str) -> tuple[Problem | None, str]:
    """The PostgreSQL store's schema as ``check`` reports it: a finding (an error when the
    database cannot be used, a warning when ``run`` will upgrade it) or a line saying it is
    current."""
    from reminder.store import schema

    where, line = schema.check_report(url)
    if where == "unusable":
        return Problem("error", line, key="store_url"), ""
    if where == "behind":
        return Problem("warning", line, key="store_url"), ""
    return None, line


def cmd_calendar(args: argparse.Namespace) -> int:
    """The days off and make-up working days of YEAR in force, with reason and source."""
    from reminder import views

    if not 1900 <= args.year <= 2200:
        raise UsageError(f"năm {args.year} nằm ngoài lịch hỗ trợ (1900–2200)")
    loaded = config.load(config.config_dir_from(args.config_dir))
    days = loaded.calendar.exceptions(args.year)
    if args.format == "json":
        rows = [
            {"date": d.date.isoformat(), "kind": d.kind, "reason": d.reason, "source": d.source}
            for d in days
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    out = views.console()
    from rich.table import Table

    declared = args.year in loaded.calendar.declared_years
    table = Table(title=f"Lịch làm việc năm {args.year}: ngày nghỉ và ngày làm bù đang áp dụng")
    for column in ("Ngày", "Thứ", "Loại", "Lý do", "Nguồn"):
        table.add_column(column)
    for d in days:
        table.add_row(
            vn_date(d.date),
            weekday(d.date),
            CALENDAR_KIND_LABELS[d.kind],
            d.reason,
            "gói holidays" if d.source == "package" else d.source,
        )
    out.print(table)
    if not declared:
        out.print(
            f"Chưa có tệp calendar-{args.year}.toml: mọi ngày trên lấy theo gói holidays.",
            markup=False,
        )
    out.print(
        "Muốn sửa một ngày: ghi vào calendar-<năm>.toml (days_off để nghỉ, working_days để làm"
        " việc); tệp lịch được ưu tiên hơn gói holidays.",
        markup=False,
    )
    return EXIT_OK
