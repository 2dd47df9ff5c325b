"""Reading a PDF that has a text layer (a plan exported or printed to PDF) with pdfplumber.

Each page gives its ruled tables and the lines of text outside them, in the order they stand
on the page. A table continued on the next page is a table of its own there; the layout step
carries the columns over. A PDF with no text at all is a scan: the message says so.

Inside a cell, PDF text is broken where the line wrapped, not where the writer pressed Enter.
A break is kept only where it evidently separates items (after ";", ")" or ":", or before a
bullet or a "Chủ trì:"/"Phối hợp:" label); otherwise the two lines are one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reminder.errors import PlanImportError
from reminder.importer.model import Document, Row, Table
from reminder.importer.read import clean_text

_LABEL = re.compile(r"^\s*(?:[-+•*]\s*)?(?:chủ trì|phối hợp)(?: với)?\s*:", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-+•*]\s")


def read_pdf(path: Path) -> Document:
    """The text lines and ruled tables of the PDF at ``path``."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    blocks: list[str | Table] = []
    chars = 0
    try:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                chars += len(page.chars)
                blocks.extend(_page_blocks(page))
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise PlanImportError(
            f"{path}: không đọc được tệp PDF ({type(exc).__name__}). Nhập bản .docx của"
            " kế hoạch nếu có"
        ) from None
    except Exception as exc:  # pdfminer raises its own exception types for damaged files
        if type(exc).__module__.startswith(("pdfminer", "pdfplumber")):
            raise PlanImportError(
                f"{path}: tệp PDF hỏng hoặc bị khóa ({type(exc).__name__}). Nhập bản .docx"
                " của kế hoạch nếu có"
            ) from None
        raise
    if chars == 0:
        raise PlanImportError(
            f"{path}: tệp PDF là bản quét (chỉ có ảnh, không có chữ), chương trình không đọc"
            " được. Nhập bản .docx của kế hoạch, hoặc nhận dạng chữ (OCR) rồi lưu thành .docx"
        )
    return Document(path=path, blocks=blocks)


def _page_blocks(page: Any) -> list[str | Table]:
    found = page.find_tables()
    boxes = [t.bbox for t in found]
    placed: list[tuple[float, str | Table]] = []
    for table in found:
        rows: list[Row] = []
        for raw in table.extract():
            rows.append([_cell_text(c) for c in raw])
        if rows:
            placed.append((table.bbox[1], Table(rows=rows)))
    for line in page.extract_text_lines():
        mid_x = (line["x0"] + line["x1"]) / 2
        mid_y = (line["top"] + line["bottom"]) / 2
        if any(x0 <= mid_x <= x1 and top <= mid_y <= bottom for x0, top, x1, bottom in boxes):
            continue
        text = " ".join(str(line["text"]).split())
        if text:
            placed.append((line["top"], text))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def _cell_text(value: str | None) -> str:
    if not value:
        return ""
    lines = [ln.strip() for ln in value.splitlines() if ln.strip()]
    # A dash starting a wrapped line is a bullet only in a cell whose items are bullets
    # ("Phòng Văn hóa" / "- Xã hội" is one name wrapped at its dash).
    bullets = bool(lines) and bool(_BULLET.match(lines[0]))
    out = ""
    for line in lines:
        if not out:
            out = line
        elif (
            out.endswith((";", ")", ":")) or _LABEL.match(line) or (bullets and _BULLET.match(line))
        ):
            out += "\n" + line
        else:
            out += " " + line
    return clean_text(out)
