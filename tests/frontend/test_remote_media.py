"""Images, audio, video and frames from other sites, in Chromium against the real
server: `https:` ones load by default (as in JupyterLab), sanitized and sandboxed;
with `block_remote_content` none is ever requested. The network is off here, so every
request that would leave 127.0.0.1 is answered by the test (a PNG, or a small page),
and the test asserts which were made."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from playwright.async_api import Route, expect

from tests.server.notebook.samples import PNG

from .browser import Session, Tab
from .conftest import ServerFactory

pytestmark = pytest.mark.asyncio(loop_scope="session")

PNG_BYTES = base64.b64decode(PNG)
CAT = "https://images.example.org/cat.png"
OUT = "https://images.example.org/output.png"
EMBED = "https://www.example.org/embed/1"
VIDEO = "https://media.example.org/v.mp4"
AUDIO = "https://media.example.org/a.mp3"

MARKDOWN = f"""\
# Remote media

![a cat]({CAT}) ![local](ok.png)

<img id="insecure" src="http://insecure.example.org/x.png">

<iframe id="embed" src="{EMBED}" width="300" height="100" allowfullscreen></iframe>
<iframe id="plain" src="http://www.example.org/embed/2"></iframe>
<iframe id="script" src="javascript:alert(1)"></iframe>
<iframe id="inline" src="data:text/html,<b>x</b>"></iframe>

<video id="video" src="{VIDEO}" controls></video>
<audio id="audio" controls><source src="{AUDIO}" type="audio/mpeg"></audio>
"""

OUTPUT_HTML = (
    f'<p>output</p><img id="out" src="{OUT}"><iframe id="out-frame" src="{EMBED}"></iframe>'
)


def media_notebook(root: Path) -> None:
    (root / "ok.png").write_bytes(PNG_BYTES)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(MARKDOWN),
        nbformat.v4.new_code_cell(
            "show()",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", {"text/html": OUTPUT_HTML, "text/plain": "<HTML>"}
                )
            ],
        ),
    ]
    (root / "media.ipynb").write_text(nbformat.writes(nb))


@asynccontextmanager
async def answered(tab: Tab) -> AsyncIterator[list[tuple[str, dict[str, str]]]]:
    """Answers every request that would leave 127.0.0.1 (a PNG for .png, a small page
    for frames, nothing for the rest); yields them with their headers."""
    made: list[tuple[str, dict[str, str]]] = []

    async def handle(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            await route.continue_()
            return
        made.append((url, await route.request.all_headers()))
        if url.endswith(".png"):
            await route.fulfill(status=200, content_type="image/png", body=PNG_BYTES)
        elif "/embed/" in url:
            await route.fulfill(status=200, content_type="text/html", body="<p id=framed>hi</p>")
        else:
            await route.abort()

    await tab.page.context.route("**/*", handle)
    try:
        yield made
    finally:
        await tab.page.context.unroute_all(behavior="ignoreErrors")


async def loaded(tab: Tab, selector: str) -> None:
    img = tab.page.locator(selector)
    await expect(img).to_have_count(1)
    await img.evaluate("(i) => i.decode()")  # throws when the image did not load


async def test_https_media_load_sanitized_and_sandboxed(
    serve: ServerFactory, session: Session
) -> None:
    async with serve() as server:
        media_notebook(server.root)
        tab = await session.page(server, "/tree/")
        async with answered(tab) as made:
            await tab.page.goto(f"{server.url}/notebooks/media.ipynb")
            await tab.connected()
            md = tab.cell(0).locator(".nw-markdown")
            await expect(md.locator("h1")).to_have_text("Remote media")
            await loaded(tab, f'.nw-markdown img[src="{CAT}"]')
            await loaded(tab, f'.nw-output img[src="{OUT}"]')
            cat = md.locator(f'img[src="{CAT}"]')
            await expect(cat).to_have_attribute("referrerpolicy", "no-referrer")

            # Only https frames stay, sandboxed without allow-same-origin.
            for frame in (
                md.locator("iframe"),
                tab.page.locator(".nw-html iframe"),
            ):
                await expect(frame).to_have_count(1)
                await expect(frame).to_have_attribute("src", EMBED)
                sandbox = await frame.get_attribute("sandbox")
                assert sandbox is not None and "allow-scripts" in sandbox.split()
                assert "allow-same-origin" not in sandbox
                await expect(frame).to_have_attribute("referrerpolicy", "no-referrer")
            framed = tab.cell(0).frame_locator(".nw-markdown iframe")
            await expect(framed.locator("#framed")).to_have_text("hi")
            # The framed page runs in an opaque origin: no cookies or storage of its own.
            inner = next(f for f in tab.page.frames if f.url == EMBED)
            assert await inner.evaluate("origin") == "null"

            await expect(md.locator("video")).to_have_attribute("src", VIDEO)
            await expect(md.locator(f'audio source[src="{AUDIO}"]')).to_have_count(1)
            # http: media and javascript:/data:/http: frames are dropped, not left to fail.
            await expect(md.locator("img")).to_have_count(2)
            html = await md.inner_html()
            for gone in ("insecure.example.org", "javascript:", "data:text/html", "embed/2"):
                assert gone not in html, gone
            await expect(tab.page.locator("video[src]")).to_have_count(1)

        urls = [u for u, _ in made]
        assert CAT in urls and OUT in urls and EMBED in urls
        assert not any(u.startswith("http://") for u in urls), urls
        for url, headers in made:
            assert "referer" not in headers, url
            assert "cookie" not in headers, url
        assert tab.errors == []


async def test_blocked_remote_media_are_never_requested(
    serve: ServerFactory, session: Session
) -> None:
    async with serve(block_remote_content=True) as server:
        media_notebook(server.root)
        tab = await session.page(server, "/tree/")
        async with answered(tab) as made:
            await tab.page.goto(f"{server.url}/notebooks/media.ipynb")
            await tab.connected()
            md = tab.cell(0).locator(".nw-markdown")
            await expect(md.locator("h1")).to_have_text("Remote media")
            # The local image loaded: by now a remote one would have been requested.
            await loaded(tab, '.nw-markdown img[src$="ok.png"]')
            await expect(tab.page.locator(".nw-output")).to_contain_text("output")
            await expect(tab.page.locator("img, iframe, video, audio")).to_have_count(1)
            # And the page's CSP refuses remote media that gets in some other way.
            refused = await tab.page.evaluate(
                """(src) => new Promise((done) => {
                    const img = new Image();
                    img.onload = () => done(false);
                    img.onerror = () => done(true);
                    img.src = src;
                    document.body.append(img);
                })""",
                CAT + "?sneaked",
            )
            assert refused is True
        assert made == []
