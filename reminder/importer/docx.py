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
    numbered_styles = _numbered_styles(document)
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(node.text or "" for node in child.iter() if node.tag == _W + "t")
            if text.strip():
                blocks.append(" ".join(text.split()))
        elif tag == "tbl":
            blocks.append(_table(DocxTable(child, document), numbered_styles))
    return Document(path=path, blocks=blocks)


def _table(table: Any, numbered_styles: frozenset[str]) -> Table:
    rows: list[Row] = []
    numbered: set[int] = set()
    for r, row in enumerate(table.rows):
        cells = row.cells
        rows.append([clean_text(_cell_text(cell._tc)) for cell in cells])
        if cells and _auto_numbered(cells[0]._tc, numbered_styles):
            numbered.add(r)
    return Table(rows=rows, numbered=numbered)


_BREAKS = {_W + "br": "\n", _W + "cr": "\n", _W + "tab": "\t"}


def _cell_text(tc: Any) -> str:
    """The text of a table cell, one line per paragraph (what ``_Cell.text`` gives, read from
    the XML directly: python-docx's accessors cost most of a large plan's import)."""
    lines: list[str] = []
    for paragraph in tc.iter(_W + "p"):
        parts: list[str] = []
        for node in paragraph.iter(_W + "t", _W + "br", _W + "cr", _W + "tab"):
            parts.append(node.text or "" if node.tag == _W + "t" else _BREAKS[node.tag])
        lines.append("".join(parts))
    return "\n".join(lines)


def _numbered_styles(document: Any) -> frozenset[str]:
    """Ids of the paragraph styles that number their paragraphs (directly or by inheritance)."""
    own: dict[str, bool] = {}
    based_on: dict[str, str] = {}
    for style in document.styles.element.iterchildren(_W + "style"):
        style_id = style.get(_W + "styleId")
        if style_id is None:
            continue
        own[style_id] = _num_pr(style.find(_W + "pPr"))
        base = style.find(_W + "basedOn")
        if base is not None and base.get(_W + "val"):
            based_on[style_id] = base.get(_W + "val")
    out: set[str] = set()
    for style_id in own:
        current: str | None = style_id
        for _ in range(10):  # styles inherit numbering from their base
            if current is None:
                break
            if own.get(current):
                out.add(style_id)
                break
            current = based_on.get(current)
    return frozenset(out)


def _auto_numbered(tc: Any, numbered_styles: frozenset[str]) -> bool:
    """Whether a paragraph of the cell ``tc`` is in a numbered list (its own or its style's)."""
    for paragraph in tc.iterchildren(_W + "p"):
        ppr = paragraph.find(_W + "pPr")
        if _num_pr(ppr):
            return True
        style = ppr.find(_W + "pStyle") if ppr is not None else None
        if style is not None and style.get(_W + "val") in numbered_styles:
            return True
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
