# ruff: noqa: E501  (the documents' Vietnamese text is kept on one line per cell)
"""The machinery of make_corpus.py: periods, the document model, and the writers (.docx with
Word auto-numbering, text conversions, LibreOffice forms, PDF, scanned PDF, .doc)."""

from __future__ import annotations

import calendar
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
YEAR = 2026

# --- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """When a task is to be done: it opens on ``start`` and is due on each date of ``due``."""

    start: date
    due: tuple[date, ...]
    recurring: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "due": [d.isoformat() for d in self.due],
            "recurring": self.recurring,
        }


Section = Period | None
Spec = Period | Callable[[Section], Period]


def _iso(text: str) -> date:
    return date.fromisoformat(text)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter(q: int, year: int = YEAR) -> Period:
    return Period(date(year, 3 * q - 2, 1), (_month_end(year, 3 * q),))


def month(m: int, year: int = YEAR) -> Period:
    return Period(date(year, m, 1), (_month_end(year, m),))


def months(a: int, b: int, year: int = YEAR) -> Period:
    return Period(date(year, a, 1), (_month_end(year, b),))


def half(n: int, year: int = YEAR) -> Period:
    return months(1, 6, year) if n == 1 else months(7, 12, year)


def whole_year(year: int = YEAR) -> Period:
    return months(1, 12, year)


def span(start: str, due: str) -> Period:
    return Period(_iso(start), (_iso(due),))


def day(when: str) -> Period:
    return span(when, when)


def week(n: int, m: int, year: int = YEAR) -> Period:
    """ "Tuần n tháng m": days 7n-6 to 7n ("tuần đầu" is week 1)."""
    return Period(date(year, m, 7 * n - 6), (date(year, m, 7 * n),))


def last_week(m: int, year: int = YEAR) -> Period:
    end = _month_end(year, m)
    return Period(date(year, m, end.day - 6), (end,))


def semester(n: int, school_year: int) -> Period:
    """Semester ``n`` of school year ``school_year``–``school_year + 1`` (README.md)."""
    if n == 1:
        return Period(date(school_year, 9, 1), (date(school_year + 1, 1, 15),))
    return Period(date(school_year + 1, 1, 16), (date(school_year + 1, 5, 31),))


def multi(start: str, *dues: str) -> Period:
    return Period(_iso(start), tuple(_iso(d) for d in dues))


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def by(due: str) -> Callable[[Section], Period]:
    """A bare deadline: opens with the section's period, or with the deadline's quarter."""
    when = _iso(due)

    def period(section: Section) -> Period:
        if section is None:
            return Period(_quarter_start(when), (when,))
        if section.start <= when:
            return Period(section.start, (when,))
        return Period(when.replace(day=1), (when,))

    return period


def _window(section: Section) -> tuple[date, date]:
    if section is None:
        return date(YEAR, 1, 1), date(YEAR, 12, 31)
    return section.start, section.due[-1]


def ongoing() -> Callable[[Section], Period]:
    """ "Thường xuyên", "Cả năm": throughout the section's period (or the year)."""

    def period(section: Section) -> Period:
        start, end = _window(section)
        return Period(start, (end,), "ongoing")

    return period


def monthly(dom: int | None = None) -> Callable[[Section], Period]:
    """ "Hằng tháng" (on day ``dom``, else at each month's end) within the section or year."""

    def period(section: Section) -> Period:
        start, end = _window(section)
        dues: list[date] = []
        y, m = start.year, start.month
        while (y, m) <= (end.year, end.month):
            dues.append(date(y, m, dom) if dom else _month_end(y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return Period(start, tuple(dues), "monthly")

    return period


def quarterly() -> Callable[[Section], Period]:
    """ "Hằng quý": due at the end of each quarter within the section or year."""

    def period(section: Section) -> Period:
        start, end = _window(section)
        dues = [
            _month_end(y, m)
            for y in range(start.year, end.year + 1)
            for m in (3, 6, 9, 12)
            if start <= _month_end(y, m) <= end
        ]
        return Period(start, tuple(dues), "quarterly")

    return period


# --- documents ------------------------------------------------------------------------------

COLUMN_KINDS = ("stt", "task", "lead", "support", "units", "time", "product", "note")


@dataclass
class Cell:
    text: str
    auto: bool = False  # STT numbered by Word's auto-numbering (numPr), not by its text
    number: int | None = None  # the number auto-numbering shows, for the text forms
    span: int = 1


@dataclass
class Row:
    cells: list[Cell]
    kind: str  # "header", "heading", "task", "continuation", "numbers"
    restart: bool = False  # auto-numbering restarts here


@dataclass
class Expected:
    title: str
    lead: list[str]
    support: list[str]
    unassigned: list[str]
    period: Period
    ref: str


@dataclass
class Doc:
    """One plan document, built row by row."""

    name: str
    kind: str  # "commune", "ward", "special zone", "province", "department", "board", "school", "clinic"
    parent: str  # the line above the issuer in the header ("" when none)
    issuer_lines: list[str]
    number: str
    place_date: str
    title_lines: list[str]
    preamble: list[str]
    columns: list[tuple[str, str]]
    issuer: str  # expected: the issuing body
    title: str  # expected: the plan's title
    numbering: str = "typed"  # "typed", "auto" (numPr), "mixed"
    restart_each_section: bool = True
    section_heading: str = "II. NỘI DUNG, NHIỆM VỤ VÀ THỜI GIAN THỰC HIỆN"
    closing: list[str] = field(default_factory=list)
    column_numbers: bool = False  # a "(1) (2) (3)…" row under the header
    rows: list[Row] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)
    _section: Section = None
    _section_name: str = ""
    _counter: int = 0

    def __post_init__(self) -> None:
        for kind, _label in self.columns:
            assert kind in COLUMN_KINDS, kind
        self.rows.append(Row([Cell(label) for _k, label in self.columns], "header"))
        if self.column_numbers:
            self.rows.append(Row([Cell(f"({i + 1})") for i in range(len(self.columns))], "numbers"))

    def heading(self, *cells: str, period: Section = None) -> None:
        """A heading row: the last cell spans the remaining columns."""
        width = len(self.columns)
        out = [Cell(c) for c in cells]
        out[-1].span = width - len(cells) + 1
        self.rows.append(Row(out, "heading", restart=self.restart_each_section))
        self._section = period
        self._section_name = " ".join(cells)
        if self.restart_each_section:
            self._counter = 0

    def repeat_header(self) -> None:
        """The header row typed again where a new page starts."""
        self.rows.append(Row([Cell(label) for _k, label in self.columns], "header"))

    def task(
        self,
        content: str,
        *,
        lead: str = "",
        support: str = "",
        units: str = "",
        time: str = "",
        product: str = "",
        note: str = "",
        L: Sequence[str] | None = None,
        S: Sequence[str] | None = None,
        U: Sequence[str] = (),
        P: Spec | None = None,
        title: str | None = None,
        cont: dict[str, str] | None = None,
        auto: bool | None = None,
        stt: str | None = None,
    ) -> None:
        """A task row. ``cont`` gives the texts of the row's continuation after a page break
        (by column kind); ``title`` then is the whole title."""
        self._counter += 1
        values = {
            "task": content,
            "lead": lead,
            "support": support,
            "units": units,
            "time": time,
            "product": product,
            "note": note,
        }
        is_auto = auto if auto is not None else self.numbering == "auto"
        cells: list[Cell] = []
        for kind, _label in self.columns:
            if kind == "stt":
                text = "" if is_auto else (stt if stt is not None else str(self._counter))
                cells.append(Cell(text, auto=is_auto, number=self._counter))
            else:
                cells.append(Cell(values[kind]))
        self.rows.append(Row(cells, "task"))
        if cont:
            self.rows.append(
                Row([Cell(cont.get(kind, "")) for kind, _l in self.columns], "continuation")
            )
        for kind in values:
            if values[kind] and kind not in dict(self.columns):
                raise ValueError(f"{self.name}: no column for {kind}: {content[:40]}")
        cell_for_lead = lead or units
        if L is None:
            L = _single(cell_for_lead, self.name, content)
        if S is None:
            S = _single(support, self.name, content) if support else []
        if P is None:
            if time:
                raise ValueError(f"{self.name}: time cell needs P: {content[:40]}")
            if self._section is None:
                raise ValueError(f"{self.name}: no section period: {content[:40]}")
            period = self._section
        else:
            period = P if isinstance(P, Period) else P(self._section)
        full_title = title if title is not None else " ".join(content.split())
        ref = f"{self._section_name} / {self._counter}".strip(" /")
        self.expected.append(Expected(full_title, list(L), list(S), list(U), period, ref))

    def expected_json(self, refused: str | None = None) -> dict[str, Any]:
        return {
            "document": {"title": self.title, "issuer": self.issuer, "year": YEAR},
            "tasks": [
                {
                    "title": e.title,
                    "lead": e.lead,
                    "support": e.support,
                    "unassigned": e.unassigned,
                    "period": e.period.as_json(),
                    "ref": e.ref,
                }
                for e in self.expected
            ],
        }


def _single(cell: str, doc: str, content: str) -> list[str]:
    """A cell holding one name and nothing else; anything else must be read by hand."""
    text = cell.strip()
    if not text:
        return []
    if any(sep in text for sep in (",", ";", "\n", "(", "phối hợp", "chủ trì", ":")):
        raise ValueError(f"{doc}: write L/S for {text!r} ({content[:40]})")
    return [text]


# --- writers --------------------------------------------------------------------------------


def _cell_lines(text: str) -> list[str]:
    return text.split("\n") if text else [""]


def write_docx(doc: Doc, path: Path) -> None:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)

    # The document header: issuer | national motto, then number | place and date.
    head = document.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    head.autofit = False
    for i, width in enumerate((Cm(7.0), Cm(10.0))):
        head.columns[i].width = width
        for cell in head.columns[i].cells:
            cell.width = width
    left = [*([doc.parent] if doc.parent else []), *doc.issuer_lines, "–––––––"]
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "–––––––––––––"]
    for cell, lines, bold_from in (
        (head.cell(0, 0), left, 1 if doc.parent else 0),
        (head.cell(0, 1), right, 0),
    ):
        cell.paragraphs[0].text = ""
        for i, line in enumerate(lines):
            p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(line)
            run.bold = i >= bold_from
    head.cell(1, 0).paragraphs[0].text = doc.number
    head.cell(1, 0).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.cell(1, 1).paragraphs[0].add_run(doc.place_date).italic = True
    head.cell(1, 1).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_paragraph()
    for line in doc.title_lines:
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(line).bold = True
    for line in doc.preamble:
        p = document.add_paragraph(line)
        p.paragraph_format.first_line_indent = Cm(1)
    document.add_paragraph().add_run(doc.section_heading).bold = True

    # Auto-numbering for the STT column: one abstract list, one w:num per restart.
    numbering = document.part.numbering_part.element
    abstract_id = 90
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        '<w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%1."/><w:lvlJc w:val="center"/>'
        '<w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr></w:lvl></w:abstractNum>'
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    next_num = [100]

    def new_num() -> int:
        next_num[0] += 1
        numbering.append(
            parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{next_num[0]}">'
                f'<w:abstractNumId w:val="{abstract_id}"/>'
                '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'
                "</w:num>"
            )
        )
        return next_num[0]

    num_id = new_num()
    table = document.add_table(rows=0, cols=len(doc.columns))
    table.style = "Table Grid"
    started = False
    for row in doc.rows:
        if row.restart and started:
            num_id = new_num()
        cells = table.add_row().cells
        if row.kind == "header" and not started:
            tr_pr = table.rows[-1]._tr.get_or_add_trPr()
            tr_pr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        started = True
        col = 0
        for cell in row.cells:
            target = cells[col]
            if cell.span > 1:
                target = target.merge(cells[col + cell.span - 1])
            col += cell.span
            lines = _cell_lines(cell.text)
            for i, line in enumerate(lines):
                p = target.paragraphs[0] if i == 0 else target.add_paragraph()
                run = p.add_run(line)
                if row.kind in ("header", "heading"):
                    run.bold = True
                if row.kind in ("header", "numbers"):
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if cell.auto:
                p_pr = target.paragraphs[0]._p.get_or_add_pPr()
                p_pr.insert(
                    0,
                    parse_xml(
                        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/>'
                        f'<w:numId w:val="{num_id}"/></w:numPr>'
                    ),
                )
    _set_widths(table, doc, Cm)
    for line in doc.closing:
        document.add_paragraph(line)
    # A fixed creation time keeps regenerated files byte-stable apart from the zip dates.
    document.core_properties.author = doc.issuer
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def _set_widths(table: Any, doc: Doc, cm: Callable[[float], Any]) -> None:
    """Column widths as an office sets them: a narrow STT, a wide content column."""
    fixed = {"stt": 1.2, "task": 6.5, "time": 2.6, "note": 2.0, "product": 2.6}
    rest = [k for k, _l in doc.columns if k not in fixed]
    left = 17.0 - sum(fixed[k] for k, _l in doc.columns if k in fixed)
    widths = [fixed.get(k, left / max(len(rest), 1)) for k, _l in doc.columns]
    table.autofit = False
    for i, width in enumerate(widths):
        table.columns[i].width = cm(width)
        for cell in table.columns[i].cells:
            cell.width = cm(width)


def _text_cells(row: Row, *, html: bool) -> list[str]:
    out: list[str] = []
    for cell in row.cells:
        text = f"{cell.number}." if cell.auto and cell.number else cell.text
        lines = [line for line in text.split("\n") if line]
        joined = ("<br>" if html else " ").join(lines)
        if html and row.kind == "heading" and joined:
            joined = f"<b>{joined}</b>"
        out.append(joined)
        out.extend([""] * (cell.span - 1))
    return out


def _front(doc: Doc) -> list[str]:
    lines = [*([doc.parent] if doc.parent else []), *doc.issuer_lines]
    lines += ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", ""]
    lines += [doc.number, "", doc.place_date, ""]
    lines += [*doc.title_lines, ""]
    for para in doc.preamble:
        lines += [para, ""]
    lines += [doc.section_heading, ""]
    return lines


def write_tab_text(doc: Doc, path: Path, *, encoding: str = "utf-8", html: bool = True) -> None:
    """The table as tab-separated cells (a converter's output), HTML remnants in headings."""
    lines = _front(doc)
    for row in doc.rows:
        lines.append("\t".join(_text_cells(row, html=html)))
    lines += ["", *doc.closing]
    path.write_text("\n".join(lines) + "\n", encoding=encoding)


def write_pipe_text(doc: Doc, path: Path) -> None:
    """The table as a markdown pipe table; multi-line cells joined with <br>."""
    lines = _front(doc)
    header = True
    for row in doc.rows:
        lines.append("| " + " | ".join(_text_cells(row, html=True)) + " |")
        if header:
            lines.append("|" + "|".join("---" for _ in doc.columns) + "|")
            header = False
    lines += ["", *doc.closing]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def soffice(args: list[str], outdir: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                *args,
                "--outdir",
                str(outdir),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )


def convert(source: Path, target: Path, filter_: str) -> None:
    """``soffice --convert-to`` ``source`` into ``target`` (renamed to its final name)."""
    with tempfile.TemporaryDirectory() as out:
        soffice(["--convert-to", filter_, str(source)], Path(out))
        produced = [p for p in Path(out).iterdir() if p.is_file()]
        assert len(produced) == 1, produced
        shutil.move(str(produced[0]), target)


def scanned_pdf(source_pdf: Path, target: Path) -> None:
    """An image-only PDF, as a scanner makes: each page a JPEG, no text layer."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            ["pdftoppm", "-r", "70", "-gray", "-jpeg", str(source_pdf), f"{out}/page"],
            check=True,
        )
        pages = sorted(Path(out).glob("page*.jpg"))
        images = [p.read_bytes() for p in pages]
    target.write_bytes(_image_pdf(images))


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            h = int.from_bytes(data[i + 5 : i + 7], "big")
            w = int.from_bytes(data[i + 7 : i + 9], "big")
            return w, h
        i += 2 + length
    raise ValueError("not a JPEG")


def _image_pdf(images: list[bytes]) -> bytes:
    objects: list[bytes] = []
    kids = []
    for n, data in enumerate(images):
        w, h = _jpeg_size(data)
        page_no, content_no, image_no = 3 + 3 * n, 4 + 3 * n, 5 + 3 * n
        kids.append(f"{page_no} 0 R")
        stream = f"q 595 0 0 842 0 0 cm /Im{n} Do Q".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content_no} 0 R "
            f"/Resources << /XObject << /Im{n} {image_no} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray "
            f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(data)} >>\nstream\n".encode()
            + data
            + b"\nendstream"
        )
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(images)} >>".encode(),
    ]
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, obj in enumerate(head + objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    body += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(offsets) + 1,
        xref,
    )
    return body


def write_expected(path: Path, data: dict[str, Any]) -> None:
    """JSON with one task per line, so a reader can check each against its row."""
    parts = ["{", f' "document": {json.dumps(data["document"], ensure_ascii=False)},']
    if "refused" in data:
        parts.append(f' "refused": {json.dumps(data["refused"], ensure_ascii=False)}')
    else:
        parts.append(' "tasks": [')
        tasks = [f"  {json.dumps(t, ensure_ascii=False)}" for t in data["tasks"]]
        parts.append(",\n".join(tasks))
        parts.append(" ]")
    parts.append("}")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


@dataclass
class Entry:
    """A document and the forms it is written in besides .docx (".pdf", ".tab.txt", …)."""

    doc: Doc
    forms: tuple[str, ...] = ()


def build(documents: Sequence[Entry], office: bool = True) -> None:
    """Write every document and its forms into this directory."""
    for spec in documents:
        doc = spec.doc
        base = HERE / doc.name
        docx_path = base.with_suffix(".docx")
        write_docx(doc, docx_path)
        expected = doc.expected_json()
        write_expected(HERE / f"{doc.name}.docx.expected.json", expected)
        for form in spec.forms:
            target = HERE / f"{doc.name}{form}"
            data = expected
            if form == ".tab.txt":
                write_tab_text(doc, target)
            elif form == ".utf16.txt":
                write_tab_text(doc, target, encoding="utf-16", html=False)
            elif form == ".md":
                write_pipe_text(doc, target)
            elif not office:
                continue
            elif form == ".lo.docx":
                with tempfile.TemporaryDirectory() as tmp:
                    copy = Path(tmp) / f"{doc.name}.docx"
                    shutil.copy(docx_path, copy)
                    convert(copy, target, "docx:MS Word 2007 XML")
            elif form == ".lo.txt":
                convert(docx_path, target, "txt:Text (encoded):UTF8")
            elif form == ".pdf":
                convert(docx_path, target, "pdf")
            elif form == ".scan.pdf":
                with tempfile.TemporaryDirectory() as tmp:
                    pdf = Path(tmp) / "text.pdf"
                    convert(docx_path, pdf, "pdf")
                    scanned_pdf(pdf, target)
                data = refusal(expected, SCANNED_MESSAGE)
            elif form == ".doc":
                convert(docx_path, target, "doc:MS Word 97")
                data = refusal(expected, DOC_MESSAGE)
            elif form == ".doc.docx":
                # A .doc someone renamed to .docx.
                with tempfile.TemporaryDirectory() as tmp:
                    doc_file = Path(tmp) / f"{doc.name}.doc"
                    convert(docx_path, doc_file, "doc:MS Word 97")
                    shutil.move(str(doc_file), target)
                data = refusal(expected, DOC_MESSAGE)
            else:
                raise ValueError(form)
            write_expected(HERE / f"{doc.name}{form}.expected.json", data)


# What a refusal must say (any one of the fragments, compared without case or tone marks).
DOC_MESSAGE = ["Lưu lại thành .docx rồi nhập"]
SCANNED_MESSAGE = ["bản quét", "không có lớp chữ", "không có chữ"]


def refusal(expected: dict[str, Any], fragments: list[str]) -> dict[str, Any]:
    return {"document": expected["document"], "refused": {"message_any": fragments}}
