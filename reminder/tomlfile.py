"""Reading TOML configuration files so that every finding can name a line.

``tomllib`` gives values without positions; administrators need "which line". ``read`` turns
every failure (missing file, bad encoding, bad syntax) into a ``Problem``; ``locate`` finds the
line of a key path such as ``("tasks", 3, "lead")`` in the source text, for findings about
values that parsed but do not validate.

Two parsers of the same TOML (1.1): rtoml (Rust) reads, three times as fast as tomli on a
province's 100 plans (2.3 MB: 0.05 s instead of 0.16 s); a document it refuses is read again by
tomli, whose error names the line and column the way the findings always have (and whose
values are kept, should it accept what rtoml refused).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rtoml
import tomli  # tomllib, compiled (mypyc): explains what rtoml refuses

from reminder.errors import Problem

KeyPath = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_AT_LINE = re.compile(r"at line (\d+), column (\d+)")


@dataclass(frozen=True)
class TomlFile:
    """A parsed TOML file: its path, source text and data."""

    path: Path
    text: str
    data: dict[str, Any]

    def line_of(self, path: KeyPath) -> int | None:
        """The 1-based line that best matches ``path``, or None."""
        return locate(self.text, path)

    def problem(
        self, path: KeyPath, message: str, hint: str | None = None, *, warning: bool = False
    ) -> Problem:
        """A finding about the value at ``path`` in this file."""
        return Problem(
            severity="warning" if warning else "error",
            message=message,
            file=self.path,
            line=self.line_of(path),
            key=format_key(path) or None,
            hint=hint,
        )


def format_key(path: KeyPath) -> str:
    """``("tasks", 3, "lead")`` -> ``tasks[4].lead``: items are numbered from 1, as a person
    counts the ``[[tasks]]`` blocks in the file (the line number is given beside it)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out


class _NotRegular(Exception):
    pass


def _read_regular(path: Path) -> bytes:
    """The bytes of ``path`` if it is a regular file (after symlinks); ``_NotRegular`` for a
    FIFO, device, socket or directory, which is never read (a FIFO would block for ever, a
    device could be endless). Opened non-blocking and checked on the open descriptor, so it
    cannot be swapped between the check and the read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotRegular
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as file:
            fd = -1
            return file.read()
    finally:
        if fd >= 0:
            os.close(fd)


def read(path: Path) -> TomlFile | Problem:
    """Parse ``path``; any failure becomes a ``Problem`` naming the file and line."""
    try:
        raw = _read_regular(path)
    except _NotRegular:
        return Problem(
            "error",
            "không phải tệp thường (ống FIFO, thiết bị hay thư mục): không đọc",
            file=path,
            hint="thay bằng một tệp TOML thường, hoặc xoá nó khỏi thư mục cấu hình",
        )
    except OSError as exc:
        return Problem("error", f"không đọc được tệp: {exc.strerror or exc}", file=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Problem(
            "error",
            "tệp không phải UTF-8",
            file=path,
            line=line,
            hint="lưu lại tệp với bảng mã UTF-8",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = _parse(text)
    except tomli.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT_LINE.search(msg)
        detail = _AT_LINE.sub("", msg).replace("()", "").strip().rstrip(".")
        return Problem(
            "error",
            f"sai cú pháp TOML: {detail}",
            file=path,
            line=int(m.group(1)) if m else None,
            hint="kiểm tra dấu ngoặc kép, dấu = và ngày dạng YYYY-MM-DD",
        )
    return TomlFile(path=path, text=text, data=data)


def _parse(text: str) -> dict[str, Any]:
    """``text``'s values; ``tomli.TOMLDecodeError`` when it is not TOML."""
    try:
        return rtoml.loads(text)
    except ValueError:  # rtoml.TomlParsingError: tomli says where, in its words
        return tomli.loads(text)


def locate(text: str, path: KeyPath) -> int | None:
    """Best-effort 1-based line of ``path`` in TOML ``text``.

    Handles ``[table]`` and ``[[array.of.tables]]`` headers and ``key =`` lines; returns the
    deepest line found (a table's header when the key itself is not written out).
    """
    lines = text.splitlines()
    headers: list[tuple[int, str, bool]] = []
    for n, line in enumerate(lines):
        m = _HEADER.match(line)
        if m:
            name = ".".join(p.strip().strip('"') for p in m.group(2).split("."))
            headers.append((n, name, m.group(1) == "[["))

    def block_end(start: int, name: str) -> int:
        for n, hname, _ in headers:
            if n > start and not hname.startswith(name + "."):
                return n
        return len(lines)

    first_header = headers[0][0] if headers else len(lines)
    lo, hi = 0, first_header
    best: int | None = None
    prefix: list[str] = []
    i = 0
    while i < len(path):
        key = path[i]
        if isinstance(key, int):
            i += 1
            continue
        name = ".".join([*prefix, key])
        index = path[i + 1] if i + 1 < len(path) else None
        if isinstance(index, int):
            arrays = [h for h in headers if h[1] == name and h[2]]
            if index < len(arrays):
                start = arrays[index][0]
                best, lo, hi = start, start + 1, block_end(start, name)
                prefix.append(key)
                i += 2
                continue
        tables = [h for h in headers if h[1] == name and not h[2] and h[0] >= lo - 1]
        if tables:
            start = tables[0][0]
            best, lo, hi = start, start + 1, block_end(start, name)
            prefix.append(key)
            i += 1
            continue
        pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
        for n in range(lo, min(hi, len(lines))):
            if pattern.match(lines[n]):
                best = n
                break
        break
    return None if best is None else best + 1
