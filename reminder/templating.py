"""The message and page templates: built into the package, overridable from a directory.

The built-in templates live in ``reminder/templates/`` (``email/``, ``zalo/``, ``web/``) and ship
as package data. Administrators override one by putting a file of the same name (say
``email/reminder.txt``) in the override directory: the ``templates_dir`` setting, or else
``./templates`` when it exists. Lookup is a ``ChoiceLoader``: the override first, then the
package.

The overrides are read and compiled once, when the configuration is validated (``load``), and
the resulting ``Templates`` is what the running service renders with. An edit to an override
therefore takes effect only through a reload that validates it: a broken edit is refused with
the same findings as ``reminder check`` and the templates in use stay the previous ones, instead
of a syntax error surfacing in the middle of a dispatch pass.

``load`` returns every finding as a ``Problem``: a syntax error (error: file, line, what to do),
a file that is not UTF-8 (error), an ``extends``/``include`` of a template that does not exist
(error), an override whose name matches no built-in template (warning: it is never used), and,
in the digest and page templates, a variable the built-in family never reads (warning: probably
a typo, which would fail when rendered, since every template runs with ``StrictUndefined``).
The message templates are checked harder, by filling in a sample message (``compose.trial``,
run by ``config.validate``): a failure there is an error naming the file and line.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reminder.calendar import weekday_vi
from reminder.errors import Problem
from reminder.labels import ACK_LABELS, ROLE_LABELS, vn_date, vn_datetime

if TYPE_CHECKING:
    # jinja2 is imported where a template is read or rendered: ``status`` and ``check`` load a
    # configuration's templates without either.
    from jinja2 import BaseLoader, Environment, PackageLoader, nodes

    from reminder.settings import Settings

DEFAULT_OVERRIDE_DIR = Path("templates")
# Files an override directory may hold that are not templates (the directory's own guide).
_NOT_TEMPLATES = frozenset({"README.md"})
_TEMPLATE_SUFFIXES = (".html", ".txt")
_PACKAGE_PATH = "reminder/templates"
#: The templates of a day's message to a unit; ``compose.trial`` fills them in for ``check``.
MESSAGE_TEMPLATES = (
    "email/reminder.subject.txt",
    "email/reminder.txt",
    "email/reminder.html",
    "zalo/reminder.txt",
)


@functools.cache
def _builtin_loader() -> PackageLoader:
    from jinja2 import PackageLoader

    return PackageLoader("reminder", "templates")


@functools.cache
def builtin_names() -> tuple[str, ...]:
    """Every built-in template's name (``email/reminder.html`` …), sorted."""
    return tuple(sorted(_builtin_loader().list_templates()))


def override_dir(settings: Settings) -> Path | None:
    """The override directory: ``templates_dir`` when set, else ``./templates`` if it exists."""
    if settings.templates_dir is not None:
        return settings.templates_dir
    return DEFAULT_OVERRIDE_DIR if DEFAULT_OVERRIDE_DIR.is_dir() else None


def _environment(loader: BaseLoader) -> Environment:
    from jinja2 import Environment, StrictUndefined, select_autoescape

    env = Environment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # The overrides are a snapshot (a DictLoader) and the built-ins do not change under a
        # running process: no need to stat anything on each render.
        auto_reload=False,
    )
    env.filters["vn_date"] = vn_date
    env.filters["vn_datetime"] = vn_datetime
    env.filters["role"] = ROLE_LABELS.__getitem__
    env.filters["ack_label"] = ACK_LABELS.__getitem__
    env.filters["vn_iso_date"] = lambda text: vn_date(date.fromisoformat(str(text)))
    env.filters["weekday"] = weekday_vi
    return env


@functools.cache
def _parser() -> Environment:
    """Parsing only: the filters must be known at compile time, nothing is loaded through it."""
    from jinja2 import DictLoader

    return _environment(DictLoader({}))


class Templates:
    """The templates one configuration renders with: ``overrides`` (name -> source, read from
    ``directory`` when the configuration was validated) over the package's built-ins."""

    def __init__(self, directory: Path | None = None, overrides: Mapping[str, str] | None = None):
        self.directory = directory
        self.overridden = tuple(sorted(overrides or {}))
        self._sources = dict(overrides or {})

    @functools.cached_property
    def env(self) -> Environment:
        """The environment, made when first used: the overrides as read at validation (each
        keeps its file's path, so an error raised while rendering one names the file and line)
        over the package's built-ins."""
        from jinja2 import ChoiceLoader, FunctionLoader

        directory, sources = self.directory, self._sources

        def snapshot(name: str) -> tuple[str, str, Callable[[], bool]] | None:
            if directory is None or name not in sources:
                return None  # not overridden: the next loader's
            return sources[name], str(directory / name), lambda: True

        return _environment(ChoiceLoader([FunctionLoader(snapshot), _builtin_loader()]))

    def path(self, name: str) -> Path | None:
        """The override file of template ``name``, or None when it is the built-in."""
        return self.directory / name if self.directory and name in self.overridden else None


def failed_override(exc: BaseException, templates: Templates) -> tuple[str, int | None] | None:
    """The override (name) and line at which rendering raised ``exc``, innermost first: a
    page that includes an overridden ``_nav.html`` fails in that file, not in the page. None
    when no override's line is in the traceback."""
    if templates.directory is None:
        return None
    paths = {str(templates.directory / name): name for name in templates.overridden}
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename in paths:
            return paths[frame.filename], frame.lineno
    return None


def failed_line(exc: BaseException, path: Path) -> int | None:
    """The line of the template file ``path`` at which rendering raised ``exc`` (Jinja puts the
    template's lines in the traceback), or None."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return lines[-1] if lines else None


_UNDEFINED = re.compile(r"^'(?P<name>[^']+)' is undefined$")
_NO_ATTRIBUTE = re.compile(r"^'(?P<owner>[^']+)' has no attribute '(?P<name>[^']+)'$")
_NO_ELEMENT = re.compile(r"^(?P<owner>.+) has no element (?P<name>.+)$")


def explain(exc: BaseException) -> tuple[str, str]:
    """What went wrong when a template was filled in, and what to do, in Vietnamese (Jinja's
    own words are English and name Python types)."""
    from jinja2 import UndefinedError

    words = str(exc)
    if isinstance(exc, UndefinedError):
        if found := _UNDEFINED.match(words):
            return (
                f'không có biến "{found["name"]}"',
                "sửa tên biến cho đúng tên chương trình truyền vào mẫu này",
            )
        if found := _NO_ATTRIBUTE.match(words):
            return (
                f'không có trường "{found["name"]}" (trong {_owner(found["owner"])})',
                f'sửa "{found["name"]}" cho đúng tên trường',
            )
        if found := _NO_ELEMENT.match(words):
            return (
                f"danh sách không có phần tử {found['name']}",
                "danh sách có thể ngắn hơn: duyệt bằng {% for %} thay vì lấy phần tử theo số",
            )
    return (
        f"{type(exc).__name__}: {words}"[:300],
        "xem dòng được chỉ ra",
    )


def _owner(python: str) -> str:
    """A Python type as Jinja names it ("dict object", "reminder.digest.Digest object") in
    words an administrator can use."""
    kind = python.removesuffix(" object").rsplit(".", 1)[-1]
    return {"dict": "bảng giá trị", "list": "danh sách", "str": "chuỗi chữ"}.get(kind, kind)


def load(directory: Path | None) -> tuple[Templates | None, list[Problem]]:
    """The templates with the overrides in ``directory`` (None: the built-ins alone) and every
    finding about them; None when there is an error."""
    if directory is None:
        return builtin_templates(), []
    from jinja2 import FileSystemLoader, TemplateSyntaxError, meta

    problems: list[Problem] = []
    if not directory.is_dir():
        problems.append(
            Problem(
                "error",
                f"không tìm thấy thư mục mẫu thư {directory}",
                key="templates_dir",
                hint="tạo thư mục đó, hoặc sửa/bỏ templates_dir trong settings.toml"
                " (REMINDER_TEMPLATES_DIR) để dùng các mẫu có sẵn",
            )
        )
        return None, problems
    builtin = set(builtin_names())
    sources: dict[str, str] = {}
    for name in _files(directory):
        path = directory / name
        if not name.endswith(_TEMPLATE_SUFFIXES):
            if name not in builtin:
                problems.append(_unused(path, name))
            continue
        try:
            sources[name] = FileSystemLoader(directory).get_source(_parser(), name)[0]
        except UnicodeDecodeError:
            problems.append(
                Problem(
                    "error",
                    "tệp mẫu không phải văn bản UTF-8",
                    file=path,
                    hint="mở bằng trình soạn thảo rồi lưu lại với bảng mã UTF-8",
                )
            )
        except OSError as exc:
            problems.append(
                Problem(
                    "error",
                    f"không đọc được tệp mẫu ({exc.strerror or exc})",
                    file=path,
                    hint="kiểm tra quyền đọc tệp",
                )
            )
    templates = Templates(directory, sources)
    referenced: set[str] = set()
    for name, source in sorted(sources.items()):
        path = directory / name
        try:
            templates.env.get_template(name)  # compiled now, kept in the environment's cache
        except TemplateSyntaxError as exc:
            problems.append(
                Problem(
                    "error",
                    f"mẫu {name} sai cú pháp Jinja ({exc.message})",
                    file=path,
                    line=exc.lineno,
                    hint=f"sửa dòng {exc.lineno} theo bản gốc {_PACKAGE_PATH}/{name}, hoặc xóa"
                    " tệp này để dùng mẫu có sẵn; rồi chạy reminder check",
                )
            )
            continue
        parsed = templates.env.parse(source)
        for used in meta.find_referenced_templates(parsed):
            if used is None:
                continue
            referenced.add(used)
            if used not in builtin and used not in sources:
                problems.append(
                    Problem(
                        "error",
                        f'mẫu {name} dùng mẫu "{used}" nhưng không có mẫu nào tên như vậy',
                        file=path,
                        hint="sửa tên trong {% extends %} / {% include %} cho đúng tên một mẫu"
                        " có sẵn (danh sách trong templates/README.md)",
                    )
                )
        if name in builtin and name not in MESSAGE_TEMPLATES:  # those get a trial render
            problems.extend(_unknown_variables(templates.env, name, parsed, path))
    for name in sorted(sources.keys() - builtin - referenced):
        problems.append(_unused(directory / name, name))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return templates, problems


@functools.cache
def builtin_templates() -> Templates:
    """The built-in templates alone (one shared instance)."""
    return Templates()


def _files(directory: Path) -> Iterator[str]:
    """Names (``email/reminder.txt``) of the files under ``directory``, hidden ones and the
    directory's README left out."""
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        hidden = any(part.startswith(".") for part in name.split("/"))
        if path.is_file() and not hidden and name not in _NOT_TEMPLATES:
            yield name


def _unused(path: Path, name: str) -> Problem:
    return Problem(
        "warning",
        f"tệp {name} không trùng tên mẫu có sẵn nào nên không được dùng",
        file=path,
        hint="đặt đúng tên và thư mục con của mẫu muốn thay (danh sách trong"
        " templates/README.md), hoặc xóa tệp",
    )


def _unknown_variables(
    env: Environment, name: str, parsed: nodes.Template, path: Path
) -> list[Problem]:
    """A warning for each variable the override reads that the built-in ``name`` (with the
    templates it uses) never receives."""
    from jinja2 import meta

    known = set(env.globals)
    for sibling in _family(name):
        known |= _builtin_variables(sibling)
    unknown = sorted(meta.find_undeclared_variables(parsed) - known)
    return [
        Problem(
            "warning",
            f'mẫu {name} dùng biến "{variable}" mà bản gốc không dùng: có thể gõ nhầm tên,'
            " và nếu chương trình không truyền biến này thì thư sẽ không gửi được",
            file=path,
            hint=f"so với các biến trong bản gốc {_PACKAGE_PATH}/{name}",
        )
        for variable in unknown
    ]


def _family(name: str) -> list[str]:
    """The built-in templates rendered with the same context as ``name``: a message's subject,
    text, HTML and Zalo forms (``email/reminder.*``, ``zalo/reminder.txt``) share one; a web
    page has its own."""
    if name.startswith("web/"):
        return [name]
    stem = name.split("/")[-1].split(".")[0]
    return [
        n
        for n in builtin_names()
        if not n.startswith("web/") and n.split("/")[-1].split(".")[0] == stem
    ]


@functools.cache
def _builtin_variables(name: str) -> frozenset[str]:
    from jinja2 import meta

    env = _parser()
    source = _builtin_loader().get_source(env, name)[0]
    parsed = env.parse(source)
    found = set(meta.find_undeclared_variables(parsed))
    for used in meta.find_referenced_templates(parsed):
        if used is not None and used != name:
            found |= _builtin_variables(used)
    # The context a page receives is shared with the templates it includes and extends, so a
    # variable any of them reads is one the program passes.
    return frozenset(found)
