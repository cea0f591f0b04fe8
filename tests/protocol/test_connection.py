"""Connection files: validation, endpoints, signer, file mode, key hiding."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notewire.protocol import (
    CHANNELS,
    ConnectionInfo,
    InvalidConnectionInfo,
    InvalidSignature,
    from_frames,
    make_message,
    new_key,
    read_connection_file,
    to_frames,
    write_connection_file,
)
from notewire.protocol.wire import Signer

GOOD = {
    "transport": "tcp",
    "ip": "127.0.0.1",
    "shell_port": 53794,
    "iopub_port": 53795,
    "stdin_port": 53796,
    "control_port": 53797,
    "hb_port": 53798,
    "key": "a0436f6c-1916-498b-8eb9-e81ab9368e84",
    "signature_scheme": "hmac-sha256",
    "kernel_name": "notewire",
}


def _info(**kw) -> ConnectionInfo:
    return ConnectionInfo.from_dict({**GOOD, **kw})


def test_channels() -> None:
    assert CHANNELS == ("shell", "iopub", "stdin", "control", "hb")


def test_from_dict_reads_every_field() -> None:
    info = ConnectionInfo.from_dict(GOOD)
    assert info.to_dict() == GOOD
    assert [info.port(ch) for ch in CHANNELS] == [53794, 53795, 53796, 53797, 53798]


def test_from_dict_defaults() -> None:
    minimal = {f"{ch}_port": 1000 + i for i, ch in enumerate(CHANNELS)}
    info = ConnectionInfo.from_dict(minimal)
    assert info.transport == "tcp"
    assert info.ip == "127.0.0.1"
    assert info.key == ""
    assert info.signature_scheme == "hmac-sha256"
    assert info.kernel_name == ""
    assert info.signer().sign([b"x"]) == b""  # no key: unsigned


def test_from_dict_ignores_unknown_fields() -> None:
    assert ConnectionInfo.from_dict({**GOOD, "jupyter_session": "x", "extra": [1]}) == _info()


@pytest.mark.parametrize(("port_a", "port_b"), [(0, 65535), (65535, 0)])
def test_port_bounds_are_inclusive(port_a: int, port_b: int) -> None:
    info = _info(shell_port=port_a, hb_port=port_b)
    assert (info.shell_port, info.hb_port) == (port_a, port_b)


def test_tcp_endpoints() -> None:
    info = _info()
    assert {ch: info.endpoint(ch) for ch in CHANNELS} == {
        "shell": "tcp://127.0.0.1:53794",
        "iopub": "tcp://127.0.0.1:53795",
        "stdin": "tcp://127.0.0.1:53796",
        "control": "tcp://127.0.0.1:53797",
        "hb": "tcp://127.0.0.1:53798",
    }
    assert _info(ip="*").endpoint("shell") == "tcp://*:53794"
    assert _info(ip="0.0.0.0").endpoint("hb") == "tcp://0.0.0.0:53798"
    assert _info(ip="localhost").endpoint("iopub") == "tcp://localhost:53795"


@pytest.mark.parametrize(
    ("ip", "endpoint"),
    [
        ("::1", "tcp://[::1]:53794"),
        ("fe80::1%eth0", "tcp://[fe80::1%eth0]:53794"),
        ("::", "tcp://[::]:53794"),
    ],
)
def test_tcp_ipv6_endpoints_are_bracketed(ip: str, endpoint: str) -> None:
    assert _info(ip=ip).endpoint("shell") == endpoint


def test_ipc_endpoints() -> None:
    info = _info(
        transport="ipc",
        ip="/tmp/kernel-abc",
        shell_port=1,
        iopub_port=2,
        stdin_port=3,
        control_port=4,
        hb_port=5,
    )
    assert [info.endpoint(ch) for ch in CHANNELS] == [
        "ipc:///tmp/kernel-abc-1",
        "ipc:///tmp/kernel-abc-2",
        "ipc:///tmp/kernel-abc-3",
        "ipc:///tmp/kernel-abc-4",
        "ipc:///tmp/kernel-abc-5",
    ]
    assert _info(transport="ipc", ip="kernel").endpoint("hb") == "ipc://kernel-53798"


@pytest.mark.parametrize("scheme", ["hmac-sha256", "hmac-sha512", "hmac-md5"])
def test_signer_uses_the_key_as_utf8_and_the_scheme(scheme: str) -> None:
    key = "clé-ключ-" + new_key()
    info = _info(key=key, signature_scheme=scheme)
    msg = make_message("status", {"execution_state": "idle"}, session="s")
    frames = to_frames(msg, Signer(key.encode("utf-8"), scheme))
    _, got = from_frames(frames, info.signer())
    assert got == msg
    with pytest.raises(InvalidSignature):
        from_frames(frames, _info(key=key + "x", signature_scheme=scheme).signer())


def test_new_key() -> None:
    keys = {new_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert re.fullmatch(r"[0-9a-f]{64}", key)  # 256 bits


def test_repr_hides_the_key() -> None:
    secret = "s3cr3t-" + new_key()
    info = _info(key=secret)
    for text in (repr(info), str(info), f"{info}", f"{info!r}", repr([info])):
        assert secret not in text
        assert secret[7:] not in text
        assert "<hidden>" in text
    assert "53794" in repr(info)
    assert "127.0.0.1" in repr(info)


# --- invalid -------------------------------------------------------------------------------


def _without(key: str) -> dict:
    return {k: v for k, v in GOOD.items() if k != key}


INVALID = [
    pytest.param([], "must be a JSON object, got list", id="list"),
    pytest.param("x", "must be a JSON object, got str", id="str"),
    pytest.param(None, "must be a JSON object, got NoneType", id="null"),
    pytest.param({**GOOD, "transport": "udp"}, "transport", id="bad-transport"),
    pytest.param({**GOOD, "transport": "TCP"}, "transport", id="uppercase-transport"),
    pytest.param({**GOOD, "transport": "inproc"}, "transport", id="inproc"),
    pytest.param({**GOOD, "transport": None}, "transport", id="null-transport"),
    pytest.param({**GOOD, "ip": ""}, "ip", id="empty-ip"),
    pytest.param({**GOOD, "ip": 127}, "ip", id="int-ip"),
    *[pytest.param(_without(f"{ch}_port"), f"{ch}_port", id=f"missing-{ch}") for ch in CHANNELS],
    pytest.param({**GOOD, "shell_port": 65536}, "shell_port", id="port-too-big"),
    pytest.param({**GOOD, "iopub_port": -1}, "iopub_port", id="port-negative"),
    pytest.param({**GOOD, "stdin_port": "53796"}, "stdin_port", id="port-str"),
    pytest.param({**GOOD, "control_port": 53797.0}, "control_port", id="port-float"),
    pytest.param({**GOOD, "hb_port": True}, "hb_port", id="port-true"),
    pytest.param({**GOOD, "hb_port": False}, "hb_port", id="port-false"),
    pytest.param({**GOOD, "hb_port": None}, "hb_port", id="port-null"),
    pytest.param({**GOOD, "key": 5}, "key", id="int-key"),
    pytest.param({**GOOD, "key": None}, "key", id="null-key"),
    pytest.param({**GOOD, "signature_scheme": "sha256"}, "hmac-<hash>", id="scheme-no-hmac"),
    pytest.param({**GOOD, "signature_scheme": "hmac-nonsense"}, "nonsense", id="scheme-unknown"),
    pytest.param({**GOOD, "signature_scheme": "hmac-shake_128"}, "shake_128", id="scheme-shake"),
    pytest.param({**GOOD, "signature_scheme": "hmac-"}, "hmac-", id="scheme-empty-hash"),
    pytest.param({**GOOD, "signature_scheme": 256}, "signature_scheme", id="scheme-int"),
]


@pytest.mark.parametrize(("data", "words"), INVALID)
def test_invalid_connection_info(data: object, words: str) -> None:
    with pytest.raises(InvalidConnectionInfo) as info:
        ConnectionInfo.from_dict(data)
    assert words in str(info.value)


def test_non_string_kernel_name_is_dropped() -> None:
    assert _info(kernel_name=5).kernel_name == ""


# --- files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "info",
    [
        ConnectionInfo.from_dict(GOOD),
        ConnectionInfo.from_dict({**GOOD, "ip": "::1", "signature_scheme": "hmac-sha512"}),
        ConnectionInfo.from_dict(
            {**GOOD, "transport": "ipc", "ip": "/run/user/kernel-1", "key": "", "kernel_name": ""}
        ),
    ],
    ids=["tcp", "tcp6", "ipc"],
)
def test_file_round_trip(tmp_path: Path, info: ConnectionInfo) -> None:
    path = tmp_path / "kernel-1.json"
    write_connection_file(path, info)
    assert read_connection_file(path) == info
    assert read_connection_file(str(path)) == info
    assert json.loads(path.read_bytes()) == info.to_dict()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_mode_is_tightened_on_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "kernel.json"
    path.write_text("old contents that are much longer than the new file will be " * 50)
    path.chmod(0o666)
    write_connection_file(path, _info())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_connection_file(path) == _info()  # truncated, not appended


def test_file_mode_ignores_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_connection_file(tmp_path / "k.json", _info())
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k.json").stat().st_mode) == 0o600


def test_reads_files_written_by_other_tools(tmp_path: Path) -> None:
    path = tmp_path / "jc.json"
    path.write_text(json.dumps({**GOOD, "jupyter_session": "x"}, indent=2))
    assert read_connection_file(path) == _info()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "not JSON"),
        (b"{not json}", "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object, got list"),
        (b'"a string"', "must be a JSON object"),
        (json.dumps({**GOOD, "shell_port": float("nan")}).encode(), "NaN"),
        (json.dumps({**GOOD, "transport": "udp"}).encode(), "transport"),
        (json.dumps(_without("hb_port")).encode(), "hb_port"),
    ],
)
def test_invalid_files(tmp_path: Path, raw: bytes, words: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(raw)
    with pytest.raises(InvalidConnectionInfo) as info:
        read_connection_file(path)
    assert words in str(info.value)


def test_bad_json_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "named-kernel.json"
    path.write_bytes(b"{")
    with pytest.raises(InvalidConnectionInfo, match="named-kernel.json"):
        read_connection_file(path)


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_connection_file(tmp_path / "nope.json")


ports = st.integers(0, 65535)
infos = st.builds(
    ConnectionInfo,
    transport=st.sampled_from(["tcp", "ipc"]),
    ip=st.text(min_size=1, max_size=20),
    shell_port=ports,
    iopub_port=ports,
    stdin_port=ports,
    control_port=ports,
    hb_port=ports,
    key=st.text(max_size=40),
    signature_scheme=st.sampled_from(["hmac-sha256", "hmac-sha512", "hmac-md5", "hmac-sha1"]),
    kernel_name=st.text(max_size=10),
)


@settings(max_examples=60, deadline=None)
@given(infos)
def test_property_file_round_trip(info: ConnectionInfo) -> None:
    assert ConnectionInfo.from_dict(info.to_dict()) == info
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "k.json"
        write_connection_file(path, info)
        assert read_connection_file(path) == info
    # repr does not depend on the key at all
    assert repr(info) == repr(dataclasses.replace(info, key="other-" + info.key))
    for ch in CHANNELS:
        endpoint = info.endpoint(ch)
        assert endpoint.startswith(f"{info.transport}://")
        assert endpoint.endswith(f"{'-' if info.transport == 'ipc' else ':'}{info.port(ch)}")


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(list(GOOD)),
        st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=8),
    )
)
def test_from_dict_raises_only_invalid_connection_info(data: dict) -> None:
    try:
        info = ConnectionInfo.from_dict({**GOOD, **data})
    except InvalidConnectionInfo:
        return
    for ch in CHANNELS:
        assert type(info.port(ch)) is int
        assert 0 <= info.port(ch) <= 65535
    assert info.transport in ("tcp", "ipc")
    info.signer()  # always usable
