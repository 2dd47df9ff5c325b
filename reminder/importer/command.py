"""``reminder import-plan``: import a document into the config directory, or show (``--dry-run``)
what the import understood.

Nothing is written unless the whole result is valid: the new plan and units are first checked
in a scratch copy of the config directory, with the same checks as ``reminder check``. A failed
import leaves the config directory as it was.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from reminder.errors import Problem


def run(args: argparse.Namespace) -> int:
    """Import ``args.file``; the exit code (0 ok, 1 failed, 2 invalid configuration)."""
    from reminder import config, importer
    from reminder.cli import EXIT_FAILED, EXIT_INVALID, EXIT_OK, print_problems
    from reminder.importer import summary

    directory = config.config_dir_from(args.config_dir)
    units_path = directory / "units.toml"
    existing, problems = config.load_directory(directory)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print("units.toml có lỗi; sửa trước khi nhập kế hoạch:", file=sys.stderr)
        print_problems(errors)
        return EXIT_INVALID
    index = config.build_index(existing)
    result = importer.import_plan(
        args.file,
        index,
        year=args.year,
        existing_ids=[*existing.units, *existing.groups],
        columns=args.columns,
    )
    target = directory / f"plan-{result.year}.toml"
    summary.print_summary(result, target, dry_run=args.dry_run)
    if args.dry_run:
        print("(--dry-run: không ghi tệp nào)")
        return EXIT_OK
    if target.exists() and not args.force:
        print(
            f"LỖI: {target} đã có. Thêm --force để ghi đè (bản cũ được giữ ở {target.name}.bak),"
            " hoặc nhập vào thư mục khác bằng --config-dir.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    plan_text = importer.plan_toml(result)
    old_units = units_path.read_text(encoding="utf-8") if units_path.exists() else ""
    units_text = importer.add_units(old_units, result.new_units) if result.new_units else None
    refused = _check_before_writing(directory, target.name, plan_text, units_text)
    if refused:
        print("Kế hoạch nhập được nhưng chưa hợp lệ; không ghi tệp nào:", file=sys.stderr)
        print_problems(refused)
        return EXIT_INVALID
    directory.mkdir(parents=True, exist_ok=True)
    if target.exists():
        importer.write_atomic(target.with_suffix(".toml.bak"), target.read_text(encoding="utf-8"))
    if units_text is not None or not units_path.exists():
        importer.write_atomic(units_path, units_text if units_text is not None else old_units)
    importer.write_atomic(target, plan_text)
    print(
        f"Đã ghi {target}"
        + (
            f" và thêm {len(result.new_units)} đơn vị/nhóm vào {units_path}"
            if result.new_units
            else ""
        )
    )
    print("Kiểm tra cấu hình: hợp lệ. Xem lại bằng: reminder plan --config-dir " + str(directory))
    return EXIT_OK


def _check_before_writing(
    directory: Path, plan_name: str, plan_text: str, units_text: str | None
) -> list[Problem]:
    """The errors ``reminder check`` would report after the import, from a scratch copy."""
    from reminder import config

    with tempfile.TemporaryDirectory(prefix="reminder-import-") as scratch:
        trial = Path(scratch) / "config"
        if directory.is_dir():
            shutil.copytree(directory, trial, ignore=shutil.ignore_patterns("*.bak", ".*"))
        else:
            trial.mkdir()
        (trial / plan_name).write_text(plan_text, encoding="utf-8")
        if units_text is not None:
            (trial / "units.toml").write_text(units_text, encoding="utf-8")
        elif not (trial / "units.toml").exists():
            (trial / "units.toml").write_text("", encoding="utf-8")
        _, problems = config.validate(trial)
    errors = [p for p in problems if p.severity == "error"]
    # Name the real files, not the scratch copy, in what the administrator reads.
    return [
        Problem(
            p.severity,
            p.message,
            file=directory / p.file.name if p.file is not None else None,
            line=p.line,
            key=p.key,
            hint=p.hint,
        )
        for p in errors
    ]
