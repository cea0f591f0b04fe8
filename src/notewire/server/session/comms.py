"""The comms open between a notebook's kernel and its browsers, widgets aside.

Kept so that a browser that attaches later can re-open every comm that is still open
(it then asks the kernel for the current state, as live canvases do). Widget comms are
kept with their current state by `widgets.Widgets` instead; `notewire.gl` plots are
listed with their current scene (`gl_scenes.GlScenes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .gl_scenes import GlScenes


@dataclass(frozen=True, slots=True)
class OpenComm:
    content: dict[str, Any]
    metadata: dict[str, Any]
    buffers: tuple[bytes, ...]

    def to_json(self, buffer_list: list[bytes]) -> dict[str, Any]:
        """As `hello.comms` lists it; appends the buffers to `buffer_list` (the hello
        frame's buffers, which `buffers` indexes)."""
        start = len(buffer_list)
        buffer_list.extend(self.buffers)
        return {
            "content": self.content,
            "metadata": self.metadata,
            "buffers": list(range(start, len(buffer_list))),
        }


class Comms:
    def __init__(self) -> None:
        self._open: dict[str, OpenComm] = {}
        self._scenes = GlScenes()

    def track(
        self,
        msg_type: str,
        content: dict[str, Any],
        metadata: dict[str, Any],
        buffers: tuple[bytes, ...],
    ) -> None:
        """Record a comm_open or comm_close, whichever side sent it."""
        comm_id = content.get("comm_id")
        if not isinstance(comm_id, str):
            return
        if msg_type == "comm_open":
            self._open[comm_id] = OpenComm(content, metadata, buffers)
            self._scenes.opened(content, buffers)
        elif msg_type == "comm_close":
            self._open.pop(comm_id, None)
            self._scenes.closed(comm_id)

    def message(self, comm_id: str, data: Any, buffers: tuple[bytes, ...]) -> None:
        """A kernel's comm_msg: a gl scene's update is folded into the kept scene."""
        self._scenes.message(comm_id, data, buffers)

    def clear(self) -> None:
        """The kernel restarted or died: its comms are gone."""
        self._open.clear()
        self._scenes.clear()

    def __len__(self) -> int:
        return len(self._open)

    def to_json(self, buffer_list: list[bytes]) -> list[dict[str, Any]]:
        return [
            self._current(comm_id, comm).to_json(buffer_list)
            for comm_id, comm in self._open.items()
        ]

    def _current(self, comm_id: str, comm: OpenComm) -> OpenComm:
        if comm_id not in self._scenes:
            return comm
        content, buffers = self._scenes.reopen(comm_id, comm.content)
        return OpenComm(content, comm.metadata, tuple(buffers))
