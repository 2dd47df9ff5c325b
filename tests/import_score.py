"""Scores the importer on the plan corpus in tests/data/plans (see its README.md).

Each document ``<file>`` has ``<file>.expected.json``: the plan's title, issuer and year, and
either every task (title, lead, support, unassigned, period) or the refusal it must get. A task
is *exactly right* when its title, its lead units, its support units, its unassigned names and
its period (start, every due date, recurrence) all match. Unit names are compared through
``reminder.names.name_key`` against the name (and aliases) the import gave the unit it assigned.
Imported tasks are matched to expected ones by order and title (difflib over the titles), so a
missing or an extra task costs only itself; an extra task (a heading read as a task) counts as
one wrong task.

The score is right / (expected tasks + extra tasks + expected refusals), per document and in
total. A refusal is right when the import raised a ``ReminderError`` whose message contains one
of the expected fragments (compared without case or tone marks).

``imported_view`` is the one place that knows how an imported task records its period and
units; change it when the importer's output gains fields (several due dates, recurrence, groups).
"""

from __future__ import annotations

import difflib
import json
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from reminder import importer
from reminder.errors import ReminderError
from reminder.names import NameIndex, fold, name_key
from reminder.plan import quarter_window

CORPUS = Path(__file__).resolve().parent / "data" / "plans"
EXPECTED_SUFFIX = ".expected.json"


# --- the importer-independent form -----------------------------------------------------------


@dataclass(frozen=True)
class PeriodView:
    """A task's period: opens on ``start``, due on each of ``due``; ``recurring`` names the
    rhythm ("ongoing", "monthly", "quarterly") or is None."""

    start: str
    due: tuple[str, ...]
    recurring: str | None

    def __str__(self) -> str:
        rec = f" ({self.recurring})" if self.recurring else ""
        return f"{self.start} → {', '.join(self.due)}{rec}"


@dataclass(frozen=True)
class TaskView:
    """A task reduced to what is scored; unit entries are the sets of names a unit goes by."""

    title: str
    lead: tuple[tuple[str, ...], ...]
    support: tuple[tuple[str, ...], ...]
    unassigned: tuple[str, ...]
    period: PeriodView


@dataclass(frozen=True)
class HeaderView:
    title: str
    issuer: str
    year: int


def _iso(value: object) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value:
        return value
    return None


def imported_view(task: Mapping[str, Any], year: int, names: Mapping[str, list[str]]) -> TaskView:
    """The scored view of one task of ``ImportResult.tasks``; ``names`` maps a unit or group id
    to the names it goes by. Without explicit dates a task's window is its quarter."""
    q_start, q_end = quarter_window(year, int(task.get("quarter") or 1))
    start = _iso(task.get("start")) or q_start.isoformat()
    # ``milestones`` are the due dates before ``due`` (several deadlines in one cell).
    last_due = _iso(task.get("due")) or q_end.isoformat()
    earlier = [d for d in (_iso(v) for v in task.get("milestones") or ()) if d]
    dues = (*earlier, last_due)
    recurring = task.get("recurring") or task.get("repeat")

    def units(ids: Iterable[str]) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(names.get(i) or [i]) for i in ids)

    return TaskView(
        title=str(task.get("title", "")),
        lead=units(task.get("lead", ())),
        support=units(task.get("support", ())),
        unassigned=tuple(task.get("unassigned", ())),
        period=PeriodView(start, dues, str(recurring) if recurring else None),
    )


def _result_names(result: importer.ImportResult) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    created: list[Any] = [*result.new_units, *getattr(result, "new_groups", [])]
    for unit in created:
        aliases = list(getattr(unit, "aliases", ()) or ())
        names[unit.id] = [unit.name, *aliases, unit.id]
    return names


def expected_view(task: Mapping[str, Any]) -> TaskView:
    period = task["period"]
    return TaskView(
        title=task["title"],
        lead=tuple((n,) for n in task["lead"]),
        support=tuple((n,) for n in task["support"]),
        unassigned=tuple(task.get("unassigned", ())),
        period=PeriodView(period["start"], tuple(period["due"]), period.get("recurring")),
    )


# --- comparing -----------------------------------------------------------------------------


def title_key(text: str) -> str:
    """Titles are compared as written, ignoring case, spacing, bullets and end punctuation."""
    text = unicodedata.normalize("NFC", " ".join(text.split())).casefold()
    return text.lstrip("-–•*+ ").rstrip(" .;:,")


def _units_match(expected: Sequence[tuple[str, ...]], got: Sequence[tuple[str, ...]]) -> bool:
    """Each expected name is one of the got units (by name_key), one to one."""
    if len(expected) != len(got):
        return False
    left = [{name_key(n) for n in unit} for unit in got]
    for (name,) in expected:
        key = name_key(name)
        found = next((i for i, keys in enumerate(left) if key in keys), None)
        if found is None:
            return False
        left.pop(found)
    return True


def task_differences(expected: TaskView, got: TaskView) -> list[str]:
    """What is wrong in ``got`` (empty when the task is exactly right), in words."""
    wrong: list[str] = []
    if title_key(expected.title) != title_key(got.title):
        wrong.append(f"title: {got.title!r} ≠ {expected.title!r}")
    for role in ("lead", "support"):
        exp, g = getattr(expected, role), getattr(got, role)
        if not _units_match(exp, g):
            shown = [u[0] for u in g]
            wrong.append(f"{role}: {shown} ≠ {[u[0] for u in exp]}")
    if sorted(name_key(n) for n in expected.unassigned) != sorted(
        name_key(n) for n in got.unassigned
    ):
        wrong.append(f"unassigned: {list(got.unassigned)} ≠ {list(expected.unassigned)}")
    if expected.period != got.period:
        wrong.append(f"period: {got.period} ≠ {expected.period}")
    return wrong


def header_differences(expected: HeaderView, got: HeaderView) -> list[str]:
    wrong = []
    exp_title = title_key(expected.title).removeprefix("kế hoạch").strip()
    got_title = title_key(got.title).removeprefix("kế hoạch").strip()
    if exp_title != got_title:
        wrong.append(f"title: {got.title!r} ≠ {expected.title!r}")
    if name_key(expected.issuer) != name_key(got.issuer):
        wrong.append(f"issuer: {got.issuer!r} ≠ {expected.issuer!r}")
    if expected.year != got.year:
        wrong.append(f"year: {got.year} ≠ {expected.year}")
    return wrong


def match_tasks(
    expected: Sequence[TaskView], got: Sequence[TaskView]
) -> list[tuple[TaskView | None, TaskView | None]]:
    """Pairs (expected, got) by order and title; None where one side has no counterpart."""
    matcher = difflib.SequenceMatcher(
        None, [title_key(t.title) for t in expected], [title_key(t.title) for t in got]
    )
    pairs: list[tuple[TaskView | None, TaskView | None]] = []
    for _op, a0, a1, b0, b1 in matcher.get_opcodes():
        left, right = list(expected[a0:a1]), list(got[b0:b1])
        for i in range(max(len(left), len(right))):
            pairs.append((left[i] if i < len(left) else None, right[i] if i < len(right) else None))
    return pairs


# --- scoring -------------------------------------------------------------------------------


@dataclass
class DocumentScore:
    """How one document fared."""

    name: str
    right: int
    total: int
    seconds: float
    header_wrong: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per wrong task or refusal
    refused: str | None = None  # the ReminderError message, when the import refused
    crash: str | None = None  # any other exception: never acceptable

    @property
    def ratio(self) -> float:
        return self.right / self.total if self.total else 1.0


@dataclass
class CorpusScore:
    documents: list[DocumentScore]

    @property
    def right(self) -> int:
        return sum(d.right for d in self.documents)

    @property
    def total(self) -> int:
        return sum(d.total for d in self.documents)

    @property
    def ratio(self) -> float:
        return self.right / self.total if self.total else 1.0

    @property
    def headers_right(self) -> int:
        return sum(1 for d in self.documents if not d.header_wrong)


def corpus_documents(directory: Path = CORPUS) -> list[Path]:
    """Every document of the corpus (a file with an expected JSON beside it), sorted."""
    return sorted(
        p.with_name(p.name.removesuffix(EXPECTED_SUFFIX))
        for p in directory.glob(f"*{EXPECTED_SUFFIX}")
    )


def load_expected(document: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        document.with_name(document.name + EXPECTED_SUFFIX).read_text(encoding="utf-8")
    )
    return data


def score_result(
    name: str,
    expected: Mapping[str, Any],
    result: importer.ImportResult | None,
    error: BaseException | None,
    seconds: float = 0.0,
) -> DocumentScore:
    """Scores one import outcome (a result, or the exception it raised) against ``expected``."""
    head = expected["document"]
    exp_header = HeaderView(head["title"], head["issuer"], int(head["year"]))
    refusal = expected.get("refused")
    if refusal is not None:
        fragments = [fold(f) for f in refusal["message_any"]]
        score = DocumentScore(name, 0, 1, seconds)
        if isinstance(error, ReminderError):
            score.refused = str(error)
            if any(f in fold(str(error)) for f in fragments):
                score.right = 1
            else:
                score.problems.append(f"refused without {refusal['message_any']}: {error}")
        elif error is not None:
            score.crash = f"{type(error).__name__}: {error}"
            score.problems.append(f"crash: {score.crash}")
        else:
            score.problems.append("imported, but must be refused")
        return score

    exp_tasks = [expected_view(t) for t in expected["tasks"]]
    if result is None:
        score = DocumentScore(name, 0, len(exp_tasks), seconds)
        if isinstance(error, ReminderError):
            score.refused = str(error)
            score.problems.append(f"refused: {error}")
        else:
            score.crash = f"{type(error).__name__}: {error}"
            score.problems.append(f"crash: {score.crash}")
        return score

    names = _result_names(result)
    got = [imported_view(t, result.year, names) for t in result.tasks]
    score = DocumentScore(name, 0, 0, seconds)
    score.header_wrong = header_differences(
        exp_header, HeaderView(result.title, result.issuer, result.year)
    )
    for number, (exp, g) in enumerate(match_tasks(exp_tasks, got), start=1):
        score.total += 1
        if exp is None:
            assert g is not None
            score.problems.append(f"extra task {g.title[:60]!r}")
            continue
        if g is None:
            score.problems.append(f"#{number} missing {exp.title[:60]!r}")
            continue
        wrong = task_differences(exp, g)
        if wrong:
            score.problems.append(f"#{number} {exp.title[:50]!r}: " + "; ".join(wrong))
        else:
            score.right += 1
    return score


def score_document(document: Path) -> DocumentScore:
    """Imports ``document`` with no units known (an empty units.toml) and scores it."""
    expected = load_expected(document)
    began = time.perf_counter()
    result: importer.ImportResult | None = None
    error: BaseException | None = None
    try:
        result = importer.import_plan(document, NameIndex())
    except Exception as exc:  # scored: a crash is reported, never hidden
        error = exc
    seconds = time.perf_counter() - began
    return score_result(document.name, expected, result, error, seconds)


def score_corpus(directory: Path = CORPUS) -> CorpusScore:
    return CorpusScore([score_document(p) for p in corpus_documents(directory)])
