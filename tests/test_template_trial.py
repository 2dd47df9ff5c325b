"""``reminder check`` fills in every overridden digest and page template for a sample world
(``reminder.trial``): a template that parses but fails when filled in — a misspelt field
inside a loop, a variable the program never passes — is an error naming the file, the line
and what to do, before the digest goes out or the page is served."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reminder import config, templating
from tests.conftest import CliResult
from tests.test_templates import builtin_source

PAGES = [n for n in templating.builtin_names() if n.startswith("web/")]
DIGEST = ["email/digest.subject.txt", "email/digest.txt", "email/digest.html"]


def _with_overrides(config_copy: Path, overrides: dict[str, str]) -> Path:
    directory = config_copy.parent / "mau"
    for name, text in overrides.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    settings = config_copy / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(f'templates_dir = "{directory}"\n{text}', encoding="utf-8")
    return directory


def _broken(name: str, source: str) -> tuple[str, int]:
    """``source`` with a variable nobody passes where it is always rendered; and its line."""
    marker = "{{ khong_co_bien }}"
    if "{% block body %}" in source and "{% extends" in source:
        text = source.replace("{% block body %}", "{% block body %}" + marker, 1)
    elif name == "web/base.html":
        text = source.replace("<body>\n", "<body>\n" + marker, 1)
    else:
        text = marker + source
    assert text != source
    return text, text[: text.index(marker)].count("\n") + 1


def _errors(config_dir: Path) -> list[str]:
    loaded, problems = config.validate(config_dir)
    errors = [p.format() for p in problems if p.severity == "error"]
    assert (loaded is None) == bool(errors)
    return errors


def test_unchanged_copies_of_every_template_pass(config_copy: Path) -> None:
    every = {n: builtin_source(n) for n in templating.builtin_names()}
    _with_overrides(config_copy, every)
    assert _errors(config_copy) == []


@pytest.mark.parametrize("name", [*PAGES, *DIGEST])
def test_each_page_and_digest_template_is_filled_in(name: str, config_copy: Path) -> None:
    text, line = _broken(name, builtin_source(name))
    directory = _with_overrides(config_copy, {name: text})
    errors = _errors(config_copy)
    assert len(errors) == 1, errors
    # A page including an overridden part fails in the part: the part is named, not the page.
    assert errors[0].startswith(f"{directory / name}:{line}: LỖI: mẫu {name} lỗi khi thử điền")
    assert 'không có biến "khong_co_bien"' in errors[0]
    assert f"so với bản gốc reminder/templates/{name}" in errors[0]


def test_a_misspelt_field_inside_a_loop_is_found_because_the_sample_fills_the_lists(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    digest = builtin_source("email/digest.html").replace("{{ f.error }}", "{{ f.eror }}")
    board = builtin_source("web/board.html").replace("p.until | vn_date", "p.untill | vn_date")
    text = builtin_source("email/digest.txt")
    due_soon = text.replace("{{ t.title }}", "{{ t.titel }}", 1)
    assert digest.count("f.eror") == board.count("p.untill") == due_soon.count("t.titel") == 1
    directory = _with_overrides(
        config_copy,
        {"email/digest.html": digest, "web/board.html": board, "email/digest.txt": due_soon},
    )
    code, out, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    lines = sorted(line for line in err.splitlines() if "LỖI" in line)
    assert len(lines) == 3, err
    for line, name, field in zip(
        lines,
        ["email/digest.html", "email/digest.txt", "web/board.html"],
        ["eror", "titel", "untill"],
        strict=True,
    ):
        source = (directory / name).read_text(encoding="utf-8")
        at = source[: source.index(field)].count("\n") + 1
        assert line.startswith(f"{directory / name}:{at}: LỖI: mẫu {name} lỗi khi thử điền")
        assert f'không có trường "{field}"' in line
        assert f'sửa "{field}" cho đúng tên trường' in line
    assert "báo cáo tuần mẫu" in lines[0]
    assert re.search(r"bảng theo dõi /: không có trường \"untill\" \(trong Pause\)", lines[2])
    assert "Traceback" not in out + err


def test_nothing_is_tried_without_a_page_or_digest_override(
    config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reminder import trial

    def fail(*args: object) -> None:
        raise AssertionError("trial world made")

    monkeypatch.setattr(trial._World, "make", fail)
    _with_overrides(config_copy, {"email/reminder.txt": builtin_source("email/reminder.txt")})
    assert _errors(config_copy) == []


def test_a_reload_inside_the_services_event_loop_tries_the_pages_too(config_copy: Path) -> None:
    # The service validates a changed directory from a coroutine: the trial must still run
    # (its requests go through an event loop of their own).
    text, line = _broken("web/board.html", builtin_source("web/board.html"))
    _with_overrides(config_copy, {"web/board.html": text})

    async def reload() -> list[str]:
        return _errors(config_copy)

    (error,) = asyncio.run(reload())
    assert f"board.html:{line}: LỖI: mẫu web/board.html lỗi khi thử điền" in error


def test_a_trial_that_cannot_be_made_is_a_warning_not_a_traceback(
    config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    # The temporary directory cannot be made (a full /tmp): the configuration stays usable.
    monkeypatch.setattr("reminder.trial.tempfile.TemporaryDirectory", full)
    _with_overrides(config_copy, {"web/board.html": builtin_source("web/board.html")})
    loaded, problems = config.validate(config_copy)
    assert loaded is not None
    (warning,) = [p for p in problems if "không điền thử được" in p.message]
    assert warning.severity == "warning"
    assert "No space left on device" in warning.message
    assert "TMPDIR" in (warning.hint or "")
