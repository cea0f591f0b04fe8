"""examples/gallery.ipynb runs in a real kernel: every cell without an error, every
figure live, and the numpy renderer answers a zoom."""

from __future__ import annotations

from pathlib import Path

import nbformat

from notewire.canvas import MIME

from .live import backend_entry_point, data, live_kernel

GALLERY = Path(__file__).resolve().parents[2] / "examples" / "gallery.ipynb"


async def test_the_gallery_runs(tmp_path: Path) -> None:
    notebook = nbformat.read(GALLERY, as_version=4)
    cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    folder = backend_entry_point(tmp_path)
    async with live_kernel() as live:
        await live.run(f"import sys; sys.path.insert(0, {str(folder)!r})")
        canvases = 0
        for source in cells:
            result = await live.run(source, limit=60)
            outputs = [m.msg.content for m in result.iopub if m.msg_type == "display_data"]
            canvases += sum(1 for output in outputs if MIME in output["data"])
        assert canvases == 5  # line plot, picker, sliders, animation, Mandelbrot
        [fractal] = [output["data"][MIME]["comm_id"] for output in outputs]
        await live.send(fractal, {"type": "view", "view": "g", "visible": True, "ratio": 1})
        first = data(await live.from_comm(fractal, "frame", limit=30))
        await live.send(fractal, {"type": "ack", "view": "g", "frame": first["frame"]})
        wheel = {"type": "wheel", "x": 320, "y": 210, "dx": 0, "dy": -300}
        await live.send(fractal, {"type": "event", "view": "g", "event": wheel})
        zoomed = data(await live.from_comm(fractal, "frame", limit=30))
        assert zoomed["frame"] > first["frame"] and zoomed["format"] == "jpeg"
        result = await live.run("print(round(fractal.span, 3))")
        assert float(result.stream_text()) < 3.2
