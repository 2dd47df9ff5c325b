"""Addresses the email channel refuses are refused by ``reminder check`` first: a unit's
address with tone marks or an IDN domain not in punycode is an error naming the unit, the file,
the line and the address to write instead; the same for the settings' own addresses. What
``check`` accepts is exactly what the email channel's composer sends."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reminder import checks
from reminder.channels.base import Message, Receipt
from reminder.channels.email import EmailChannel
from reminder.channels.email_mime import WireComposer
from reminder.settings import SmtpSettings
from tests.conftest import CliResult
from tests.helpers import send_by_email
from tests.servers import SmtpServer


def _replace(path: Path, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in ``path``; the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_a_units_address_with_tone_marks_or_an_idn_domain_is_an_error_naming_where(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    units = config_copy / "units.toml"
    tones = _replace(units, "phong-noi-vu@nguyenbinh.example", "vănthư@nguyenbinh.example")
    idn = _replace(units, "vp-hdnd-ubnd@nguyenbinh.example", "vp-hdnd@nguyênbình.vn")
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    assert re.search(
        rf'units.toml:{tones}: LỖI: \[units\[1\]\.email\] đơn vị "phong-noi-vu": địa chỉ thư'
        r' "vănthư@nguyenbinh.example" có chữ có dấu.*không dấu \(hỏi lại chủ hộp thư cho'
        r' đúng\): có thể là "vanthu@nguyenbinh.example"',
        err,
    )
    # The domain's punycode is the same domain: the hint gives the address to write.
    punycode = "nguyênbình".encode("idna").decode()
    assert re.search(
        rf'units.toml:{idn}: LỖI: \[units\[2\]\.email\] đơn vị "vp-hdnd-ubnd": .*'
        rf'punycode xn-- \(vẫn là tên miền đó\): "vp-hdnd@{punycode}.vn"',
        err,
    )
    assert "Traceback" not in err


def test_json_findings_carry_file_line_key_and_hint(
    cli: Callable[..., CliResult], config_copy: Path
) -> None:
    units = config_copy / "units.toml"
    line = _replace(units, "phong-noi-vu@nguyenbinh.example", "noi-vu@xã.vn")
    code, out, _ = cli("check", "--config-dir", str(config_copy), "--format", "json")
    assert code == 2
    found = [f for f in json.loads(out) if "noi-vu@xã.vn" in f["message"]]
    assert len(found) == 1
    assert (found[0]["file"], found[0]["line"], found[0]["key"], found[0]["severity"]) == (
        str(units),
        line,
        "units[1].email",
        "error",
    )
    assert "noi-vu@xn--x-yfa.vn" in found[0]["hint"]


def test_the_settings_own_addresses_are_checked_the_same_way(
    cli: Callable[..., CliResult], config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _replace(config_copy / "settings.toml", "cc = []", 'cc = ["phó-chủ-tịch@huyen.vn"]')
    monkeypatch.setenv("REMINDER_SMTP__SENDER", "Nhắc việc <nhac-viec@huyện.vn>")
    code, _, err = cli("check", "--config-dir", str(config_copy))
    assert code == 2
    assert re.search(r'settings.toml: LỖI: \[digest.cc\] địa chỉ thư "phó-chủ-tịch@huyen.vn"', err)
    assert 'có thể là "pho-chu-tich@huyen.vn"' in err
    # From the environment: the variable is named, not the file.
    assert re.search(r'^LỖI: \[REMINDER_SMTP__SENDER\] địa chỉ thư "nhac-viec@huyện.vn"', err, re.M)
    assert '"nhac-viec@xn--huyn-' in err


ADDRESSES = [
    "van-thu@xa.gov.vn",
    "VanThu+nhac@Xa.Gov.VN",
    "vănthư@xa.gov.vn",
    "vanthu@xã.gov.vn",
    "đoàn@xã.vn",
    "van\u200bthu@xa.vn",  # an invisible zero-width space pasted from a document
    "thư@例え.jp",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_check_refuses_exactly_what_the_composer_cannot_send(address: str) -> None:
    smtp = SmtpSettings(host="127.0.0.1", sender="nhac-viec@huyen.vn")
    message = Message("u/email/2026-04-01", "email", "u", "Xã", "Nhắc", "x", "", "",
                      "2026-04-01T08:05:00+07:00", emails=(address,))  # fmt: skip
    sendable = WireComposer(smtp).compose(message) is not None
    assert (checks.mail_address(address) is None) == sendable


def test_the_address_the_hint_gives_is_delivered_by_the_email_channel(
    smtp_server: SmtpServer,
) -> None:
    refused = [a for a in ADDRESSES if checks.mail_address(a) is not None]
    hints = [checks.mail_address(a) for a in refused]
    suggested = [m[-1] for h in hints if h and (m := re.findall(r'"([^"]+)"', h[1]))]
    assert len(suggested) == len(refused) == 5
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_server.port, security="none")
    messages = [
        Message(f"u{i}/email/2026-04-01", "email", f"u{i}", "Xã", "Nhắc", "x", "", "",
                "2026-04-01T08:05:00+07:00", emails=(address,))
        for i, address in enumerate(suggested)
    ]  # fmt: skip
    channel = EmailChannel(smtp, 1)
    results = send_by_email(channel, messages)
    assert all(isinstance(r, Receipt) for r in results.values()), results
    assert [e[1] for e in smtp_server.sink.envelopes] == [[a] for a in suggested]
    assert "vanthu@xn--x-yfa.gov.vn" in suggested
