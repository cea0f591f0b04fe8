"""The scenes of open `notewire.gl` comms, kept current (docs/gl-protocol.md, section 7).

A browser that reloads or attaches late gets each plot from `hello` as one `comm_open`
holding the current scene, its data as binary buffers: no kernel request, and no
replay of every update the plot ever had.
"""

from __future__ import annotations

import logging
from typing import Any

from notewire.protocol.glscene import PROTOCOL, TARGET, SceneError, SceneState

log = logging.getLogger(__name__)


class GlScenes:
    def __init__(self) -> None:
        self._scenes: dict[str, SceneState] = {}

    def opened(self, content: dict[str, Any], buffers: tuple[bytes, ...]) -> bool:
        """Take a comm_open in; False when it is not a gl scene."""
        comm_id = content.get("comm_id")
        if content.get("target_name") != TARGET or not isinstance(comm_id, str):
            return False
        scene = SceneState()
        self._scenes[comm_id] = scene
        self._fold(comm_id, scene, content.get("data"), buffers)
        return True

    def message(self, comm_id: str, data: Any, buffers: tuple[bytes, ...]) -> None:
        scene = self._scenes.get(comm_id)
        # Answers to one browser's view (level of detail) are not the scene.
        if scene is not None and isinstance(data, dict) and data.get("view") is None:
            self._fold(comm_id, scene, data, buffers)

    def closed(self, comm_id: str) -> None:
        self._scenes.pop(comm_id, None)

    def clear(self) -> None:
        self._scenes.clear()

    def __contains__(self, comm_id: str) -> bool:
        return comm_id in self._scenes

    def reopen(self, comm_id: str, content: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        """The comm_open content that makes the scene as it is now, with its buffers."""
        ops, buffers = self._scenes[comm_id].snapshot()
        return {**content, "data": {"protocol": PROTOCOL, "ops": ops}}, buffers

    def _fold(self, comm_id: str, scene: SceneState, data: Any, buffers: tuple[bytes, ...]) -> None:
        ops = data.get("ops") if isinstance(data, dict) else None
        if not isinstance(ops, list):
            return
        try:
            scene.apply(ops, buffers)
        except SceneError as exc:  # relayed all the same; the browsers say what is wrong
            log.warning("gl scene %s: %s", comm_id, exc)
