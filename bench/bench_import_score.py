"""Benchmark: the importer's score on the 2026 plan corpus (tests/data/plans), per document.

Prints, for each document, tasks exactly right / total and the import time, then the total
score and the time of importing the reference plan in the same run (the baseline: the plan the
importer was first written for). Target (issue 10): >= 95% of tasks exactly right, no document
refused but those that must be, no crash.
Run: .venv/bin/python -m bench.bench_import_score [-v]   (-v lists every wrong task)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from reminder import importer
from reminder.names import NameIndex
from tests.import_score import score_corpus

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "plans" / "nguyen-binh-2025.docx"


def main_bench(verbose: bool = False) -> None:
    began = time.perf_counter()
    score = score_corpus()
    elapsed = time.perf_counter() - began
    print("--- bench_import_score ---")
    width = max(len(d.name) for d in score.documents)
    for d in score.documents:
        state = "crash" if d.crash else "refused" if d.refused else ""
        header = "" if not d.header_wrong else "  header: " + "; ".join(d.header_wrong)
        print(
            f"{d.name:<{width}}  {d.right:>3}/{d.total:<3} {d.ratio:6.1%}  "
            f"{d.seconds * 1000:7.1f} ms  {state}{header}"
        )
        if verbose:
            for problem in d.problems:
                print(f"    {problem}")
    imported = [d for d in score.documents if not d.refused and not d.crash]
    print(
        f"total: {score.right}/{score.total} tasks exactly right = {score.ratio:.1%}; "
        f"headers right {sum(1 for d in imported if not d.header_wrong)}/{len(imported)}; "
        f"{sum(1 for d in score.documents if d.crash)} crashes; "
        f"{len(score.documents)} documents in {elapsed:.2f} s"
    )
    if REFERENCE.exists():
        began = time.perf_counter()
        importer.import_plan(REFERENCE, NameIndex())
        reference = time.perf_counter() - began
        per_doc = elapsed / len(score.documents)
        print(
            f"baseline: reference plan import {reference * 1000:.1f} ms; "
            f"corpus mean {per_doc * 1000:.1f} ms/document ({per_doc / reference:.1f}×)"
        )


if __name__ == "__main__":
    main_bench("-v" in sys.argv[1:])
