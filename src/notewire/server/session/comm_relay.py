"""Comm traffic between a notebook's kernel and its browsers.

Kernel -> browsers: every comm message goes to every browser with its parent's msg_id
(ipywidgets drops the echo of a change it still has in flight by that id); widget
models are kept current (`widgets.Widgets`), other open comms are listed
(`comms.Comms`), so a browser that attaches late gets both in `hello`.

Browser -> kernel: a comm message goes to the kernel under the msg_id the browser chose
(ipywidgets' `comm.send()` returns it at once), and the kernel's `status: idle` for it
goes back to that browser alone as `comm_idle`: ipywidgets keeps one change in flight
and sends the next on that idle. Output the kernel prints while handling the message (a
button's callback) belongs to the widget, so to the cell that shows it.

An `Output` widget captures the output of the request it names (`output_widgets.py`);
its outputs go to browsers and back to the kernel at once (when the messages already
read are handled), then at most once per `FLUSH_DELAY` while more keep coming.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .comms import Comms
from .output_widgets import OutputCapture, is_output_model
from .peers import Peer, Peers
from .widgets import CODE_KEYS, WidgetError, Widgets

MSG_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
FLUSH_DELAY = 0.03  # seconds between two sends of Output widgets' new outputs
_REMEMBERED = 1000  # browser comm messages whose idle and output are still routed

# Sends one comm message to the kernel: (msg_type, content, msg_id, buffers).
KernelSend = Callable[[str, dict[str, Any], str, Sequence[bytes]], None]


class CommError(ValueError):
    """A browser's comm message that cannot be sent."""


@dataclass(slots=True)
class _Sent:
    peer: Peer | None  # None once that browser left
    comm_id: str


class CommRelay:
    def __init__(self, peers: Peers, send_to_kernel: KernelSend, new_id: Callable[[], str]):
        self.peers = peers
        self.comms = Comms()
        self.widgets = Widgets()
        self.capture = OutputCapture(self.widgets)
        self._send_to_kernel = send_to_kernel
        self._new_id = new_id
        self._sent: OrderedDict[str, _Sent] = OrderedDict()  # by msg_id, oldest first
        self._own: set[str] = set()  # msg_ids of the updates the server itself sent
        self._dirty_outputs: set[str] = set()
        self._flush: asyncio.Handle | None = None
        self._last_flush = float("-inf")  # the event loop's time of the last one

    # --- from the kernel -------------------------------------------------------------

    def from_kernel(
        self,
        msg_type: str,
        content: dict[str, Any],
        metadata: dict[str, Any],
        buffers: tuple[bytes, ...],
        parent_id: str | None,
    ) -> None:
        data = content.get("data")
        comm_id = content.get("comm_id")
        if (
            msg_type == "comm_msg"
            and parent_id in self._own
            and isinstance(data, dict)
            and data.get("method") == "echo_update"
        ):
            return  # the echo of an Output widget's outputs the server sent: not news
        try:
            if msg_type == "comm_open":
                if self.widgets.opened(content, buffers) is None:
                    self.comms.track(msg_type, content, metadata, buffers)
            elif msg_type == "comm_msg" and isinstance(comm_id, str) and isinstance(data, dict):
                self.comms.message(comm_id, data, buffers)  # gl scenes (gl_scenes.py)
                self.widgets.message(comm_id, data, buffers)
            elif msg_type == "comm_close" and isinstance(comm_id, str):
                self.widgets.closed(comm_id)
                self.capture.forget(comm_id)
                self.comms.track(msg_type, content, metadata, buffers)
        except WidgetError:
            pass  # relayed all the same: the browsers' managers say what is wrong with it
        body = {"type": msg_type, "content": content, "metadata": metadata, "parent": parent_id}
        # A comm_open comes in a burst as often as not: a cell of 100 sliders opens 302
        # comms, published one by one as the kernel makes them (notewire's kernel sends
        # each at once; ipykernel's IOPub thread happens to send them in bunches).
        self.peers.send_json(body, buffers, burst=msg_type == "comm_open")

    def kernel_idle(self, parent_id: str | None) -> None:
        """The kernel is idle after handling `parent_id`."""
        if parent_id is None:
            return
        self._own.discard(parent_id)
        sent = self._sent.get(parent_id)
        if sent is not None and sent.peer is not None:
            sent.peer.send_json({"type": "comm_idle", "parent": parent_id})

    def kernel_gone(self) -> None:
        """The kernel restarted, died or was shut down: its comms are gone, its widget
        models stay as static state."""
        self.comms.clear()
        self.widgets.kernel_gone()
        self._sent.clear()
        self._own.clear()

    def sent_by_browser(self, parent_id: str | None) -> str | None:
        """The comm a browser's message `parent_id` was for (output it causes belongs
        to that widget), or None."""
        sent = self._sent.get(parent_id) if parent_id else None
        return sent.comm_id if sent is not None else None

    # --- Output widgets ----------------------------------------------------------------

    def capture_output(self, parent_id: str | None, content: Any) -> bool:
        """Divert output into the Output widget that captures `parent_id`; returns
        whether one did."""
        model = self.capture.target(parent_id)
        if model is None:
            return False
        if self.capture.apply(model, content):
            self._dirty_outputs.add(model.model_id)
            if self._flush is None:
                # The first output goes out with no wait (a slider's callback prints:
                # the user waits for it); a burst goes out together, one send per delay.
                loop = asyncio.get_running_loop()
                wait = self._last_flush + FLUSH_DELAY - loop.time()
                self._flush = (
                    loop.call_later(wait, self._flush_outputs)
                    if wait > 0
                    else loop.call_soon(self._flush_outputs)
                )
        return True

    def _flush_outputs(self) -> None:
        self._flush = None
        dirty, self._dirty_outputs = self._dirty_outputs, set()
        for model_id in dirty:
            model = self.widgets.get(model_id)
            if model is None or not is_output_model(model):
                continue
            data = {"method": "update", "state": {"outputs": model.state.get("outputs", [])}}
            content = {"comm_id": model_id, "data": data}
            self.peers.send_json(
                {"type": "comm_msg", "content": content, "metadata": {}, "parent": None}
            )
            if model.live:  # so `out.outputs` in the kernel holds them too
                msg_id = self._new_id()
                self._own.add(msg_id)
                self._send_to_kernel("comm_msg", content, msg_id, ())
        # Stamped once sent: the next send is then at least FLUSH_DELAY after this one
        # however long these took (stamped before them, a busy machine's delay between
        # stamp and send came off the spacing).
        self._last_flush = asyncio.get_running_loop().time()

    # --- from browsers -----------------------------------------------------------------

    def from_browser(
        self,
        peer: Peer,
        msg_type: str,
        content: dict[str, Any],
        metadata: dict[str, Any],
        buffers: tuple[bytes, ...],
        msg_id: str | None,
    ) -> tuple[dict[str, Any], str]:
        """Check and take in a browser's comm message; returns the content to send the
        kernel and the msg_id to send it under."""
        comm_id = content.get("comm_id")
        if not isinstance(comm_id, str):
            raise CommError(f"{msg_type} needs 'content' with a 'comm_id'")
        if msg_id is None:
            msg_id = self._new_id()
        elif not isinstance(msg_id, str) or not MSG_ID.fullmatch(msg_id):
            raise CommError("'msg_id' must be 1-64 characters of A-Z a-z 0-9 _ . : -")
        data = content.get("data")
        model = self.widgets.get(comm_id)
        if msg_type == "comm_msg" and model is not None and isinstance(data, dict):
            content, buffers = _without_code(content, data, buffers)
            try:  # kernels that do not echo still leave the server current
                self.widgets.message(comm_id, content["data"], buffers)
            except WidgetError as exc:
                raise CommError(str(exc)) from exc
        elif msg_type == "comm_open":
            self.comms.track(msg_type, content, metadata, buffers)
        elif msg_type == "comm_close":
            self.comms.track(msg_type, content, metadata, buffers)
        self._sent[msg_id] = _Sent(peer, comm_id)
        self._sent.move_to_end(msg_id)
        while len(self._sent) > _REMEMBERED:
            self._sent.popitem(last=False)
        return content, msg_id

    def forget_peer(self, peer: Peer) -> None:
        """A browser left: no idle goes to it any more (its output still has a cell)."""
        for sent in self._sent.values():
            if sent.peer is peer:
                sent.peer = None

    # --- hello and saving -------------------------------------------------------------

    def hello(self, buffers: list[bytes]) -> dict[str, Any]:
        """`comms` and `widgets` for a hello; appends their buffers to `buffers`."""
        return {"comms": self.comms.to_json(buffers), "widgets": self.widgets.to_json(buffers)}


def _without_code(
    content: dict[str, Any], data: dict[str, Any], buffers: tuple[bytes, ...]
) -> tuple[dict[str, Any], tuple[bytes, ...]]:
    """A browser's update less any change to a widget's code or style (`_esm`, `_css`):
    browsers may change a widget's state, never the code it runs in other browsers."""
    state = data.get("state")
    if data.get("method") != "update" or not isinstance(state, dict):
        return content, buffers
    paths = data.get("buffer_paths") or []
    if not (CODE_KEYS & set(state)) and not any(
        isinstance(p, list) and p and p[0] in CODE_KEYS for p in paths
    ):
        return content, buffers
    keep = [i for i, p in enumerate(paths) if not (isinstance(p, list) and p and p[0] in CODE_KEYS)]
    new_data = {
        **data,
        "state": {k: v for k, v in state.items() if k not in CODE_KEYS},
        "buffer_paths": [paths[i] for i in keep],
    }
    return {**content, "data": new_data}, tuple(buffers[i] for i in keep if i < len(buffers))
