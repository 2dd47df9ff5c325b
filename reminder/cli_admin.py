"""Administrative commands: ``user``, ``audit``, ``extend``, ``pause``, ``resume``.

Registered into the main parser by ``register``; each handler returns an exit code and raises
``UsageError`` (exit 2) for arguments it can name as wrong.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import asdict
from datetime import datetime
from typing import Any

from reminder.errors import UsageError


def register(
    sub: Any,
    common: argparse.ArgumentParser,
    data: argparse.ArgumentParser,
    date_arg: Any,
    now_arg: Any,
) -> None:
    """Add the administrative subcommands to ``sub`` (the main parser's subparsers)."""
    p = sub.add_parser("user", parents=[common, data], help="tài khoản bảng theo dõi")
    users = p.add_subparsers(dest="user_command", metavar="VIỆC", required=True)
    q = users.add_parser("add", parents=[common, data], help="thêm tài khoản")
    q.add_argument("name", metavar="TÊN")
    q.add_argument("--role", choices=("admin", "viewer"), required=True)
    q.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ đầu vào")
    q.set_defaults(handler=cmd_user_add)
    q = users.add_parser("list", parents=[common, data], help="danh sách tài khoản")
    q.add_argument("--format", choices=("table", "json"), default="table")
    q.set_defaults(handler=cmd_user_list)
    q = users.add_parser("remove", parents=[common, data], help="xóa tài khoản (đăng xuất ngay)")
    q.add_argument("name", metavar="TÊN")
    q.set_defaults(handler=cmd_user_remove)
    q = users.add_parser("passwd", parents=[common, data], help="đổi mật khẩu")
    q.add_argument("name", metavar="TÊN")
    q.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ đầu vào")
    q.set_defaults(handler=cmd_user_passwd)

    p = sub.add_parser(
        "extend", parents=[common, data], help="gia hạn một việc cho một đơn vị; duyệt đề nghị"
    )
    p.add_argument("task", metavar="MÃ_VIỆC", nargs="?")
    p.add_argument("unit", metavar="MÃ_ĐƠN_VỊ", nargs="?")
    p.add_argument("--to", type=date_arg, metavar="NGÀY", help="hạn mới, ví dụ 15/07/2025")
    p.add_argument("--reason", default="", metavar="LÝ_DO")
    p.add_argument("--plan", metavar="MÃ_KẾ_HOẠCH", help="khi có nhiều kế hoạch cùng mã việc")
    p.add_argument("--list", action="store_true", help="danh sách đề nghị và gia hạn")
    p.add_argument("--approve", metavar="SỐ", help="duyệt đề nghị số SỐ (có thể kèm --to)")
    p.add_argument("--refuse", metavar="SỐ", help="không duyệt đề nghị số SỐ")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--now", type=now_arg, metavar="THỜI_ĐIỂM")
    p.set_defaults(handler=cmd_extend)

    p = sub.add_parser(
        "pause", parents=[common, data], help="tạm dừng nhắc một đơn vị đến hết một ngày"
    )
    p.add_argument("unit", metavar="MÃ_ĐƠN_VỊ")
    p.add_argument("--until", type=date_arg, required=True, metavar="NGÀY")
    p.add_argument("--reason", default="", metavar="LÝ_DO")
    p.add_argument("--now", type=now_arg, metavar="THỜI_ĐIỂM")
    p.set_defaults(handler=cmd_pause)

    p = sub.add_parser("resume", parents=[common, data], help="nhắc lại một đơn vị đang tạm dừng")
    p.add_argument("unit", metavar="MÃ_ĐƠN_VỊ")
    p.add_argument("--now", type=now_arg, metavar="THỜI_ĐIỂM")
    p.set_defaults(handler=cmd_resume)

    p = sub.add_parser(
        "audit", parents=[common, data], help="nhật ký thay đổi (ai, làm gì, khi nào)"
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=cmd_audit)


def _records(args: argparse.Namespace) -> tuple[Any, Any]:
    from reminder.cli import _config, _store
    from reminder.keyed import Records

    loaded = _config(args)
    store, _ = _store(args, loaded)
    return loaded, Records(store)


def _now(args: argparse.Namespace) -> datetime:
    from reminder.schedule import LOCAL_TZ

    given: datetime | None = getattr(args, "now", None)
    return given or datetime.now(LOCAL_TZ)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise UsageError("thêm --password-stdin để đọc mật khẩu từ đầu vào")
    password = getpass.getpass("Mật khẩu: ")
    if password != getpass.getpass("Nhập lại: "):
        raise UsageError("hai lần nhập không khớp")
    return password


def _cli_actor() -> str:
    from reminder import audit

    return audit.cli_actor()


def _audit(records: Any, action: str, summary: str, now: datetime, **about: str) -> None:
    from reminder import audit

    audit.record(records, audit.AuditEntry(now, _cli_actor(), action, summary, **about))


def cmd_user_add(args: argparse.Namespace) -> int:
    from reminder import accounts

    _, records = _records(args)
    now = _now(args)
    accounts.add(records, args.name, args.role, _password(args), now)
    role = accounts.ROLE_NAMES[args.role]
    _audit(records, "user_add", f"thêm tài khoản {args.name} ({role})", now)
    print(f"Đã thêm tài khoản {args.name} ({role}).")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from reminder import accounts

    loaded, records = _records(args)
    configured = loaded.settings.web.admin_password_hash
    env_hash = configured.get_secret_value() if configured else None
    found = accounts.listing(records, env_hash)
    if args.format == "json":
        rows = [
            {
                "name": a.name,
                "role": a.role,
                "from_environment": a.created_at is None,
                "created_at": a.created_at.isoformat() if a.created_at else None,
            }
            for a in found
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not found:
        print("Chưa có tài khoản. Thêm: reminder user add TÊN --role admin --password-stdin")
    for a in found:
        origin = (
            "từ REMINDER_WEB__ADMIN_PASSWORD_HASH"
            if a.created_at is None
            else f"tạo {a.created_at:%d/%m/%Y %H:%M}"
        )
        print(f"{a.name}\t{accounts.ROLE_NAMES[a.role]}\t{origin}")
    return 0


def cmd_user_remove(args: argparse.Namespace) -> int:
    from reminder import accounts

    _, records = _records(args)
    ended = accounts.remove(records, args.name)
    _audit(records, "user_remove", f"xóa tài khoản {args.name}", _now(args))
    print(f"Đã xóa tài khoản {args.name}; đã đăng xuất {ended} phiên đang mở.")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    from reminder import accounts

    _, records = _records(args)
    accounts.set_password(records, args.name, _password(args))
    _audit(records, "user_passwd", f"đổi mật khẩu {args.name}", _now(args))
    print(f"Đã đổi mật khẩu {args.name}; các phiên cũ đã bị đăng xuất.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from reminder import audit

    _, records = _records(args)
    found = audit.entries(records)
    if args.format == "json":
        rows = [{**asdict(e), "at": e.at.isoformat(), "label": e.label} for e in found]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not found:
        print("Nhật ký trống.")
    for e in found:
        about = " ".join(x for x in (e.task, e.unit) if x)
        print(f"{e.at:%d/%m/%Y %H:%M}\t{e.actor}\t{e.label}\t{about}\t{e.summary}")
    return 0


def _extension_row(ext: Any) -> dict[str, Any]:
    return {
        "id": ext.id,
        "plan": ext.plan,
        "task": ext.task,
        "unit": ext.unit,
        "status": ext.status,
        "requested_to": ext.requested_to.isoformat(),
        "granted_to": ext.granted_to.isoformat() if ext.granted_to else None,
        "reason": ext.reason,
        "requested_at": ext.requested_at.isoformat(),
        "requested_by": ext.requested_by,
        "decided_at": ext.decided_at.isoformat() if ext.decided_at else None,
        "decided_by": ext.decided_by,
    }


def cmd_extend(args: argparse.Namespace) -> int:
    """Extend directly, or list / approve / refuse extension requests."""
    from reminder import adjust

    loaded, records = _records(args)
    now = _now(args)
    if args.list:
        found = sorted(records.records(adjust.EXTENSIONS).values(), key=lambda e: int(e.id))
        if args.format == "json":
            print(json.dumps([_extension_row(e) for e in found], ensure_ascii=False, indent=1))
            return 0
        if not found:
            print("Chưa có đề nghị gia hạn nào.")
        for e in found:
            to = e.granted_to or e.requested_to
            print(
                f"{e.id}\t{e.task}\t{e.unit}\t{e.label}\tđến {to:%d/%m/%Y}\t{e.reason}"
                f"\t({e.requested_by}, {e.requested_at:%d/%m/%Y})"
            )
        return 0
    if args.approve or args.refuse:
        ext_id = args.approve or args.refuse
        ext = adjust.decide(records, loaded, ext_id, bool(args.approve), now, _cli_actor(), args.to)
        _tell_unit(args, loaded, records, ext, now)
        if ext.status == "approved" and ext.granted_to:
            print(
                f"Đã duyệt đề nghị số {ext.id}: {ext.unit} làm {ext.task} đến hết"
                f" {ext.granted_to:%d/%m/%Y}."
            )
        else:
            print(f"Đã ghi: không duyệt đề nghị số {ext.id}.")
        return 0
    if not (args.task and args.unit and args.to):
        raise UsageError(
            "viết: reminder extend MÃ_VIỆC MÃ_ĐƠN_VỊ --to NGÀY --reason LÝ_DO, hoặc --list,"
            " --approve SỐ, --refuse SỐ"
        )
    pair = adjust.find_pair(loaded, args.task, args.unit, args.plan)
    ext = adjust.extend(records, loaded, pair, args.to, args.reason, now, _cli_actor())
    print(f"Đã gia hạn (số {ext.id}): {ext.unit} làm {ext.task} đến hết {args.to:%d/%m/%Y}.")
    return 0


def _tell_unit(
    args: argparse.Namespace, loaded: Any, records: Any, ext: Any, now: datetime
) -> None:
    """Queue the decision's notice for the unit and say which channel will carry it."""
    from reminder import notice
    from reminder.cli import _secret

    secret = _secret(loaded, records.store.data_dir)
    channel = notice.queue_decision(loaded, records.store, ext, secret, now)
    if channel is None:
        print(f"Lưu ý: {ext.unit} không có kênh liên lạc nào; hãy báo đơn vị bằng điện thoại.")
    else:
        print(f"Thông báo cho {ext.unit} sẽ gửi qua {channel} ở lượt gửi kế tiếp.")


def cmd_pause(args: argparse.Namespace) -> int:
    from reminder import adjust

    loaded, records = _records(args)
    pause = adjust.pause(
        records, loaded, args.unit, args.until, args.reason, _now(args), _cli_actor()
    )
    print(f"Đã tạm dừng nhắc {pause.unit} đến hết {pause.until:%d/%m/%Y}.")
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from reminder import adjust

    loaded, records = _records(args)
    if adjust.resume(records, loaded, args.unit, _now(args), _cli_actor()):
        print(f"Đã nhắc lại {args.unit} từ hôm nay.")
    else:
        print(f"{args.unit} không đang tạm dừng; không có gì thay đổi.")
    return 0
