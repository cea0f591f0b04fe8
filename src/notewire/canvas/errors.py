"""The canvas package's errors."""

from __future__ import annotations


class CanvasProtocolError(ValueError):
    """A message from the browser that does not follow docs/canvas-protocol.md; the
    message names the offending value. The canvas logs it and ignores the message."""


class CanvasClosed(RuntimeError):
    """The canvas was closed; it shows no more frames."""
