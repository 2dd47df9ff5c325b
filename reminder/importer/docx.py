"""Reading a Word ``.docx`` (from Word or LibreOffice) with python-docx.

Paragraphs and tables come in document order. python-docx gives one cell per grid column,
repeating a merged cell's text in every column and row it spans: column indexes stay those of
the header, and a cell merged over several tasks applies to each of them. A row whose first
cell is auto-numbered (``w:numPr`` on the paragraph or its style) is marked: its number is not
in the text, but it is a task.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from reminder.errors import PlanImportError
from reminder.importer.model import Document, Row, Table
from reminder.importer.read import clean_text

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(path: Path) -> Document:
    """The paragraphs and tables of the Word document at ``path``."""
    import docx  # python-docx is only needed here; importing it costs start-up time
    from docx.table import Table as DocxTable

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise PlanImportError(
            f"{path}: không mở được tệp Word ({exc}). Mở tệp trong Word hoặc LibreOffice,"
            " lưu lại thành .docx rồi nhập"
        ) from None
    blocks: list[str | Table] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(node.text or "" for node in child.iter() if node.tag == _W + "t")
            if text.strip():
                blocks.append(" ".join(text.split()))
        elif tag == "tbl":
            blocks.append(_table(DocxTable(child, document)))
    return Document(path=path, blocks=blocks)


def _table(table: Any) -> Table:
    rows: list[Row] = []
    numbered: set[int] = set()
    for r, row in enumerate(table.rows):
        cells = row.cells
        rows.append([clean_text(cell.text) for cell in cells])
        if cells and _auto_numbered(cells[0]):
            numbered.add(r)
    return Table(rows=rows, numbered=numbered)


def _auto_numbered(cell: Any) -> bool:
    """Whether a paragraph of ``cell`` is in a numbered list (its own or its style's)."""
    for paragraph in cell.paragraphs:
        if _num_pr(paragraph._p.pPr):
            return True
        style = paragraph.style
        seen = 0
        while style is not None and seen < 10:  # styles inherit numbering from their base
            if _num_pr(style.element.pPr):
                return True
            style, seen = style.base_style, seen + 1
    return False


def _num_pr(ppr: Any) -> bool:
    if ppr is None:
        return False
    num_pr = ppr.find(_W + "numPr")
    if num_pr is None:
        return False
    num_id = num_pr.find(_W + "numId")
    # numId 0 switches numbering off (a paragraph in a numbered style, taken out of the list).
    return num_id is None or num_id.get(_W + "val") != "0"
