"""Live canvases: the kernel renders, every browser of the notebook shows the frames and
sends the user's events back (docs/canvas-protocol.md).

    from notewire.canvas import Canvas

    class Noise:
        def handle_event(self, event):
            if event["type"] == "resize":
                self.shape = (event["pheight"], event["pwidth"], 3)

        def get_frame(self):
            return np.random.randint(0, 255, self.shape, dtype=np.uint8)

    canvas = Canvas(Noise(), width=400, height=300)
    canvas            # shows it; canvas.request_draw() sends a new frame
"""

from .canvas import Canvas, FrameRequest, FrameUpdate, Renderer
from .errors import CanvasClosed, CanvasProtocolError
from .events import Event
from .flow import FlowConfig
from .messages import MIME, TARGET, toolbar_item
from .rfb import RemoteFrameBuffer

__all__ = [
    "MIME",
    "TARGET",
    "Canvas",
    "CanvasClosed",
    "CanvasProtocolError",
    "Event",
    "FlowConfig",
    "FrameRequest",
    "FrameUpdate",
    "RemoteFrameBuffer",
    "Renderer",
    "toolbar_item",
]
