"""Where user-visible output goes: the current request's parent, in order."""

from __future__ import annotations

from collections.abc import Sequence

from notewire.protocol import Buffer, Header
from notewire.protocol.jsonutil import JSONDict

from .iopub import Publisher
from .iostream import Flusher, OutStream


class Outputs:
    """Routes output of the request being handled to IOPub.

    Display data, errors and clear_output flush the streams first, so text printed
    before a display appears before it. While a `silent` request runs, all output is
    dropped: the spec says a silent execution produces no broadcast output.
    """

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self.flusher = Flusher()
        self.stdout = OutStream("stdout", self._publish_stream, self.flusher)
        self.stderr = OutStream("stderr", self._publish_stream, self.flusher)
        self.stdout.pair(self.stderr)
        self.parent: Header | None = None
        self.muted = False

    def start(self) -> None:
        self.flusher.start()

    def stop(self) -> None:
        self.flush()
        self.flusher.stop()

    def begin(self, parent: Header | None, *, muted: bool = False) -> None:
        """Make `parent` the destination of all output from now on."""
        self.stdout.set_parent(parent, muted=muted)
        self.stderr.set_parent(parent, muted=muted)
        self.parent = parent
        self.muted = muted

    def flush(self) -> None:
        self.stdout.flush()
        self.stderr.flush()

    def emit(
        self,
        msg_type: str,
        content: JSONDict,
        *,
        metadata: JSONDict | None = None,
        buffers: Sequence[Buffer] = (),
        output: bool = True,
    ) -> None:
        """Publish for the current parent. `output=False` marks traffic that is not
        user-visible output (comm messages) and is sent even for silent requests."""
        if self.muted and output:
            return
        self.flush()
        self.publisher.publish(msg_type, content, self.parent, metadata=metadata, buffers=buffers)

    def _publish_stream(self, name: str, text: str, parent: Header | None) -> None:
        self.publisher.publish("stream", {"name": name, "text": text}, parent)
