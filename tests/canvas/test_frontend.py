"""The browser view of a canvas (frontend/src/canvas/): its pure parts under node's test
runner, and the view itself in Chromium against a fake comm (what it sends, what it
draws). The sources are bundled with the frontend's own esbuild."""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from PIL import Image
from playwright.async_api import Page, async_playwright, expect

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
CHROMIUM = os.environ.get("NOTEWIRE_CHROMIUM", "/usr/bin/chromium")


def bundle(entry: Path, out: Path, *, platform: str, fmt: str, global_name: str = "") -> None:
    node = shutil.which("node")
    assert node is not None, "node is not installed: ./scripts/test.sh installs Node.js"
    assert (FRONTEND / "node_modules" / "esbuild").is_dir(), "run `npm ci` in frontend/"
    options = {
        "entryPoints": [str(entry)],
        "bundle": True,
        "platform": platform,
        "format": fmt,
        "outfile": str(out),
        "logLevel": "warning",
        **({"globalName": global_name} if global_name else {}),
    }
    script = f"import * as esbuild from 'esbuild'; await esbuild.build({__import__('json').dumps(options)});"
    done = subprocess.run(
        [node, "--input-type=module", "-e", script],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_pure_parts_under_node(tmp_path: Path) -> None:
    out = tmp_path / "logic.test.mjs"
    bundle(Path(__file__).parent / "frontend" / "logic.test.ts", out, platform="node", fmt="esm")
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, "--test", "--test-reporter=tap", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout


def png_of(pixels: np.ndarray) -> str:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def png(width: int, height: int, rgb: tuple[int, int, int]) -> str:
    return png_of(np.full((height, width, 3), rgb, np.uint8))


def full_state(**fields: Any) -> dict[str, Any]:
    """A `state` message for a 200×100 canvas."""
    return {"type": "state", "full": True, "width": 200, "height": 100, **fields}


PAGE = """<!doctype html><html><body style="margin:0">
<div id="out" style="width: 600px"></div><div id="spacer" style="height: 3000px"></div>
</body></html>"""

HARNESS = """
window.sent = [];
window.bubbled = 0;
document.addEventListener("keydown", () => { window.bubbled += 1; });
let onMessage = null, onClose = null;
window.comm = {
  send: (data) => window.sent.push(JSON.parse(JSON.stringify(data))),
  onMessage: (cb) => { onMessage = cb; },
  onClose: (cb) => { onClose = cb; },
};
window.deliver = (data, b64) => onMessage(
  data, b64 ? [Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))] : []);
window.closeComm = () => onClose();
window.handle = NotewireCanvas.mountCanvas(
  document.getElementById("out"), window.comm, { width: 200, height: 100 });
"""


@pytest_asyncio.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: ./scripts/test.sh installs Debian's chromium")
    script = tmp_path / "canvas.js"
    bundle(
        FRONTEND / "src" / "canvas" / "index.ts",
        script,
        platform="browser",
        fmt="iife",
        global_name="NotewireCanvas",
    )
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = await browser.new_context(
            device_scale_factor=2, viewport={"width": 800, "height": 600}, accept_downloads=True
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.set_content(PAGE)
        await page.add_script_tag(content=script.read_text())
        await page.evaluate(HARNESS)
        yield page
        await browser.close()
        assert errors == []


async def sent(page: Page, predicate: str) -> Any:
    """Wait for a message the view sent that matches the JS predicate on `m`."""
    handle = await page.wait_for_function(
        f"window.sent.filter((m) => {predicate}).at(-1) ?? false", timeout=10_000
    )
    return await handle.json_value()


async def pixel(page: Page, x: int, y: int) -> list[int]:
    return list(
        await page.evaluate(
            "([x, y]) => Array.from(document.querySelector('.nw-canvas-picture')"
            ".getContext('2d').getImageData(x, y, 1, 1).data)",
            [x, y],
        )
    )


def frame(n: int, key: bool, rect: list[int], size: list[int], ratio: float = 2) -> dict[str, Any]:
    return {
        "type": "frame",
        "frame": n,
        "format": "png",
        "key": key,
        "rect": rect,
        "size": size,
        "ratio": ratio,
    }


async def test_the_view_draws_frames_acks_them_and_sends_input(page: Page) -> None:
    status = await sent(page, "m.type === 'view'")
    assert status["visible"] is True and status["ratio"] == 2
    view = status["view"]

    await page.evaluate(
        "([f, b]) => deliver(f, b)",
        [frame(1, True, [0, 0, 400, 200], [400, 200]), png(400, 200, (255, 0, 0))],
    )
    assert (await sent(page, "m.type === 'ack'"))["frame"] == 1
    assert await pixel(page, 0, 0) == [255, 0, 0, 255]
    picture = page.locator(".nw-canvas-picture")
    assert (await picture.bounding_box() or {})["width"] == 200  # logical size on screen

    await page.evaluate(
        "([f, b]) => deliver(f, b)",
        [frame(2, False, [20, 30, 10, 10], [400, 200]), png(10, 10, (0, 0, 255))],
    )
    assert (await sent(page, "m.type === 'ack' && m.frame === 2"))["view"] == view
    assert await pixel(page, 25, 35) == [0, 0, 255, 255]
    assert await pixel(page, 35, 45) == [255, 0, 0, 255]

    # A drag: logical px from the canvas's top left, moves coalesced.
    box = await picture.bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + 50, box["y"] + 25)
    await page.mouse.down()
    await page.mouse.move(box["x"] + 100, box["y"] + 40, steps=8)
    await page.mouse.up()
    down = await sent(page, "m.type === 'event' && m.event.type === 'pointer_down'")
    assert (down["event"]["x"], down["event"]["y"], down["event"]["button"]) == (50, 25, 1)
    up = await sent(page, "m.type === 'event' && m.event.type === 'pointer_up'")
    assert (up["event"]["x"], up["event"]["button"], up["event"]["buttons"]) == (100, 1, [])
    moves = await page.evaluate(
        "window.sent.filter((m) => m.type === 'event' && m.event.type === 'pointer_move' && m.event.buttons.length)"
    )
    # Never more moves than the mouse made, the last where it stopped; how many are
    # merged depends on the machine's speed (the merging itself: the input unit tests).
    assert 1 <= len(moves) <= 8 and moves[-1]["event"]["x"] == 100

    # Keys go to the canvas (and not to the page's shortcuts) while it has focus.
    await page.keyboard.press("Control+a")
    key = await sent(
        page, "m.type === 'event' && m.event.type === 'key_down' && m.event.key === 'a'"
    )
    assert key["event"]["modifiers"] == ["Control"]
    assert await page.evaluate("window.bubbled") == 0
    await page.mouse.move(box["x"] + 60, box["y"] + 30)
    await page.mouse.wheel(0, 100)
    wheel = await sent(page, "m.type === 'event' && m.event.type === 'wheel'")
    assert wheel["event"]["dy"] > 0 and wheel["event"]["dx"] == 0  # down: positive
    await page.keyboard.press("Escape")
    assert await page.evaluate("document.activeElement === document.body")


async def test_the_view_shows_state_toolbar_downloads_and_errors(page: Page) -> None:
    view = (await sent(page, "m.type === 'view'"))["view"]
    state = full_state(
        title="Figure 1",
        message="x=1.5 y=2",
        toolbar=[
            {"name": "home", "label": "Home", "tooltip": "Reset", "toggle": False},
            {"name": "pan", "label": "Pan", "tooltip": "Pan", "toggle": True},
        ],
        active="pan",
        disabled=["home"],
        rubberband=[10, 10, 50, 30],
        cursor="move",
    )
    await page.evaluate("(s) => deliver(s)", state)
    await expect(page.locator(".nw-canvas-title")).to_have_text("Figure 1")
    await expect(page.locator(".nw-canvas-status")).to_have_text("x=1.5 y=2")
    await expect(page.locator(".nw-canvas-button-home")).to_be_disabled()
    await expect(page.locator(".nw-canvas-button-pan")).to_have_attribute("aria-pressed", "true")
    band = page.locator(".nw-canvas-rubberband")
    await expect(band).to_be_visible()
    assert await band.evaluate("(b) => [b.style.left, b.style.width]") == ["10px", "40px"]
    assert await page.locator(".nw-canvas-picture").evaluate("(c) => c.style.cursor") == "move"
    await page.locator(".nw-canvas-button-pan").click()
    action = await sent(page, "m.type === 'action'")
    assert action == {"type": "action", "view": view, "name": "pan"}

    async with page.expect_download() as download_info:
        await page.evaluate(
            "([v, b]) => deliver({type: 'download', view: v, filename: 'Figure 1.png', mimetype: 'image/png'}, b)",
            [view, png(4, 4, (0, 255, 0))],
        )
    assert (await download_info.value).suggested_filename == "Figure 1.png"
    await page.evaluate("deliver({type: 'error', text: 'Traceback: boom'})")
    await expect(page.locator(".nw-canvas-error")).to_contain_text("boom")

    # The output area narrows: the view asks for a size that fits.
    await page.evaluate("document.getElementById('out').style.width = '100px'")
    resize = await sent(page, "m.type === 'event' && m.event.type === 'resize'")
    assert (resize["event"]["width"], resize["event"]["height"]) == (100, 50)

    # Scrolled away: hidden; back: visible again (and a key frame will be sent).
    await page.evaluate("window.scrollTo(0, 2500)")
    await sent(page, "m.type === 'view' && !m.visible")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.wait_for_function(
        "window.sent.filter((m) => m.type === 'view').at(-1).visible === true"
    )

    # The close button closes the canvas for everybody; the comm closing ends input.
    await page.locator(".nw-canvas-close").click()
    assert (await sent(page, "m.type === 'close'"))["view"] == view
    await page.evaluate("closeComm()")
    await expect(page.locator(".nw-canvas-button-pan")).to_be_disabled()
    await expect(page.locator(".nw-canvas-close")).to_be_hidden()
    count = await page.evaluate("window.sent.length")
    await page.locator(".nw-canvas-picture").click()
    assert await page.evaluate("window.sent.length") == count


async def test_destroy_detaches_and_removes_the_view(page: Page) -> None:
    await sent(page, "m.type === 'view'")
    await page.evaluate("window.handle.destroy()")
    detach = await sent(page, "m.type === 'detach'")
    assert detach["view"] == await page.evaluate("window.handle.viewId")
    assert await page.locator(".nw-canvas").count() == 0


def split_png(width: int, height: int) -> str:
    """Left half red, right half blue."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = (255, 0, 0)
    pixels[:, width // 2 :] = (0, 0, 255)
    return png_of(pixels)


async def test_a_pan_is_predicted_until_a_true_frame_reflects_it(page: Page) -> None:
    view = (await sent(page, "m.type === 'view'"))["view"]
    state = full_state(
        toolbar=[{"name": "pan", "label": "Pan", "tooltip": "", "toggle": True}],
        active="pan",
        regions=[{"rect": [50, 0, 100, 100], "background": "rgb(0, 255, 0)"}],
    )
    await page.evaluate("(s) => deliver(s)", state)
    pan = page.locator(".nw-canvas-button-pan")
    await expect(pan).to_have_attribute("aria-pressed", "true")
    await expect(pan).to_have_css("border-top-style", "inset")  # shown pressed
    await page.evaluate(
        "([f, b]) => deliver(f, b)",
        [frame(1, True, [0, 0, 400, 200], [400, 200]), split_png(400, 200)],
    )
    await sent(page, "m.type === 'ack' && m.frame === 1")
    picture = page.locator(".nw-canvas-picture")
    box = await picture.bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + 100, box["y"] + 50)
    await page.mouse.down()
    await page.mouse.move(box["x"] + 120, box["y"] + 50, steps=2)
    # The region moves 20 logical px (40 physical) right at once; no frame came.
    await expect(picture).to_have_attribute("data-predicted", "1")
    assert await pixel(page, 220, 100) == [255, 0, 0, 255]  # the red half moved over
    assert await pixel(page, 110, 100) == [0, 255, 0, 255]  # the uncovered strip
    assert await pixel(page, 320, 100) == [0, 0, 255, 255]  # outside the region: as sent
    assert await pixel(page, 60, 100) == [255, 0, 0, 255]
    await page.mouse.up()
    up = await sent(page, "m.type === 'event' && m.event.type === 'pointer_up'")
    # The frame that reflects the button going up replaces the prediction.
    reflects = {"view": view, "timestamp": up["event"]["timestamp"]}
    await page.evaluate(
        "([f, b]) => deliver(f, b)",
        [
            {**frame(2, True, [0, 0, 400, 200], [400, 200]), "input": reflects},
            png(400, 200, (0, 0, 255)),
        ],
    )
    await expect(picture).to_have_attribute("data-predicted", "0")
    assert await pixel(page, 220, 100) == [0, 0, 255, 255]
    assert not await page.evaluate("window.sent.some((m) => m.type === 'ack' && m.frame > 2)")
