"""Files that are replaced whole and atomically, and what to tell a person when writing fails."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from reminder.errors import StoreError

#: Temporary files ``write_atomic`` leaves only when killed between creating and renaming.
TEMP_GLOBS = (".*.tmp",)

_HINTS = {
    errno.ENOSPC: "đĩa đã đầy — giải phóng dung lượng rồi chạy lại (không mất dữ liệu đã ghi)",
    errno.EDQUOT: "đã hết hạn mức đĩa của người dùng — xin thêm hạn mức rồi chạy lại",
    errno.EFBIG: "tệp vượt giới hạn kích thước (ulimit -f) — bỏ giới hạn rồi chạy lại",
    errno.EROFS: "ổ đĩa chỉ cho đọc — gắn lại ở chế độ ghi được hoặc chọn thư mục khác",
    errno.EACCES: "không có quyền ghi — cấp quyền cho người dùng chạy reminder",
    errno.EPERM: "không có quyền ghi — cấp quyền cho người dùng chạy reminder",
}


def make_data_dir(data_dir: Path) -> None:
    """Create the data directory (and its parents) if missing; a ``StoreError`` saying what to
    do when that fails."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"{data_dir}: không tạo được thư mục dữ liệu ({exc.strerror}) — chỉ thư mục khác"
            " bằng --data-dir hoặc REMINDER_DATA_DIR"
        ) from None


def write_error(path: Path, exc: OSError) -> StoreError:
    """A ``StoreError`` naming ``path``, what failed and what to do."""
    hint = _HINTS.get(exc.errno or 0, "kiểm tra ổ đĩa và quyền ghi rồi chạy lại")
    reason = exc.strerror or str(exc)
    return StoreError(f"{path}: không ghi được ({reason}) — {hint}")


def write_atomic(path: Path, data: bytes, *, keep_backup: bool = False) -> None:
    """Replace ``path`` with ``data``: temp file, fsync, optional ``.bak`` link, rename.

    Raises ``OSError`` as the system reports it; callers that face a person turn it into a
    message with ``write_error``.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_backup and path.exists():
            backup_tmp = path.with_name(f".{path.name}.bak.tmp")
            backup_tmp.unlink(missing_ok=True)
            os.link(path, backup_tmp)
            os.replace(backup_tmp, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def append_whole(fd: int, data: bytes) -> None:
    """Append ``data`` to the file open at ``fd`` (``O_APPEND``) whole or not at all.

    A short write (a file size limit reached mid-line) is carried on until every byte is
    written, or what this call wrote is cut off again and the ``OSError`` raised. The caller
    holds the lock every appender of the file holds, so nothing else grew it meanwhile (the
    file's size is asked only then: one system call per append otherwise).
    """
    view = memoryview(data)
    try:
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except OSError:
        done = len(data) - len(view)
        if done:
            os.ftruncate(fd, os.fstat(fd).st_size - done)
        raise


def remove_leftover_temps(directory: Path) -> list[Path]:
    """Delete the temporary files a killed writer left in ``directory``; call it only while
    holding the lock every writer of ``directory`` holds. Returns what was removed."""
    removed = []
    for pattern in TEMP_GLOBS:
        for path in directory.glob(pattern):
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            removed.append(path)
    return removed
