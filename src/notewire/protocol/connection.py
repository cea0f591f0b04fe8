"""Connection files: the JSON that tells a kernel where to bind and how to sign.

    {"transport": "tcp", "ip": "127.0.0.1", "shell_port": 53794, "iopub_port": 53795,
     "stdin_port": 53796, "control_port": 53797, "hb_port": 53798,
     "key": "a0436f6c-...", "signature_scheme": "hmac-sha256", "kernel_name": "notewire"}

With the `ipc` transport each channel is a Unix socket at `<ip>-<port>`, Jupyter's
convention, so `ip` is a path prefix and the ports are just distinct numbers.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import InvalidConnectionInfo, MalformedMessage
from .jsonutil import dumps, loads
from .wire import Signer

Channel = Literal["shell", "iopub", "stdin", "control", "hb"]
CHANNELS: tuple[Channel, ...] = ("shell", "iopub", "stdin", "control", "hb")


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    transport: Literal["tcp", "ipc"]
    ip: str
    shell_port: int
    iopub_port: int
    stdin_port: int
    control_port: int
    hb_port: int
    key: str
    signature_scheme: str = "hmac-sha256"
    kernel_name: str = ""

    def port(self, channel: Channel) -> int:
        return {
            "shell": self.shell_port,
            "iopub": self.iopub_port,
            "stdin": self.stdin_port,
            "control": self.control_port,
            "hb": self.hb_port,
        }[channel]

    def endpoint(self, channel: Channel) -> str:
        """The ZeroMQ address of `channel`, for bind or connect."""
        if self.transport == "ipc":
            return f"ipc://{self.ip}-{self.port(channel)}"
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        return f"tcp://{host}:{self.port(channel)}"

    def signer(self) -> Signer:
        return Signer(self.key.encode("utf-8"), self.signature_scheme)

    def to_dict(self) -> dict[str, object]:
        return {
            "transport": self.transport,
            "ip": self.ip,
            "shell_port": self.shell_port,
            "iopub_port": self.iopub_port,
            "stdin_port": self.stdin_port,
            "control_port": self.control_port,
            "hb_port": self.hb_port,
            "key": self.key,
            "signature_scheme": self.signature_scheme,
            "kernel_name": self.kernel_name,
        }

    def __repr__(self) -> str:  # never put the key in a log line
        return (
            f"ConnectionInfo(transport={self.transport!r}, ip={self.ip!r}, "
            f"shell_port={self.shell_port}, key=<hidden>)"
        )

    @classmethod
    def from_dict(cls, d: object) -> ConnectionInfo:
        """Validate a parsed connection file. Raises InvalidConnectionInfo."""
        if not isinstance(d, dict):
            raise InvalidConnectionInfo(
                f"connection info must be a JSON object, got {type(d).__name__}"
            )
        transport = d.get("transport", "tcp")
        if transport not in ("tcp", "ipc"):
            raise InvalidConnectionInfo(f"transport must be 'tcp' or 'ipc', got {transport!r}")
        ip = d.get("ip", "127.0.0.1")
        if not isinstance(ip, str) or not ip:
            raise InvalidConnectionInfo(f"ip must be a non-empty string, got {ip!r}")
        ports = {}
        for channel in CHANNELS:
            name = f"{channel}_port"
            value = d.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535:
                raise InvalidConnectionInfo(f"{name} must be an integer port, got {value!r}")
            ports[name] = value
        key = d.get("key", "")
        if not isinstance(key, str):
            raise InvalidConnectionInfo("key must be a string")
        scheme = d.get("signature_scheme", "hmac-sha256")
        if not isinstance(scheme, str):
            raise InvalidConnectionInfo(f"signature_scheme must be a string, got {scheme!r}")
        try:
            Signer(b"k", scheme)
        except Exception as exc:
            raise InvalidConnectionInfo(str(exc)) from None
        kernel_name = d.get("kernel_name", "")
        return cls(
            transport=transport,
            ip=ip,
            key=key,
            signature_scheme=scheme,
            kernel_name=kernel_name if isinstance(kernel_name, str) else "",
            **ports,
        )


def new_key() -> str:
    """A random signing key (256 bits)."""
    return secrets.token_hex(32)


def read_connection_file(path: str | os.PathLike[str]) -> ConnectionInfo:
    """Read and validate a connection file. Raises InvalidConnectionInfo or OSError."""
    data = Path(path).read_bytes()
    try:
        parsed = loads(data)
    except MalformedMessage as exc:
        raise InvalidConnectionInfo(f"{os.fspath(path)}: {exc}") from None
    return ConnectionInfo.from_dict(parsed)


def write_connection_file(path: str | os.PathLike[str], info: ConnectionInfo) -> None:
    """Write `info` readable by its owner only: the file holds the signing key."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(dumps(info.to_dict()))
