"""Checks beyond types: what parses but would still make the service do the wrong thing.

- ``control_characters``: a line break or other control character in a name, address or title
  (it breaks mail headers and stops a unit's reminders for ever).
- ``calendar_file``: a declared day off on a weekend, a day declared twice, a make-up working
  day that is not a weekend.
- ``delivery_settings``: settings that make real delivery fail while everything looks fine
  (links to 127.0.0.1 in real mail, a sender at ``localhost``, a password hash mangled by the
  shell).
- ``mail_address`` / ``mail_settings``: an address the email channel cannot send to although
  it has the form of one (tone marks, an IDN domain not written in punycode).
- ``timely``: what depends on the date (``--now``): a plan that is over with no next plan, the
  next year's calendar missing from 1 December.

Each returns ``Problem``s naming the file, line and key, what is wrong and what to do.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from reminder.errors import Problem
from reminder.labels import LOCAL_TZ, vn_date
from reminder.settings import env_name
from reminder.tomlfile import KeyPath, TomlFile

if TYPE_CHECKING:
    from reminder.calendar import CalendarFile
    from reminder.config import Config
    from reminder.settings import Settings

_ARGON2 = re.compile(
    r"^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$"
)
# What a mailbox may be written with, unquoted (RFC 5322 dot-atom text).
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "")


def _strings(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))


#: Unicode category Cc, exactly: U+0000–U+001F and U+007F–U+009F.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


#: What a TOML text needs for one of its string values to hold a control character: an
#: escape (a backslash: ``\n``, ``\u0001`` …), a tab (allowed as it is in strings) or a
#: multi-line string (line breaks as they are). Any other control character in a string is a
#: syntax error, reported by the parser.
_MAY_HOLD_CONTROL = ("\\", "\t", '"""', "'''")


def control_characters(parsed: TomlFile) -> list[Problem]:
    """Every string value of ``parsed`` holding a control character (line break, tab …).
    A text with no escape, tab or multi-line string (``_MAY_HOLD_CONTROL``) holds none: its
    values are not walked (most files, a province's hundred plans among them)."""
    if not any(mark in parsed.text for mark in _MAY_HOLD_CONTROL):  # a C scan each
        return []
    out = []
    for path, text in _strings(parsed.data):
        if _CONTROL.search(text) is None:
            continue  # most values: one C-speed scan instead of a category lookup per char
        bad = sorted({c for c in text if unicodedata.category(c) == "Cc"})
        if bad:
            shown = ", ".join(repr(c) for c in bad)
            out.append(
                parsed.problem(
                    path,
                    f"giá trị chứa ký tự điều khiển ({shown}): thư tới đơn vị này sẽ không"
                    " gửi được",
                    "viết tên, địa chỉ, tiêu đề trên một dòng, bỏ dấu xuống dòng và ký tự tab",
                )
            )
    return out


def calendar_file(parsed: TomlFile, cal: CalendarFile) -> list[Problem]:
    """Days off on weekends, days declared twice, make-up days that are not weekends (unless
    the day is a holiday of the package that the file overrides: 24/11 worked, say)."""
    from reminder.calendar import WorkCalendar

    package = WorkCalendar()
    out: list[Problem] = []
    seen: dict[date, str] = {}
    for key in ("days_off", "working_days"):
        for i, day in enumerate(getattr(cal, key)):
            where = (key, i, "date")
            if day.date in seen:
                out.append(
                    parsed.problem(
                        where,
                        f"ngày {vn_date(day.date)} được ghi hai lần ({seen[day.date]})",
                        "giữ một dòng cho mỗi ngày",
                        warning=True,
                    )
                )
                continue
            seen[day.date] = day.reason
            weekend = day.date.weekday() >= 5
            if key == "days_off" and weekend:
                out.append(
                    parsed.problem(
                        where,
                        f"ngày nghỉ {vn_date(day.date)} ({day.reason}) là thứ Bảy hoặc Chủ nhật,"
                        " vốn đã nghỉ",
                        "ghi ngày nghỉ bù (ngày thường) theo thông báo, hoặc bỏ dòng này",
                        warning=True,
                    )
                )
            if key == "working_days" and not weekend and package.is_working_day(day.date):
                out.append(
                    parsed.problem(
                        where,
                        f"ngày làm bù {vn_date(day.date)} là ngày thường, không phải thứ Bảy"
                        " hoặc Chủ nhật",
                        "chỉ ghi ngày cuối tuần được chuyển thành ngày làm việc",
                        warning=True,
                    )
                )
    return out


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _local(host: str | None) -> bool:
    host = (host or "").lower()
    return host in _LOOPBACK or host.startswith("127.") or host.endswith(".localhost")


def delivery_settings(settings: Settings, settings_file: Path) -> list[Problem]:
    """Settings that make real delivery fail (each finding names the setting)."""
    out: list[Problem] = []
    real_smtp = settings.smtp.host is not None and not _local(settings.smtp.host)
    real_zalo = bool(settings.zalo.access_token or settings.zalo.refresh_token) and not _local(
        _host(settings.zalo.api_base)
    )
    real_bot = settings.zalo_bot.token is not None and not _local(_host(settings.zalo_bot.api_base))
    real_webhook = bool(settings.webhook.url) and not _local(_host(settings.webhook.url or ""))
    real = [
        name
        for name, on in (
            ("email", real_smtp),
            ("zalo", real_zalo or real_bot),
            ("webhook", real_webhook),
        )
        if on
    ]
    if real and _local(_host(settings.web.base_url)):
        out.append(
            Problem(
                "error",
                f"địa chỉ trang web {settings.web.base_url} chỉ mở được trên chính máy này, mà"
                f" thư thật sẽ gửi qua {', '.join(real)}: mọi liên kết xác nhận trong thư đều hỏng",
                file=settings_file,
                key="web.base_url",
                hint='đặt địa chỉ công khai, ví dụ base_url = "https://nhacviec.huyen.gov.vn"'
                " (hoặc REMINDER_WEB__BASE_URL)",
            )
        )
    sender_host = settings.smtp.sender.rsplit("@", 1)[-1].strip(" >").lower()
    if real_smtp and (_local(sender_host) or "." not in sender_host):
        out.append(
            Problem(
                "error",
                f"người gửi {settings.smtp.sender!r} ở localhost: máy chủ thư thật sẽ từ chối"
                " hoặc đưa vào thư rác",
                file=settings_file,
                key="smtp.sender",
                hint='đặt địa chỉ của cơ quan, ví dụ sender = "Nhắc việc <nhac-viec@huyen.gov.vn>"',
            )
        )
    hashed = settings.web.admin_password_hash
    if hashed is not None and not _ARGON2.match(hashed.get_secret_value()):
        out.append(
            Problem(
                "error",
                "mã băm mật khẩu quản trị không đúng dạng argon2 (thường do shell thay các"
                " đoạn $...): đăng nhập sẽ luôn thất bại",
                key="REMINDER_WEB__ADMIN_PASSWORD_HASH",
                hint="tạo lại bằng reminder hash-password và đặt trong dấu nháy đơn '...'"
                " (hoặc trong tệp bí mật), không dùng nháy kép",
            )
        )
    return out


def mail_address(address: str) -> tuple[str, str] | None:
    """What is wrong with ``address`` for the email channel and what to do (message, hint), or
    None when the channel can send to it.

    The email channel speaks SMTP without SMTPUTF8: an address with a character outside ASCII
    (tone marks in the mailbox, ``vănthư@…``; an internationalised domain not written in
    punycode, ``…@xã.gov.vn``) fails every message to it, permanently, at send time. The
    hint gives the domain in punycode (the same domain) and the mailbox without tone marks
    (a guess the unit must confirm: a mailbox is what its server says it is)."""
    if address.isascii():
        return None
    local, _, domain = address.rpartition("@")
    mailbox = _unaccented(local)
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:  # an empty or over-long label: no punycode form
        ascii_domain = ""
    fixes = []
    if not local.isascii():
        fixes.append("phần trước @ không dấu (hỏi lại chủ hộp thư cho đúng)")
    if not domain.isascii():
        fixes.append("tên miền dạng punycode xn-- (vẫn là tên miền đó)")
    hint = "viết " + " và ".join(fixes)
    if mailbox.isascii() and ascii_domain and _LOCAL_PART.match(mailbox):
        hint += f': {"có thể là " if not local.isascii() else ""}"{mailbox}@{ascii_domain}"'
    return (
        f'địa chỉ thư "{address}" có chữ có dấu hoặc ký tự ngoài ASCII: máy chủ thư không'
        " nhận địa chỉ như vậy, thư sẽ không gửi được",
        hint,
    )


def _unaccented(text: str) -> str:
    """``text`` without tone marks, diacritics and invisible format characters ("đ" -> "d")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Cf"))


def mail_settings(settings: Settings, settings_file: Path) -> list[Problem]:
    """The settings' own addresses the email channel cannot use (``mail_address``): the
    sender and reply-to (every message carries them, on every channel that writes mail) and
    the digest's recipients. Each finding names the environment variable when the value came
    from there, else the key in ``settings_file``."""
    named = [("sender", settings.smtp.sender), ("reply_to", settings.smtp.reply_to)]
    addresses = [(("smtp", key), parseaddr(value)[1]) for key, value in named if value]
    addresses += [(("digest", "to"), a) for a in settings.digest.to]
    addresses += [(("digest", "cc"), a) for a in settings.digest.cc]
    out: list[Problem] = []
    for path, address in addresses:
        found = mail_address(address)
        if found is None:
            continue
        env = env_name(path)
        where = (None, env) if env in os.environ else (settings_file, ".".join(path))
        out.append(Problem("error", found[0], file=where[0], key=where[1], hint=found[1]))
    return out


def timely(config: Config, now: datetime) -> list[Problem]:
    """What is wrong on ``now``'s date: plans over with no next plan, next year's calendar
    missing from 1 December. Warnings: the configuration stays usable."""
    from reminder.schedule import effective_due

    today = now.astimezone(LOCAL_TZ).date()
    out: list[Problem] = []
    running = []
    for plan in config.plans:
        last_due = max(
            (effective_due(config.calendar, plan.window(t)[1]) for t in plan.tasks),
            default=date(plan.year, 12, 31),
        )
        expiry = date(plan.year + 1, 3, 31)
        if today > last_due:
            out.append(
                Problem(
                    "warning",
                    f"kế hoạch {plan.id} (năm {plan.year}) đã hết: hạn cuối {vn_date(last_due)};"
                    f" liên kết xác nhận hết hiệu lực sau {vn_date(expiry)}, sau đó không gửi"
                    " nhắc việc của kế hoạch này nữa",
                    file=plan.path,
                    hint="nhập kế hoạch năm mới bằng: reminder import-plan TỆP",
                )
            )
        else:
            running.append(plan)
    if config.plans and not running:
        out.append(
            Problem(
                "warning",
                f"không có kế hoạch nào còn việc sau {vn_date(today)}: dịch vụ không còn gì để"
                " nhắc",
                file=config.config_dir,
                hint=f"nhập kế hoạch năm {today.year if today.month < 12 else today.year + 1}"
                " bằng: reminder import-plan TỆP",
            )
        )
    next_year = today.year + 1
    if today.month == 12 and next_year not in config.calendar.declared_years:
        out.append(
            Problem(
                "warning",
                f"chưa có tệp lịch năm {next_year} (calendar-{next_year}.toml): ngày nghỉ lễ,"
                " nghỉ bù, làm bù năm tới chỉ lấy theo gói holidays",
                file=config.config_dir,
                hint=f"tạo calendar-{next_year}.toml theo thông báo của Bộ Nội vụ;"
                f" xem lịch đang dùng: reminder calendar {next_year}",
            )
        )
    return out
