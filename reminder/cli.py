"""The ``reminder`` command line. Thin: parse arguments, call the modules, print.

Exit codes: 0 success (warnings may be printed), 1 the command failed (a document cannot be
imported, a file would be overwritten), 2 the configuration is invalid or the arguments are
wrong, 130 interrupted. No input produces a traceback; ``--debug`` shows one for bug reports.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reminder.errors import ConfigError, Problem, ReminderError, UsageError

if TYPE_CHECKING:
    from reminder.config import Config
    from reminder.settings import Settings
    from reminder.store import Store

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config-dir",
        metavar="DIR",
        help="thư mục cấu hình (mặc định: $REMINDER_CONFIG_DIR hoặc ./config)",
    )
    common.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument(
        "--data-dir",
        metavar="DIR",
        help="thư mục dữ liệu (mặc định: $REMINDER_DATA_DIR hoặc data_dir trong settings.toml)",
    )

    parser = argparse.ArgumentParser(
        prog="reminder",
        description="Nhắc việc theo kế hoạch công tác năm: nhắc hạn, nhận xác nhận, báo cáo tuần.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", required=True)

    p = sub.add_parser("run", parents=[common, data], help="chạy dịch vụ với cấu hình hiện có")
    p.add_argument(
        "--now",
        type=_datetime_arg,
        metavar="THỜI_ĐIỂM",
        help="đồng hồ của dịch vụ bắt đầu từ thời điểm này (thử nghiệm, trình diễn)",
    )
    p.add_argument(
        "--speed", type=float, default=1.0, help="đồng hồ chạy nhanh gấp bao nhiêu lần (cùng --now)"
    )
    p.add_argument("--log-format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("check", parents=[common], help="kiểm tra toàn bộ cấu hình")
    p.add_argument("--now", type=_datetime_arg, metavar="THỜI_ĐIỂM")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_lazy("cli_config", "cmd_check"))

    p = sub.add_parser(
        "calendar", parents=[common], help="ngày nghỉ, ngày làm bù đang áp dụng của một năm"
    )
    p.add_argument("year", type=int, metavar="NĂM")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=_lazy("cli_config", "cmd_calendar"))

    p = sub.add_parser("plan", parents=[common], help="xem kế hoạch đã nạp")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=cmd_plan)

    p = sub.add_parser(
        "import-plan", parents=[common], help="nhập kế hoạch từ tệp Word (.docx), PDF hoặc văn bản"
    )
    p.add_argument("file", metavar="TỆP", type=Path)
    p.add_argument("--year", type=int, help="năm kế hoạch, khi tiêu đề không ghi rõ")
    p.add_argument(
        "--columns",
        metavar="CỘT,…",
        help='cột của bảng theo thứ tự, khi tiêu đề cột lạ: "stt,task,lead,support,time,note"',
    )
    p.add_argument("--force", action="store_true", help="ghi đè plan-<năm>.toml (giữ bản .bak)")
    p.add_argument("--dry-run", action="store_true", help="chỉ hiện kết quả, không ghi tệp")
    p.set_defaults(handler=cmd_import_plan)

    p = sub.add_parser("preview", parents=[common, data], help="xem trước lịch nhắc việc")
    p.add_argument("--from", dest="start", type=_date_arg, metavar="NGÀY")
    p.add_argument("--to", dest="end", type=_date_arg, metavar="NGÀY")
    p.add_argument("--unit", metavar="MÃ")
    p.add_argument("--task", metavar="MÃ")
    p.add_argument("--format", choices=("table", "json", "csv", "ics"), default="table")
    p.set_defaults(handler=cmd_preview)

    p = sub.add_parser(
        "send-due", parents=[common, data], help="gửi một lượt các nhắc việc đến hạn"
    )
    p.add_argument(
        "--now",
        type=_datetime_arg,
        metavar="THỜI_ĐIỂM",
        help="thời điểm giả định (mặc định: bây giờ), ví dụ 2025-03-24T08:00",
    )
    p.add_argument("--dry-run", action="store_true", help="chỉ hiện thư sẽ gửi, không gửi")
    p.set_defaults(handler=cmd_send_due)

    from reminder import cli_log

    p = sub.add_parser("deliveries", parents=[common, data], help="xem nhật ký gửi")
    cli_log.add_arguments(p, _date_arg)
    p.set_defaults(handler=cmd_deliveries)

    p = sub.add_parser(
        "web", parents=[common, data], help="chạy trang web (xác nhận, bảng theo dõi)"
    )
    p.add_argument("--now", type=_datetime_arg, metavar="THỜI_ĐIỂM")
    p.set_defaults(handler=cmd_web)

    p = sub.add_parser(
        "ack", parents=[common, data], help="ghi xác nhận thay đơn vị (nhận qua điện thoại)"
    )
    p.add_argument("task", metavar="MÃ_VIỆC")
    p.add_argument("unit", metavar="MÃ_ĐƠN_VỊ")
    p.add_argument("--done", action="store_true", help="đã hoàn thành (mặc định: đã nhận)")
    p.add_argument("--reopen", action="store_true", help="báo nhầm: mở lại, nhắc tiếp như cũ")
    p.add_argument("--note", default="", metavar="GHI_CHÚ")
    p.add_argument("--plan", metavar="MÃ|NĂM", help="khi nhiều kế hoạch có cùng mã việc")
    p.add_argument("--now", type=_datetime_arg, metavar="THỜI_ĐIỂM")
    p.set_defaults(handler=_lazy("cli_state", "cmd_ack"))

    p = sub.add_parser("status", parents=[common, data], help="tình trạng từng việc, từng đơn vị")
    p.add_argument("--unit", metavar="MÃ")
    p.add_argument("--task", metavar="MÃ")
    p.add_argument("--now", type=_datetime_arg, metavar="THỜI_ĐIỂM")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=_lazy("cli_state", "cmd_status"))

    p = sub.add_parser(
        "migrate", parents=[common, data], help="chép toàn bộ dữ liệu sang PostgreSQL trống"
    )
    p.add_argument("--to", required=True, metavar="URL", help="postgresql://người_dùng@máy/csdl")
    p.set_defaults(handler=cmd_migrate)

    p = sub.add_parser("digest", parents=[common, data], help="báo cáo tuần cho Chủ tịch")
    p.add_argument("--now", type=_datetime_arg, metavar="THỜI_ĐIỂM")
    p.add_argument("--format", choices=("html", "text", "json"), default="text")
    p.add_argument("--send", action="store_true", help="gửi tới [digest] to (mỗi tuần một lần)")
    p.set_defaults(handler=_lazy("cli_state", "cmd_digest"))

    p = sub.add_parser(
        "demo", parents=[common, data], help="trình diễn: chạy thử cả năm kế hoạch trong vài giây"
    )
    p.add_argument("--seed", type=int, default=2025)
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser(
        "hash-password", parents=[common], help="tạo mã băm mật khẩu quản trị (đọc từ bàn phím)"
    )
    p.set_defaults(handler=cmd_hash_password)

    from reminder import cli_admin, zalo_cli

    cli_admin.register(sub, common, data, _date_arg, _datetime_arg)
    zalo_cli.register(sub, [common, data], _datetime_arg)
    return parser


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """A handler imported from ``reminder.<module>`` only when its command runs."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        handler: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module(f"reminder.{module}"), name
        )
        return handler(args)

    return run


def _date_arg(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(
        f"ngày không hợp lệ: {text!r} (viết 2025-03-31 hoặc 31/03/2025)"
    )


def _datetime_arg(text: str) -> datetime:
    from reminder.schedule import LOCAL_TZ

    try:
        value = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        try:
            value = datetime.combine(_date_arg(text), datetime.min.time())
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"thời điểm không hợp lệ: {text!r} (viết 2025-03-24T08:00)"
            ) from None
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        with contextlib.ExitStack() as args.resources:  # stores the command opened
            return handler(args)
    except ConfigError as exc:
        print_problems(exc.problems)
        return EXIT_INVALID
    except UsageError as exc:
        print(f"LỖI: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except ReminderError as exc:
        print(f"LỖI: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("Đã dừng.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"LỖI không mong đợi ({type(exc).__name__}: {exc}). Chạy lại với --debug và gửi"
            " kết quả cho người quản trị.",
            file=sys.stderr,
        )
        return EXIT_FAILED


def print_problems(problems: Sequence[Problem]) -> None:
    """Print findings to stderr, errors first, with a count."""
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if errors:
        print(f"{errors} lỗi, {warnings} cảnh báo: cấu hình chưa dùng được.", file=sys.stderr)


def _config(args: argparse.Namespace) -> Config:
    from reminder import config

    loaded = config.load(config.config_dir_from(args.config_dir))
    return loaded


# --- commands -------------------------------------------------------------------------------


def cmd_plan(args: argparse.Namespace) -> int:
    """Show the loaded plans."""
    from reminder import views

    loaded = _config(args)
    if args.format == "json":
        out: Any = [views.plan_json(plan, loaded.directory) for plan in loaded.plans]
        print(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False, indent=2))
    else:
        views.print_plan_tables(loaded)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run the service: web app and scheduler, until SIGTERM/SIGINT."""
    from reminder import config, service

    clock = service.Clock(start=args.now, speed=args.speed if args.now else 1.0)
    data_dir = Path(args.data_dir) if args.data_dir else None
    return service.run(config.config_dir_from(args.config_dir), data_dir, clock, args.log_format)


def cmd_import_plan(args: argparse.Namespace) -> int:
    """Import a plan document into the config directory."""
    from reminder.importer import command

    return command.run(args)


def cmd_preview(args: argparse.Namespace) -> int:
    """Preview the reminder schedule."""
    from reminder import lookup, preview

    loaded = _config(args)
    if args.unit:
        args.unit = lookup.unit_or_group(loaded, args.unit)
    if args.task:
        args.task = lookup.task(loaded, args.task)
    return preview.run(loaded, args)


def _store(args: argparse.Namespace, loaded: Config) -> tuple[Store, Path]:
    data_dir = Path(args.data_dir) if args.data_dir else loaded.settings.data_dir
    return _open_store(args, loaded.settings), data_dir


def _open_store(args: argparse.Namespace, settings: Settings) -> Store:
    from reminder.store import open_store

    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir
    store = open_store(settings, data_dir)
    args.resources.callback(store.close)
    return store


def _secret(loaded: Config, data_dir: Path) -> str:
    from reminder import acks

    configured = loaded.settings.secret_key
    secret, generated = acks.load_secret(
        configured.get_secret_value() if configured else None, data_dir
    )
    if generated:
        print(
            f"Chưa có REMINDER_SECRET_KEY: đã tạo khóa ký liên kết tại {data_dir / 'secret_key'}"
            " (chỉ chủ sở hữu đọc được). Giữ tệp này cùng thư mục dữ liệu.",
            file=sys.stderr,
        )
    return secret


def cmd_send_due(args: argparse.Namespace) -> int:
    """One dispatch pass."""
    from reminder import views
    from reminder.dispatch import Dispatcher
    from reminder.schedule import LOCAL_TZ

    loaded = _config(args)
    store, data_dir = _store(args, loaded)
    now = args.now or datetime.now(LOCAL_TZ)
    dispatcher = Dispatcher(loaded, store, secret=_secret(loaded, data_dir))
    report = dispatcher.run(now, dry_run=args.dry_run)
    views.print_pass(report, dry_run=args.dry_run)
    return EXIT_OK


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the web app alone."""
    import uvicorn

    from reminder.channels.zalo.tokens import ZaloTokens
    from reminder.service import Clock
    from reminder.web import create_app
    from reminder.web.server import server_config

    loaded = _config(args)
    store, data_dir = _store(args, loaded)
    app = create_app(
        loaded,
        store,
        _secret(loaded, data_dir),
        clock=Clock(start=args.now).now,
        zalo_tokens=ZaloTokens(loaded.settings.zalo, store),
    )
    web = loaded.settings.web
    app.state.web.warm()  # the first page after start-up finds the state computed
    print(f"Trang web: {web.base_url} (nghe tại {web.host}:{web.port})", file=sys.stderr)
    uvicorn.Server(server_config(app, web, log_level="info")).run()
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Play the plan's year in simulated time into a temporary data dir."""
    import time

    from reminder.demo import play
    from reminder.labels import KIND_LABELS

    loaded = _config(args)
    started = time.perf_counter()
    result = play(loaded, Path(args.data_dir) if args.data_dir else None, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(f"Đã chạy thử {result.passes} ngày làm việc trong {elapsed:.1f} giây.")
    print(f"Thư đã gửi (vào hộp thư tệp): {result.messages}")
    for kind, label in KIND_LABELS.items():
        print(f"  - {label}: {result.by_kind.get(kind, 0)} lượt nhắc")
    print(
        f"Xác nhận: {result.acks.get('done', 0)} đã hoàn thành,"
        f" {result.acks.get('received', 0)} đã nhận"
    )
    print(f"Cuối năm còn quá hạn: {result.overdue_at_end} lượt việc – đơn vị")
    print(f"Thư: {result.data_dir / 'outbox'}")
    print(f"Báo cáo tuần: {result.data_dir / 'digests'} ({len(result.digests)} tuần)")
    print(f"Xem trạng thái: reminder status --data-dir {result.data_dir} --now 2025-12-31T17:00")
    return EXIT_OK


def cmd_hash_password(args: argparse.Namespace) -> int:
    """Print an argon2 hash of a password read from the terminal or stdin."""
    import getpass

    from reminder.web import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("Mật khẩu quản trị: ")
        if password != getpass.getpass("Nhập lại: "):
            print("LỖI: hai lần nhập không khớp.", file=sys.stderr)
            return EXIT_FAILED
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        print("LỖI: mật khẩu cần ít nhất 10 ký tự.", file=sys.stderr)
        return EXIT_FAILED
    print(hash_password(password))
    print("Đặt giá trị trên vào REMINDER_WEB__ADMIN_PASSWORD_HASH.", file=sys.stderr)
    return EXIT_OK


def cmd_deliveries(args: argparse.Namespace) -> int:
    """List delivery records (``cli_log``). Only ``settings.toml`` is read, unless ``--unit``
    needs the units: a province's plans take a second to load and validate."""
    from reminder import cli_log, config

    loaded = _config(args) if args.unit else None
    config_dir = config.config_dir_from(args.config_dir)
    settings = loaded.settings if loaded else config.load_settings(config_dir)
    wanted = cli_log.query(args, loaded)  # a bad option is named before the store is opened
    return cli_log.show(args.format, wanted, _open_store(args, settings))


def cmd_migrate(args: argparse.Namespace) -> int:
    """Copy the current store into an empty PostgreSQL database and compare the counts."""
    from reminder.store import copy

    loaded = _config(args)
    store, data_dir = _store(args, loaded)
    return copy.migrate_command(store, args.to, data_dir, loaded.settings.store_url == "")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
