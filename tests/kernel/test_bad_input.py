"""Hostile and broken input over raw sockets: the kernel stays up and says what was wrong."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import zmq
from jupyter_client.manager import KernelManager

from notewire.protocol import (
    ConnectionInfo,
    Message,
    ReplayGuard,
    Signer,
    from_frames,
    make_message,
    to_frames,
)

TIMEOUT_MS = 10_000


class RawClient:
    """Just enough of a client to send arbitrary frames on shell."""

    def __init__(self, info: ConnectionInfo) -> None:
        self.ctx = zmq.Context()
        self.signer = info.signer()
        self.shell = self.ctx.socket(zmq.DEALER)
        self.shell.connect(info.endpoint("shell"))
        self.iopub = self.ctx.socket(zmq.SUB)
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.iopub.connect(info.endpoint("iopub"))
        self.replay = ReplayGuard()
        # the welcome means our subscription is live: no output can be missed after it
        assert self.recv(self.iopub).msg_type == "iopub_welcome"

    def request(self, msg_type: str, content: dict, signer: Signer | None = None) -> Message:
        msg = make_message(msg_type, content, session="raw-client")
        self.shell.send_multipart(to_frames(msg, signer or self.signer))
        return msg

    def recv(self, socket: zmq.Socket, timeout_ms: int = TIMEOUT_MS) -> Message:
        if not socket.poll(timeout_ms):
            raise TimeoutError("no message from the kernel")
        return from_frames(socket.recv_multipart(), self.signer, self.replay)[1]

    def reply_to(self, request: Message) -> Message:
        while True:
            msg = self.recv(self.shell)
            if msg.parent_id == request.msg_id:
                return msg

    def alive(self) -> bool:
        probe = self.request("kernel_info_request", {})
        return self.reply_to(probe).content["status"] == "ok"

    def close(self) -> None:
        self.ctx.destroy(linger=0)


@pytest.fixture(scope="module")
def raw() -> Iterator[RawClient]:
    km = KernelManager(kernel_name="notewire")
    km.start_kernel()
    client = RawClient(
        ConnectionInfo.from_dict(
            km.get_connection_info(session=False) | {"key": km.session.key.decode()}
        )
    )
    try:
        yield client
    finally:
        client.close()
        km.shutdown_kernel(now=True)


def test_wrong_signature_gets_no_reply(raw: RawClient) -> None:
    raw.request("kernel_info_request", {}, signer=Signer(b"not-the-key"))
    assert not raw.shell.poll(500)  # dropped silently: a forger learns nothing
    assert raw.alive()


def test_replayed_frames_are_dropped(raw: RawClient) -> None:
    msg = make_message("kernel_info_request", {}, session="raw-client")
    frames = to_frames(msg, raw.signer)
    raw.shell.send_multipart(frames)
    assert raw.reply_to(msg).msg_type == "kernel_info_reply"
    raw.shell.send_multipart(frames)
    assert not raw.shell.poll(500)
    assert raw.alive()


@pytest.mark.parametrize(
    "frames",
    [
        [b"garbage"],
        [b"<IDS|MSG>", b"sig"],
        [b"<IDS|MSG>", b"", b"{", b"{}", b"{}", b"{}"],
        [b"\xff\xfe", b"<IDS|MSG>"],
    ],
    ids=["no-delimiter", "truncated", "bad-json-bad-sig", "binary-junk"],
)
def test_malformed_frames_do_not_kill(raw: RawClient, frames: list[bytes]) -> None:
    raw.shell.send_multipart(frames)
    assert raw.alive()


def test_unknown_request_type_gets_an_error_reply(raw: RawClient) -> None:
    request = raw.request("frobnicate_request", {})
    reply = raw.reply_to(request)
    assert reply.msg_type == "frobnicate_reply"
    assert reply.content["status"] == "error"
    assert reply.content["ename"] == "UnknownMessageType"
    assert "frobnicate_request" in reply.content["evalue"]


def test_broken_content_gets_an_error_reply(raw: RawClient) -> None:
    request = raw.request("execute_request", {"code": 42})
    reply = raw.reply_to(request)
    assert reply.msg_type == "execute_reply"
    assert reply.content["ename"] == "MalformedMessage"
    assert "'code' must be str" in reply.content["evalue"]
    assert raw.alive()


def test_unsigned_json_with_nan_is_refused(raw: RawClient) -> None:
    header = make_message("execute_request", {}, session="raw-client").header.to_dict()
    import json

    parts = [json.dumps(header).encode(), b"{}", b"{}", b'{"code": "1", "x": NaN}']
    raw.shell.send_multipart([b"<IDS|MSG>", raw.signer.sign(parts), *parts])
    # the message never reaches a handler: no reply, and the kernel keeps serving
    assert not raw.shell.poll(500)
    assert raw.alive()


def test_output_burst_with_a_slow_reader_loses_nothing(raw: RawClient) -> None:
    """ipykernel drops past its high-water mark (idle included); we push back instead."""
    count, size = 5000, 20_000
    request = raw.request(
        "execute_request",
        {
            "code": f"from IPython.display import display, HTML\nfor i in range({count}):\n    display(HTML(str(i).ljust({size}, '.')))"
        },
    )
    time.sleep(3)  # the reader stalls on purpose while the kernel produces ~100 MB
    seen, idle = 0, False
    while not idle:
        msg = raw.recv(raw.iopub, timeout_ms=30_000)
        if msg.parent_id != request.msg_id:
            continue
        if msg.msg_type == "display_data":
            assert msg.content["data"]["text/html"].startswith(str(seen))
            seen += 1
        idle = msg.msg_type == "status" and msg.content["execution_state"] == "idle"
    assert seen == count
    assert raw.reply_to(request).content["status"] == "ok"
