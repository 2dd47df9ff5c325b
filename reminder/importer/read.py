"""Reading a plan file into a ``Document``: the format is told by the file's bytes, not its name.

A Word 97-2003 ``.doc`` (or one renamed ``.docx``), an RTF file, or a zip that is not a Word
document each get a message saying what to do. ``.docx`` is read by ``read_docx``, PDF by
``read_pdf``, anything else as text (UTF-8, or UTF-16 with or without its byte-order mark).
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

from reminder.errors import PlanImportError
from reminder.importer.model import Document, Row, Table

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003, Excel 97-2003 (compound file)
_SAVE_AS_DOCX = (
    "Lưu lại thành .docx rồi nhập (trong Word hoặc LibreOffice: Tệp → Lưu thành → .docx)"
)

_TAG_BREAK = re.compile(r"<\s*(?:br|/p|/li|/div|/tr)\b[^>]*>", re.IGNORECASE)
_TAG_LI = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def clean_text(text: str) -> str:
    """A cell's text without HTML remnants or markdown emphasis, one item per line."""
    if "<" in text:
        text = _TAG_BREAK.sub("\n", text)
        text = _TAG_LI.sub("\n", text)
        text = _TAG.sub(" ", text)
    text = html.unescape(text).replace("\u00a0", " ").replace("**", "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def read_document(path: Path) -> Document:
    """Read a plan file (.docx, .pdf, or a text conversion), whatever its name says."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise PlanImportError(f"{path}: không tìm thấy tệp") from None
    except IsADirectoryError:
        raise PlanImportError(f"{path}: là một thư mục, không phải tệp kế hoạch") from None
    except OSError as exc:
        raise PlanImportError(f"{path}: không đọc được tệp ({exc.strerror})") from None
    if head.startswith(_OLE):
        raise PlanImportError(
            f"{path}: đây là tệp Word cũ (.doc, Word 97-2003), chương trình không đọc được."
            f" {_SAVE_AS_DOCX}."
        )
    if head.startswith(b"{\\rtf"):
        raise PlanImportError(
            f"{path}: đây là tệp RTF, chương trình không đọc được. {_SAVE_AS_DOCX}."
        )
    if head.startswith(b"%PDF"):
        from reminder.importer.pdf import read_pdf

        return read_pdf(path)
    if head.startswith(b"PK"):
        if not _is_word(path):
            raise PlanImportError(
                f"{path}: tệp nén (zip) nhưng không phải văn bản Word (.docx). {_SAVE_AS_DOCX}."
            )
        from reminder.importer.docx import read_docx

        return read_docx(path)
    if path.suffix.lower() in (".docx", ".doc"):
        raise PlanImportError(
            f"{path}: tên là {path.suffix} nhưng nội dung không phải văn bản Word. {_SAVE_AS_DOCX}."
        )
    return read_text(_decode(path), path)


def _is_word(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlanImportError(f"{path}: không đọc được tệp ({exc.strerror})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0] != 0:
        encoding = "utf-16-le"  # UTF-16 without a byte-order mark (ASCII-range start)
    elif len(data) >= 4 and data[0:4:2] == b"\x00\x00" and data[1] != 0:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise PlanImportError(
            f"{path}: tệp văn bản không phải UTF-8 (hay UTF-16) — mở tệp và lưu lại với"
            " mã UTF-8, hoặc nhập thẳng tệp .docx"
        ) from None


def read_text(text: str, path: Path) -> Document:
    """Split a text conversion into preamble lines and tables (tab- or pipe-separated rows).

    Blank lines inside a table (page breaks) do not end it; a line of prose does. A text with
    no such rows may be LibreOffice's export, one cell per line: see ``text_cells``.
    """
    blocks: list[str | Table] = []
    current: Table | None = None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        cells = _split_row(line)
        if cells is None:
            if not line.strip():
                continue
            current = None
            cleaned = clean_text(line).replace("\n", " ")
            if cleaned:
                blocks.append(cleaned)
            continue
        if not any(cells):
            continue
        if current is None:
            current = Table(rows=[])
            blocks.append(current)
        current.lines[len(current.rows)] = number
        current.rows.append(cells)
    if not any(isinstance(b, Table) for b in blocks):
        from reminder.importer.text_cells import cells_per_line

        found = cells_per_line(lines, path)
        if found is not None:
            return found
    return Document(path=path, blocks=blocks)


def _split_row(line: str) -> Row | None:
    if "\t" in line:
        return [clean_text(c) for c in line.split("\t")]
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 2:
        inner = stripped.strip("|")
        if re.fullmatch(r"[\s:|-]+", inner):
            return []  # markdown separator row
        return [clean_text(c) for c in inner.split("|")]
    return None
