"""Message construction and signing for one kernel process."""

from __future__ import annotations

from collections.abc import Sequence

from notewire.protocol import Buffer, Header, Message, ReplayGuard, Signer, make_message, new_id
from notewire.protocol import from_frames as _from_frames
from notewire.protocol import to_frames as _to_frames
from notewire.protocol.jsonutil import JSONDict


class Session:
    """Builds, signs and verifies messages with the connection's key.

    Thread-safe for building and signing; the replay guard is touched only by the
    thread that owns a receiving socket, so each receiving thread gets its own guard.
    """

    def __init__(self, signer: Signer, session_id: str | None = None) -> None:
        self.signer = signer
        self.id = session_id or new_id()

    def message(
        self,
        msg_type: str,
        content: JSONDict,
        parent: Header | None = None,
        *,
        metadata: JSONDict | None = None,
        buffers: Sequence[Buffer] = (),
    ) -> Message:
        return make_message(
            msg_type, content, session=self.id, parent=parent, metadata=metadata, buffers=buffers
        )

    def frames(self, msg: Message, idents: Sequence[bytes] = ()) -> list[Buffer]:
        return _to_frames(msg, self.signer, idents)

    def parse(self, frames: Sequence[Buffer], replay: ReplayGuard) -> tuple[list[bytes], Message]:
        return _from_frames(frames, self.signer, replay)
