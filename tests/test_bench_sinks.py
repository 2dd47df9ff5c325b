"""The delivery bench's relay-like SMTP sink: several processes share its port, and each
message is answered after the latency asked for (so the bench measures the client, not one
busy sink process)."""

from __future__ import annotations

import smtplib

from bench.sinks import relay


def test_relay_sink_spreads_connections_over_its_processes_and_answers_with_its_latency() -> None:
    served: set[str] = set()
    pids: list[int] = []
    with relay(2, 3, pids) as port:
        for i in range(24):  # one connection each: the kernel picks a process per connection
            with smtplib.SMTP("127.0.0.1", port) as conn:
                conn.ehlo()
                assert conn.mail("nv@huyen.example")[0] == 250
                assert conn.rcpt(f"u{i}@huyen.example")[0] == 250
                code, reply = conn.data(b"Subject: x\r\n\r\nx\r\n")
            assert code == 250
            words = reply.decode().split()
            assert words[:4] == ["OK", "queued", "by", words[3]]
            assert words[4:] == ["after", "3", "ms"]
            served.add(words[3])
    assert len(served) == 2  # 24 connections all to one of two processes: 1 in 8 million
    assert served == {str(pid) for pid in pids}  # the processes the bench reads the CPU of
