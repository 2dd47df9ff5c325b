"""Loading and validating a configuration directory.

``validate(config_dir)`` reads ``settings.toml``, ``units.toml``, every ``plan*.toml`` and every
``calendar*.toml`` and returns the configuration (or None) with every problem found — it never
raises on bad input. ``load`` is the same but raises ``ConfigError`` when there are errors.
Each problem names the file, the line, the key, what is wrong and what to do.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from reminder import checks, tomlfile
from reminder.errors import ConfigError, Problem
from reminder.names import NameIndex
from reminder.plan import Directory, Group, Plan, PlanHeader, Task, Unit
from reminder.settings import SECRET_FIELDS, Settings, build_settings, env_name
from reminder.tomlfile import KeyPath, TomlFile

if TYPE_CHECKING:
    # Imported where used: ``deliveries`` reads the settings alone, without the calendar
    # (the holidays package) or the templates (jinja2).
    from reminder import templating
    from reminder.calendar import CalendarFile, WorkCalendar

M = TypeVar("M", bound=BaseModel)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^(\+84|0)\d{9,10}$")


def _builtin_templates() -> templating.Templates:
    from reminder import templating

    return templating.builtin_templates()


@dataclass(frozen=True)
class Config:
    """A validated configuration directory."""

    config_dir: Path
    settings: Settings
    directory: Directory
    plans: tuple[Plan, ...]
    calendar: WorkCalendar
    warnings: tuple[Problem, ...] = ()
    # The templates validated with this configuration (overrides read once; see templating).
    templates: templating.Templates = field(default_factory=_builtin_templates, compare=False)

    def names(self) -> NameIndex:
        """An index of every unit and group name, alias and id."""
        return build_index(self.directory)


def build_index(directory: Directory) -> NameIndex:
    """A ``NameIndex`` over ``directory``'s units and groups."""
    index = NameIndex()
    for unit in directory.units.values():
        index.add(unit.id, [unit.name, *unit.aliases])
    for group in directory.groups.values():
        index.add(group.id, [group.name, *group.aliases])
    return index


def config_dir_from(arg: str | Path | None) -> Path:
    """``--config-dir``, else ``REMINDER_CONFIG_DIR``, else ``./config``."""
    if arg is not None:
        return Path(arg)
    return Path(os.environ.get("REMINDER_CONFIG_DIR") or "config")


def load(config_dir: Path) -> Config:
    """The configuration in ``config_dir``; raises ``ConfigError`` listing every problem."""
    config, problems = validate(config_dir)
    if config is None:
        raise ConfigError(problems)
    return config


def load_settings(config_dir: Path) -> Settings:
    """``settings.toml`` and the environment alone (what a command that reads only the store
    needs); raises ``ConfigError`` with the errors found there."""
    problems: list[Problem] = []
    settings = _load_settings(config_dir, problems)
    if settings is None:
        raise ConfigError([p for p in problems if p.severity == "error"] or problems)
    return settings


def validate(config_dir: Path) -> tuple[Config | None, list[Problem]]:
    """Read and check everything in ``config_dir``; errors sort before warnings."""
    problems: list[Problem] = []
    if not config_dir.is_dir():
        problems.append(
            Problem(
                "error",
                "không tìm thấy thư mục cấu hình",
                file=config_dir,
                hint="chỉ đúng thư mục bằng --config-dir hoặc REMINDER_CONFIG_DIR",
            )
        )
        return None, problems
    try:
        config = _validate(config_dir, problems)
    except RecursionError:  # absurdly nested input; still no traceback
        problems.append(Problem("error", "cấu hình lồng nhau quá sâu", file=config_dir))
        config = None
    problems.sort(key=lambda p: p.severity != "error")
    if any(p.severity == "error" for p in problems):
        return None, problems
    if config is None:  # pragma: no cover - _validate returns None only with an error
        return None, problems
    return dataclasses.replace(config, warnings=tuple(problems)), problems


def _validate(config_dir: Path, problems: list[Problem]) -> Config | None:
    from reminder import templating
    from reminder.calendar import WorkCalendar

    settings = _load_settings(config_dir, problems)
    units_path = config_dir / "units.toml"
    directory = _load_units(units_path, problems)
    units_ok = not any(p.file == units_path and p.severity == "error" for p in problems)
    if not units_ok:
        problems.append(
            Problem(
                "warning",
                "units.toml có lỗi: đã bỏ qua việc kiểm tra tên đơn vị trong các kế hoạch và"
                " trong settings.toml (sửa lỗi trên rồi chạy lại reminder check)",
                file=units_path,
            )
        )
    index = build_index(directory)
    for name, first, second in index.collisions:
        problems.append(
            Problem(
                "warning",
                f'tên "{name}" dùng cho cả "{first}" và "{second}"; sẽ hiểu là "{first}"',
                file=config_dir / "units.toml",
                hint="bỏ tên trùng khỏi aliases của một trong hai",
            )
        )
    plans = [
        plan
        for path in sorted(config_dir.glob("plan*.toml"))
        if (plan := _load_plan(path, directory if units_ok else None, index, problems)) is not None
    ]
    if not plans:
        problems.append(
            Problem(
                "warning",
                "chưa có kế hoạch nào (tệp plan*.toml)",
                file=config_dir,
                hint="nhập kế hoạch bằng: reminder import-plan TỆP --config-dir " + str(config_dir),
            )
        )
    calendar_files = [
        cal
        for path in sorted(config_dir.glob("calendar*.toml"))
        if (cal := _load_calendar(path, problems)) is not None
    ]
    calendar = WorkCalendar(calendar_files)
    for plan in plans:
        if plan.year not in calendar.declared_years:
            problems.append(
                Problem(
                    "warning",
                    f"năm {plan.year} của kế hoạch chưa có tệp lịch (calendar-{plan.year}.toml)",
                    file=plan.path,
                    hint="thêm ngày nghỉ, ngày làm bù năm đó theo thông báo của Chính phủ",
                )
            )
    if settings is not None and units_ok:
        for key in ("council",):
            ref = getattr(settings, key)
            if ref is not None and ref not in directory.units and ref not in directory.groups:
                problems.append(
                    Problem(
                        "error",
                        f'"{ref}" không phải mã đơn vị hay nhóm nào trong units.toml',
                        file=config_dir / "settings.toml",
                        key=key,
                        hint=_closest_hint(index, ref),
                    )
                )
    if settings is None:
        return None
    settings_file = config_dir / "settings.toml"
    problems.extend(checks.delivery_settings(settings, settings_file))
    problems.extend(checks.mail_settings(settings, settings_file))
    if not settings.digest.to:
        problems.append(
            Problem(
                "warning",
                "chưa có người nhận báo cáo tuần: báo cáo không được gửi",
                file=settings_file,
                key="digest.to",
                hint='ghi địa chỉ thư của Chủ tịch, ví dụ [digest] to = ["chu-tich@..."]',
            )
        )
    if settings.web.admin_password_hash is None:
        problems.append(
            Problem(
                "warning",
                "bảng theo dõi chưa bật (chưa có mật khẩu quản trị)",
                key="REMINDER_WEB__ADMIN_PASSWORD_HASH",
                hint="tạo bằng: reminder hash-password, rồi đặt biến môi trường này",
            )
        )
    if settings.zalo_bot.token is not None:  # the bot's module loads an HTTP client (httpx)
        from reminder.channels.zalo.bot import check_settings

        problems.extend(check_settings(settings, settings_file))
    templates, found = templating.load(templating.override_dir(settings))
    problems.extend(_in_settings(p, settings_file) for p in found)
    if templates is None:
        return None
    loaded = Config(config_dir, settings, directory, tuple(plans), calendar, templates=templates)
    if set(loaded.templates.overridden) & set(templating.MESSAGE_TEMPLATES):
        from reminder.compose import trial  # a renderer: only when a message is overridden

        problems.extend(trial(loaded))
    if set(loaded.templates.overridden) - set(templating.MESSAGE_TEMPLATES):
        from reminder import trial as pages_trial  # the web app: only when a page is overridden

        problems.extend(pages_trial.overrides(loaded))
    return loaded


def _in_settings(problem: Problem, settings_file: Path) -> Problem:
    """A finding about a setting (no file of its own) names where it was set: the environment
    variable, else ``settings_file``."""
    if problem.file is not None or problem.key is None:
        return problem
    env = env_name((problem.key,))
    if env in os.environ:
        return dataclasses.replace(problem, key=env)
    return dataclasses.replace(problem, file=settings_file)


# --- settings -------------------------------------------------------------------------------


def _load_settings(config_dir: Path, problems: list[Problem]) -> Settings | None:
    path = config_dir / "settings.toml"
    values: dict[str, Any] = {}
    source: TomlFile | None = None
    if path.exists():
        parsed = tomlfile.read(path)
        if isinstance(parsed, Problem):
            problems.append(parsed)
            return None
        source = parsed
        problems.extend(checks.control_characters(parsed))
        values = dict(parsed.data)
        for secret in SECRET_FIELDS:
            node: Any = values
            for part in secret:
                node = node.get(part) if isinstance(node, dict) else None
            if node:
                env = env_name(secret)
                problems.append(
                    parsed.problem(
                        secret,
                        "bí mật được ghi trong tệp cấu hình",
                        f"xóa khỏi tệp, đặt bằng biến môi trường {env} hoặc tệp bí mật",
                        warning=True,
                    )
                )
    values["config_dir"] = config_dir
    secrets = os.environ.get("REMINDER_SECRETS_DIR")
    try:
        return build_settings(values, Path(secrets) if secrets else None)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            from_env = env_name(loc) in os.environ
            problem = _translate(error)
            if from_env or source is None:
                problems.append(
                    Problem(
                        "error",
                        problem[0],
                        file=None if from_env else path,
                        key=env_name(loc) if from_env else tomlfile.format_key(loc),
                        hint=problem[1],
                    )
                )
            else:
                problems.append(source.problem(loc, problem[0], problem[1]))
        return None


# --- units ------------------------------------------------------------------------------------


def load_directory(config_dir: Path) -> tuple[Directory, list[Problem]]:
    """Units and groups of ``config_dir/units.toml`` (empty when the file does not exist)."""
    problems: list[Problem] = []
    path = config_dir / "units.toml"
    if not path.exists():
        return Directory(), problems
    return _load_units(path, problems), problems


def _load_units(path: Path, problems: list[Problem]) -> Directory:
    if not path.exists():
        problems.append(
            Problem(
                "error",
                "thiếu tệp danh sách đơn vị units.toml",
                file=path,
                hint="tạo tệp, hoặc chạy reminder import-plan để tạo từ kế hoạch",
            )
        )
        return Directory()
    parsed = tomlfile.read(path)
    if isinstance(parsed, Problem):
        problems.append(parsed)
        return Directory()
    _unknown_top_keys(parsed, {"units", "groups"}, problems)
    problems.extend(checks.control_characters(parsed))
    unit_entries = _dedupe(parsed, "units", Unit, problems)
    units = {u.id: u for _, u in unit_entries}
    groups: dict[str, Group] = {}
    group_at: dict[str, int] = {}  # id -> position in the file, for findings
    for i, group in _dedupe(parsed, "groups", Group, problems):
        if group.id in units:
            problems.append(
                parsed.problem(
                    ("groups", i, "id"),
                    f'mã nhóm "{group.id}" trùng với mã một đơn vị',
                    "đặt mã khác cho nhóm",
                )
            )
            continue
        groups[group.id] = group
        group_at[group.id] = i
    directory = Directory(units=units, groups=groups)
    index: NameIndex | None = None  # built only to suggest names for an unknown member
    for group_id, group in groups.items():
        i = group_at[group_id]
        for member in group.members:
            if member not in units and member not in groups:
                if index is None:
                    index = build_index(directory)
                problems.append(
                    parsed.problem(
                        ("groups", i, "members"),
                        f'thành viên "{member}" không có trong units.toml',
                        _closest_hint(index, member),
                    )
                )
        if not group.members:
            problems.append(
                parsed.problem(
                    ("groups", i, "members"),
                    f'nhóm "{group.id}" chưa có thành viên: không ai được nhắc thay nhóm này',
                    "liệt kê mã các đơn vị thành viên trong members",
                    warning=True,
                )
            )
    for cycle in _group_cycles(groups):
        first = cycle[0]
        problems.append(
            parsed.problem(
                ("groups", group_at[first], "members"),
                "nhóm chứa chính nó: " + " → ".join([*cycle, first]),
                "bỏ một liên kết trong vòng lặp",
            )
        )
    placeholders = []
    for i, unit in unit_entries:
        for address in unit.email:
            if not _EMAIL.match(address):
                problems.append(
                    parsed.problem(
                        ("units", i, "email"),
                        f'địa chỉ thư "{address}" không hợp lệ',
                        'viết dạng "ten@co-quan.gov.vn"',
                    )
                )
            elif (unsendable := checks.mail_address(address)) is not None:
                what, hint = unsendable
                problems.append(
                    parsed.problem(("units", i, "email"), f'đơn vị "{unit.id}": {what}', hint)
                )
            elif address.lower().endswith(".example"):
                placeholders.append(unit.id)
        if unit.phone is not None and not _PHONE.match(re.sub(r"[\s.]", "", unit.phone)):
            problems.append(
                parsed.problem(
                    ("units", i, "phone"),
                    f'số điện thoại "{unit.phone}" không đúng dạng',
                    'viết dạng "0912345678" hoặc "+84912345678"',
                    warning=True,
                )
            )
        if not unit.reachable:
            problems.append(
                parsed.problem(
                    ("units", i),
                    f'đơn vị "{unit.id}" chưa có cách liên lạc nào: sẽ không nhận được nhắc việc',
                    "điền email, zalo_user_id hoặc phone",
                    warning=True,
                )
            )
    if placeholders:
        problems.append(
            Problem(
                "warning",
                f"{len(set(placeholders))} đơn vị đang dùng địa chỉ thư mẫu (.example): "
                + ", ".join(sorted(set(placeholders))[:5])
                + (" ..." if len(set(placeholders)) > 5 else ""),
                file=path,
                hint="thay bằng địa chỉ thật trước khi gửi",
            )
        )
    return directory


def _group_cycles(groups: dict[str, Group]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(gid: str, stack: list[str]) -> None:
        state[gid] = 1
        stack.append(gid)
        for member in groups[gid].members:
            if member not in groups:
                continue
            if state.get(member) == 1:
                cycle = stack[stack.index(member) :]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    cycles.append(cycle)
            elif member not in state:
                visit(member, stack)
        stack.pop()
        state[gid] = 2

    for gid in groups:
        if gid not in state:
            visit(gid, [])
    return cycles


# --- plans ------------------------------------------------------------------------------------


def _load_plan(
    path: Path, directory: Directory | None, index: NameIndex, problems: list[Problem]
) -> Plan | None:
    """The plan in ``path``; ``directory`` None skips the unit checks (units.toml is broken)."""
    parsed = tomlfile.read(path)
    if isinstance(parsed, Problem):
        problems.append(parsed)
        return None
    _unknown_top_keys(parsed, {"plan", "tasks"}, problems)
    problems.extend(checks.control_characters(parsed))
    before = len([p for p in problems if p.severity == "error"])
    header = _validate_model(parsed, ("plan",), PlanHeader, parsed.data.get("plan"), problems)
    task_entries = _dedupe(parsed, "tasks", Task, problems)
    tasks = [task for _, task in task_entries]
    if header is not None:
        for i, task in task_entries:
            _check_task(parsed, i, task, header.year, directory, index, problems)
    if header is None or len([p for p in problems if p.severity == "error"]) > before:
        return None
    if not tasks:
        problems.append(parsed.problem(("tasks",), "kế hoạch không có việc nào", warning=True))
    return Plan(
        id=path.stem,
        title=header.title,
        year=header.year,
        issuer=header.issuer,
        tasks=tuple(tasks),
        path=path,
    )


def _check_task(
    parsed: TomlFile,
    i: int,
    task: Task,
    year: int,
    directory: Directory | None,
    index: NameIndex,
    problems: list[Problem],
) -> None:
    for role in ("lead", "support"):
        if directory is None:
            break  # units.toml is broken: unit names cannot be checked
        for ref in getattr(task, role):
            if ref not in directory.units and ref not in directory.groups:
                problems.append(
                    parsed.problem(
                        ("tasks", i, role),
                        f'việc {task.id}: "{ref}" không phải mã đơn vị hay nhóm trong units.toml',
                        _closest_hint(index, ref),
                    )
                )
    # A plan's dates may reach into the school year or the next January ("Trước 10/01/2027").
    dated = [
        ("start", task.start),
        ("due", task.due),
        *(("milestones", m) for m in task.milestones),
    ]
    for key, value in dated:
        if value is not None and not year - 1 <= value.year <= year + 1:
            problems.append(
                parsed.problem(
                    ("tasks", i, key),
                    f"việc {task.id}: ngày {value:%d/%m/%Y} quá xa năm kế hoạch {year}",
                    f"sửa ngày cho nằm trong năm {year} (hoặc năm trước, năm sau),"
                    " hoặc sửa year trong [plan]",
                )
            )
    dues = [*task.milestones, *([task.due] if task.due else [])]
    if any(a >= b for a, b in itertools.pairwise(dues)) or (
        task.start and task.milestones and task.milestones[0] < task.start
    ):
        problems.append(
            parsed.problem(
                ("tasks", i, "milestones"),
                f"việc {task.id}: các mốc milestones phải tăng dần, sau start và trước due",
                "ví dụ start = 2026-06-01, milestones = [2026-06-30], due = 2026-12-31",
            )
        )
    if task.start is not None and task.due is not None and task.due < task.start:
        problems.append(
            parsed.problem(
                ("tasks", i, "due"),
                f"việc {task.id}: hạn {task.due:%d/%m/%Y} trước ngày bắt đầu {task.start:%d/%m/%Y}",
                "đổi chỗ hai ngày hoặc sửa lại",
            )
        )
    if task.unassigned:
        problems.append(
            parsed.problem(
                ("tasks", i, "unassigned"),
                f"việc {task.id} cần phân công: " + "; ".join(task.unassigned),
                "ghi mã đơn vị chủ trì vào lead rồi xóa unassigned",
                warning=True,
            )
        )
    elif not task.lead:
        problems.append(
            parsed.problem(
                ("tasks", i, "lead"),
                f"việc {task.id} chưa có đơn vị chủ trì: không ai được nhắc hạn",
                "ghi mã đơn vị chủ trì vào lead",
                warning=True,
            )
        )


# --- calendars --------------------------------------------------------------------------------


def _load_calendar(path: Path, problems: list[Problem]) -> CalendarFile | None:
    from reminder.calendar import CalendarFile

    parsed = tomlfile.read(path)
    if isinstance(parsed, Problem):
        problems.append(parsed)
        return None
    cal = _validate_model(parsed, (), CalendarFile, parsed.data, problems)
    if cal is None:
        return None
    ok = True
    for key in ("days_off", "working_days"):
        for i, day in enumerate(getattr(cal, key)):
            if day.date.year != cal.year:
                ok = False
                problems.append(
                    parsed.problem(
                        (key, i, "date"),
                        f"ngày {day.date:%d/%m/%Y} không thuộc năm {cal.year} của tệp",
                        "sửa ngày, hoặc đưa sang tệp lịch của năm đó",
                    )
                )
    problems.extend(checks.control_characters(parsed))
    problems.extend(checks.calendar_file(parsed, cal))
    off = {d.date for d in cal.days_off}
    for i, day in enumerate(cal.working_days):
        if day.date in off:
            problems.append(
                parsed.problem(
                    ("working_days", i, "date"),
                    f"ngày {day.date:%d/%m/%Y} vừa là ngày nghỉ vừa là ngày làm việc",
                    "giữ ở một danh sách",
                )
            )
            return None
    return cal.with_source(path) if ok else None


# --- helpers ------------------------------------------------------------------------------------


def _unknown_top_keys(parsed: TomlFile, allowed: set[str], problems: list[Problem]) -> None:
    for key in parsed.data:
        if key not in allowed:
            problems.append(
                parsed.problem(
                    (key,),
                    f'khóa "{key}" không được hỗ trợ ở đây',
                    "các khóa hợp lệ: " + ", ".join(sorted(allowed)),
                )
            )


def _dedupe(
    parsed: TomlFile, key: str, model: type[M], problems: list[Problem]
) -> list[tuple[int, M]]:
    """Entries of array ``key`` validated as ``model``; problems for bad and repeated ones."""
    raw = parsed.data.get(key, [])
    if not isinstance(raw, list):
        problems.append(
            parsed.problem(
                (key,), f'"{key}" phải là danh sách bảng', f"viết mỗi mục dưới một dòng [[{key}]]"
            )
        )
        return []
    out: list[tuple[int, M]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        entry = _validate_model(parsed, (key, i), model, item, problems)
        if entry is None:
            continue
        entry_id = str(getattr(entry, "id", ""))
        if entry_id in seen:
            problems.append(
                parsed.problem(
                    (key, i, "id"),
                    f'mã "{entry_id}" bị trùng (đã dùng ở mục thứ {seen[entry_id] + 1})',
                    "mỗi mã chỉ dùng một lần",
                )
            )
            continue
        seen[entry_id] = i
        out.append((i, entry))
    return out


def _validate_model(
    parsed: TomlFile, base: KeyPath, model: type[M], raw: object, problems: list[Problem]
) -> M | None:
    if raw is None:
        problems.append(
            parsed.problem(base, "thiếu bảng bắt buộc", f"thêm [{tomlfile.format_key(base)}]")
        )
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            message, hint = _translate(error)
            loc = (*base, *error["loc"])
            problems.append(parsed.problem(loc, message, hint))
        return None


def _closest_hint(index: NameIndex, ref: str) -> str:
    close = index.closest(ref)
    if close:
        return "có phải: " + ", ".join(close) + "?"
    return "thêm đơn vị này vào units.toml hoặc sửa mã"


_TYPE_MESSAGES: dict[str, tuple[str, str | None]] = {
    "missing": ("thiếu khóa bắt buộc", "thêm khóa này"),
    "extra_forbidden": ("khóa không được hỗ trợ", "kiểm tra chính tả, hoặc xóa khóa"),
    "string_type": ("phải là chuỗi", 'đặt trong dấu ngoặc kép, ví dụ "..."'),
    "string_too_short": ("không được để trống", None),
    "int_type": ("phải là số nguyên", None),
    "int_parsing": ("phải là số nguyên", None),
    "int_from_float": ("phải là số nguyên", None),
    "bool_type": ("phải là true hoặc false", None),
    "bool_parsing": ("phải là true hoặc false", None),
    "date_type": ("phải là ngày", "viết dạng 2025-03-31, không có dấu ngoặc kép"),
    "date_parsing": ("phải là ngày", "viết dạng 2025-03-31, không có dấu ngoặc kép"),
    "date_from_datetime_parsing": ("phải là ngày", "viết dạng 2025-03-31"),
    "date_from_datetime_inexact": ("phải là ngày, không kèm giờ", "viết dạng 2025-03-31"),
    "time_type": ("phải là giờ", 'viết dạng "08:00"'),
    "time_parsing": ("phải là giờ", 'viết dạng "08:00"'),
    "tuple_type": ("phải là danh sách", "viết dạng [..., ...] trong dấu ngoặc vuông"),
    "list_type": ("phải là danh sách", "viết dạng [..., ...] trong dấu ngoặc vuông"),
    "model_type": ("phải là một bảng", None),
    "model_attributes_type": ("phải là một bảng", None),
    "dict_type": ("phải là một bảng", None),
    "url_parsing": ("địa chỉ không hợp lệ", 'viết dạng "https://..."'),
}


# How each list-valued key is written, for hints that show the right type.
_EXAMPLES: dict[str, str] = {
    "before_due": "before_due = [5, 1]",
    "support_kinds": 'support_kinds = ["open", "before_due"]',
    "email": 'email = ["van-thu@xa.gov.vn"]',
    "aliases": 'aliases = ["UBND xã"]',
    "members": 'members = ["ubnd-xa-a", "ubnd-xa-b"]',
    "lead": 'lead = ["phong-noi-vu"]',
    "support": 'support = ["phong-noi-vu"]',
    "unassigned": 'unassigned = ["Đại biểu được chọn"]',
    "order": 'order = ["email", "webhook"]',
    "to": 'to = ["chu-tich@huyen.gov.vn"]',
    "cc": 'cc = ["van-phong@huyen.gov.vn"]',
}


def _translate(error: Any) -> tuple[str, str]:
    """A pydantic error as a Vietnamese message and a hint (what to do)."""
    message, hint = _translate_message(error)
    names = [part for part in error.get("loc", ()) if isinstance(part, str)]
    example = _EXAMPLES.get(names[-1]) if names else None
    if example is not None and error.get("type", "") in _EXAMPLE_TYPES:
        hint = f"viết dạng {example}"
    return message, hint or "sửa giá trị này rồi chạy lại: reminder check"


_EXAMPLE_TYPES = frozenset({"tuple_type", "list_type", "int_type", "int_parsing", "string_type"})


def _translate_message(error: Any) -> tuple[str, str | None]:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    if kind in ("greater_than_equal", "greater_than"):
        return f"phải từ {ctx.get('ge', ctx.get('gt'))} trở lên", None
    if kind in ("less_than_equal", "less_than"):
        return f"phải không quá {ctx.get('le', ctx.get('lt'))}", None
    if kind == "literal_error":
        return "giá trị không hợp lệ", f"chọn một trong: {ctx.get('expected', '')}"
    if kind == "value_error":
        text = str(error.get("msg", "")).removeprefix("Value error, ")
        return text, None
    return str(error.get("msg", "giá trị không hợp lệ")), None
