"""Benchmark: the file channel's ``.eml`` files, composed by ``WireComposer`` (the email
channel's bytes) against the ``email.mime`` message flattened with ``bytes()`` (what it wrote
before), measured in the same run.

- CPU per message of making the ``.eml`` bytes, one thread, interleaved rounds: ``bytes(
  build_email(m, smtp))`` (the baseline) and ``WireComposer.compose(m).data`` (the channel).
- A whole write of N messages through ``FileChannel`` (``.eml`` + ``.json``, each fsynced,
  four at a time as a pass writes them) into a temporary outbox, against the same channel
  writing the baseline bytes: the fsyncs dominate, so the ratio there is near 1.

Target: composing at most half the baseline's CPU per message (the email channel's figure
was about a fifth). Run: .venv/bin/python -m bench.bench_file_channel [--messages 2000]
[--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.bench_delivery import _messages
from reminder.channels.base import Message
from reminder.channels.email_mime import WireComposer, build_email
from reminder.channels.file import FileChannel
from reminder.settings import SmtpSettings

SMTP = SmtpSettings(sender="Nhắc việc <nhac-viec@huyen.example>", reply_to="vp@huyen.example")


def compose_costs(messages: list[Message], rounds: int) -> tuple[list[float], list[float]]:
    """µs of CPU per message, per round: (baseline, composer)."""
    composer = WireComposer(SMTP)

    def baseline() -> None:
        for m in messages:
            bytes(build_email(m, SMTP))

    def ours() -> None:
        for m in messages:
            wire = composer.compose(m)
            assert wire is not None
            wire.data  # noqa: B018 - what the channel writes

    out: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for costs, part in zip(out, (baseline, ours), strict=True):
            start = time.process_time()
            part()
            costs.append((time.process_time() - start) * 1e6 / len(messages))
    return out


class _Baseline(FileChannel):
    """The channel writing what it wrote before: the flattened ``email.mime`` message."""

    def __init__(self, outbox: Path) -> None:
        super().__init__(outbox, SMTP, 4)
        self._composer = _MimeComposer(SMTP)


class _MimeComposer(WireComposer):
    def compose(self, message: Message) -> object:  # type: ignore[override]
        return _Data(bytes(build_email(message, self.smtp)))


class _Data:
    def __init__(self, data: bytes) -> None:
        self.data = data


def write_seconds(make: Callable[[Path], FileChannel], messages: list[Message]) -> float:
    """Wall seconds to write ``messages`` through the channel, four at a time."""
    with tempfile.TemporaryDirectory() as tmp:
        channel = make(Path(tmp) / "outbox")

        async def run() -> None:
            await channel.open()
            slots = asyncio.Semaphore(4)

            async def one(m: Message) -> None:
                async with slots:
                    await channel.send(m)

            await asyncio.gather(*(one(m) for m in messages))

        start = time.perf_counter()
        asyncio.run(run())
        return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_file_channel")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    messages = _messages(args.messages)
    base, ours = compose_costs(messages, args.rounds)
    ratios = [o / b for o, b in zip(ours, base, strict=True)]
    print(f".eml bytes, CPU per message ({args.messages} messages, {args.rounds} rounds):")
    print(f"  bytes(build_email) (baseline): {statistics.median(base):7.1f} µs")
    print(f"  WireComposer.compose (channel): {statistics.median(ours):7.1f} µs")
    print(
        f"  ratio channel/baseline: median {statistics.median(ratios):.2f}"
        f" (range {min(ratios):.2f}–{max(ratios):.2f}); target ≤ 0.5"
    )
    old = write_seconds(_Baseline, messages)
    new = write_seconds(lambda p: FileChannel(p, SMTP, 4), messages)
    print(f"FileChannel writing {args.messages} messages (.eml + .json, fsynced, 4 at a time):")
    print(f"  baseline bytes: {old:.2f} s ({args.messages / old:.0f} msg/s)")
    print(f"  composer bytes: {new:.2f} s ({args.messages / new:.0f} msg/s); ratio {new / old:.2f}")


if __name__ == "__main__":
    main()
