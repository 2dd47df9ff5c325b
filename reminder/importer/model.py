"""The records the import steps pass to each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NotRequired, TypedDict

from reminder.errors import Problem
from reminder.timewords import When

Cell = str
Row = list[Cell]


@dataclass
class Table:
    """One table of a document: rows of cell texts, and what else is known about the rows.

    ``numbered`` holds the indexes of rows whose first cell carries Word auto-numbering
    (``w:numPr``): the number is not in the text, but the row is a task.
    ``lines`` maps a row index to its line in a text file, for messages.
    """

    rows: list[Row]
    numbered: set[int] = field(default_factory=set)
    lines: dict[int, int] = field(default_factory=dict)


@dataclass
class Document:
    """A plan document reduced to its lines of text and its tables, in document order.

    A table that turns out not to be a plan table (the header table with the issuer and the
    national motto side by side) is read as lines by ``layout.preamble_lines``.
    """

    path: Path
    blocks: list[str | Table]

    @property
    def tables(self) -> list[Table]:
        """The document's tables, in order."""
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass
class ImportedTask:
    """A task as read from the document, names not yet resolved."""

    quarter: int
    number: int | None
    title: str
    cells: dict[str, str]  # "units" (combined column), "lead", "support": raw cell text
    time: str | None = None
    line: int | None = None
    period: When | None = None  # the period of the heading the row is under (month, semester…)
    cell_ref: str = ""  # "bảng 1, dòng 5": where the row is, for messages


class TaskEntry(TypedDict):
    """One ``[[tasks]]`` table of ``plan-<year>.toml`` as the import writes it."""

    id: str
    quarter: int
    title: str
    lead: list[str]
    support: list[str]
    start: NotRequired[date]
    due: NotRequired[date]
    milestones: NotRequired[list[date]]
    recurring: NotRequired[str]
    time: NotRequired[str]
    unassigned: NotRequired[list[str]]


@dataclass
class NewUnit:
    """A unit or group the import had to create.

    ``members_to_fill``: a collective ("Các thôn, xóm") becomes a group whose members the
    administrator names; ``closest`` are the nearest existing names, for the summary.
    """

    id: str
    name: str
    closest: list[str]
    group: bool = False
    source: str = ""  # how it was recognised: "danh bạ", "chức danh", "nhóm", "" (new)
    aliases: list[str] = field(default_factory=list)


@dataclass
class Decision:
    """Something the importer was not sure of, shown by ``--dry-run``."""

    task: str
    kind: str  # "tách tên", "đoán vai trò", "đọc thời gian", "nhóm", "người"
    text: str


@dataclass
class ImportResult:
    """The plan read from a document, with the units created and the warnings."""

    title: str
    year: int
    issuer: str
    tasks: list[TaskEntry]
    new_units: list[NewUnit]
    warnings: list[Problem]
    source: Path
    decisions: list[Decision] = field(default_factory=list)
