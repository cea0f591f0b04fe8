"""Jupyter widgets in Chromium against the real server and kernel (issue 11): widget views
render in sandboxed frames (/static/widgets.html), one per run of consecutive widget
outputs of a cell, driven by ipywidgets' own JavaScript, and talk to the kernel through
the page."""

from __future__ import annotations

import re

import nbformat
import pytest
from playwright.async_api import Locator, expect

from tests.server.notebook_server import Server, write_notebook

from .browser import KERNEL_TIMEOUT_MS, Session, Tab
from .conftest import ServerFactory

pytestmark = pytest.mark.asyncio(loop_scope="session")


def widget(tab: Tab, cell: int, nth: int = 0) -> Locator:
    """The `nth` widget view of `cell` (its outputs in a row share one frame)."""
    frame = tab.cell(cell).frame_locator("iframe.nw-widget-frame").first
    return frame.locator("body > .nw-widget, body > .nw-widget-error").nth(nth)


async def run_cell(tab: Tab, index: int) -> None:
    await tab.cell(index).click()
    await tab.command_mode()
    await tab.page.keyboard.press("Control+Enter")


@pytest.mark.parametrize("kernel", ["notewire", "python3"])
async def test_an_int_slider_renders_and_moving_it_changes_the_kernel_value(
    server: Server, session: Session, kernel: str
) -> None:
    write_notebook(
        server.root / "slider.ipynb",
        kernel=kernel,
        cells=[
            "import ipywidgets as w\ns = w.IntSlider(value=3, max=10, description='n')\ns",
            "print('value', s.value)",
        ],
    )
    tab = await session.notebook(server, "slider.ipynb")
    await run_cell(tab, 0)
    frame = widget(tab, 0)
    await expect(frame.locator(".widget-readout")).to_have_text("3", timeout=KERNEL_TIMEOUT_MS)
    await expect(frame.locator(".widget-label")).to_have_text("n")
    # The keyboard moves noUiSlider's handle, as a user would.
    handle = frame.locator(".noUi-handle")
    await handle.focus()
    for _ in range(4):
        await handle.press("ArrowRight")
    await expect(frame.locator(".widget-readout")).to_have_text("7")
    await run_cell(tab, 1)
    await expect(tab.cell(1).locator(".nw-stream")).to_have_text(
        "value 7", timeout=KERNEL_TIMEOUT_MS
    )
    assert tab.errors == []


ANYWIDGET_COUNTER = '''
import anywidget, traitlets

class Counter(anywidget.AnyWidget):
    _esm = """
    async function probe() {
      let cookie;
      try { cookie = "cookie:" + JSON.stringify(document.cookie); }
      catch (e) { cookie = "cookie:" + e.name; }
      let api;
      try { const r = await fetch("/api/contents"); api = "api:" + r.status; }
      catch (e) { api = "api:" + e.name; }
      return cookie + " " + api + " origin:" + self.origin;
    }
    export default {
      async render({ model, el }) {
        const button = document.createElement("button");
        button.className = "counter";
        const show = () => { button.textContent = "count " + model.get("value"); };
        show();
        button.addEventListener("click", () => {
          model.set("value", model.get("value") + 1);
          model.save_changes();
        });
        model.on("change:value", show);
        const report = document.createElement("pre");
        report.className = "probe";
        report.textContent = await probe();
        el.append(button, report);
      },
    };
    """
    value = traitlets.Int(0).tag(sync=True)

c = Counter()
c
'''


async def test_an_anywidget_runs_its_esm_in_the_sandbox_and_clicks_reach_the_kernel(
    server: Server, session: Session
) -> None:
    write_notebook(server.root / "any.ipynb", cells=[ANYWIDGET_COUNTER, "print('kernel', c.value)"])
    tab = await session.notebook(server, "any.ipynb")
    await run_cell(tab, 0)
    frame = widget(tab, 0)
    button = frame.locator("button.counter")
    await expect(button).to_have_text("count 0", timeout=KERNEL_TIMEOUT_MS)
    # The widget's code sees no cookie and cannot call the server's API.
    await expect(frame.locator("pre.probe")).to_have_text(
        re.compile(r'^cookie:(""|SecurityError) api:TypeError origin:null$')
    )
    await button.click()
    await expect(button).to_have_text("count 1")
    await run_cell(tab, 1)
    await expect(tab.cell(1).locator(".nw-stream")).to_have_text(
        "kernel 1", timeout=KERNEL_TIMEOUT_MS
    )
    assert tab.errors == []


async def test_a_slider_readout_too_long_for_its_box_is_marked_overflowing_and_unmarked(
    server: Server, session: Session
) -> None:
    # The frame checks every readout once a frame (widget-frame/readout.ts), not in
    # each slider's update: the class must still follow the value. (23 digits
    # overflow the readout; noUiSlider rounds a value that large in its last digits.)
    write_notebook(
        server.root / "readout.ipynb",
        cells=[
            "import ipywidgets as w\ns = w.IntSlider(value=10**22, max=10**23)\ns",
            "s.value = 7",
        ],
    )
    tab = await session.notebook(server, "readout.ipynb")
    await run_cell(tab, 0)
    readout = widget(tab, 0).locator(".widget-readout")
    await expect(readout).to_have_text(re.compile(r"^1\d{22}$"), timeout=KERNEL_TIMEOUT_MS)
    await expect(readout).to_have_class(re.compile(r"\boverflow\b"))
    await run_cell(tab, 1)
    await expect(readout).to_have_text("7", timeout=KERNEL_TIMEOUT_MS)
    await expect(readout).not_to_have_class(re.compile(r"\boverflow\b"))
    assert tab.errors == []


async def test_two_views_of_one_model_both_follow_the_kernel(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "two.ipynb",
        cells=[
            "import ipywidgets as w\nt = w.Text(value='first')\nt",
            "display(t)",
            "t.value = 'from the kernel'",
        ],
    )
    tab = await session.notebook(server, "two.ipynb")
    for i in range(3):
        await run_cell(tab, i)
    for cell in (0, 1):
        await expect(widget(tab, cell).locator("input[type=text]")).to_have_value(
            "from the kernel", timeout=KERNEL_TIMEOUT_MS
        )
    assert tab.errors == []


async def test_a_spare_frame_builds_the_views_of_new_widgets_before_their_output_comes(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "ahead.ipynb",
        cells=[
            "import ipywidgets as w\nw.IntSlider(description='warm')",
            "hidden = [w.IntSlider(description='hidden') for _ in range(3)]\n"
            "s = w.IntSlider(value=7, description='twice')\n"
            "b = w.VBox([w.IntSlider(value=i, description=f'x{i}') for i in range(5)])",
            "display(b, s, s)",
        ],
    )
    tab = await session.notebook(server, "ahead.ipynb")
    await run_cell(tab, 0)
    await expect(widget(tab, 0).locator(".widget-label")).to_have_text(
        "warm", timeout=KERNEL_TIMEOUT_MS
    )
    # The notebook shows widgets: a spare frame loads, hidden, for the next output.
    spare = await tab.page.wait_for_selector(".nw-widget-spare iframe", state="attached")
    frame = await spare.content_frame()
    assert frame is not None
    await frame.wait_for_load_state("load")
    await run_cell(tab, 1)
    # The widgets' output comes once the spare has begun a view of each new model (ten:
    # three hidden sliders, `s`, the box and its five), however fast the page is.
    await expect(frame.locator("html")).to_have_attribute(
        "data-views-begun", "10", timeout=KERNEL_TIMEOUT_MS
    )
    await run_cell(tab, 2)
    views = tab.cell(2).frame_locator("iframe.nw-widget-frame").first
    labels = views.locator(".widget-slider .widget-label")
    await expect(labels).to_have_text(
        ["x0", "x1", "x2", "x3", "x4", "twice", "twice"], timeout=KERNEL_TIMEOUT_MS
    )
    # The box, its sliders and the first view of `s` were built ahead; the second view
    # of `s` is a view of its own; the hidden sliders' views were dropped, never shown.
    await expect(views.locator("html")).to_have_attribute("data-views-ahead", "7")
    # A view built ahead is live like any other.
    handle = views.locator(".widget-slider").nth(5).locator(".noUi-handle")
    await handle.focus()
    await handle.press("ArrowRight")
    await expect(views.locator(".widget-slider .widget-readout").nth(6)).to_have_text("8")
    assert tab.errors == []


def foreign_widget_notebook(model_id: str) -> str:
    """A notebook as if downloaded (never signed): a saved widget view of `model_id`,
    and a cell that makes a live model of that id."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "notewire",
        "display_name": "notewire",
        "language": "python",
    }
    view = {"model_id": model_id, "version_major": 2, "version_minor": 0}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "the saved view",
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    {
                        "application/vnd.jupyter.widget-view+json": view,
                        "text/plain": "IntSlider(value=4) as text",
                    },
                )
            ],
        ),
        nbformat.v4.new_code_cell(
            f"import ipywidgets as w\ns = w.IntSlider(value=4, model_id={model_id!r})"
        ),
    ]
    return nbformat.writes(nb)


async def test_an_untrusted_widget_view_shows_its_text_until_trusted(
    server: Server, session: Session
) -> None:
    (server.root / "foreign.ipynb").write_text(foreign_widget_notebook("fixed-model-id"))
    tab = await session.notebook(server, "foreign.ipynb")
    page = tab.page
    await expect(page.locator(".nw-trust")).to_be_visible()
    await run_cell(tab, 1)
    await expect(tab.cell(1).locator(".nw-prompt")).to_have_text("[1]", timeout=KERNEL_TIMEOUT_MS)
    # The model is live in the page now, yet the untrusted output runs no widget code
    # (the page keeps a spare widget frame loaded, out of the cells, holding no model).
    await expect(tab.cell(0).locator(".nw-output")).to_have_text("IntSlider(value=4) as text")
    assert await page.locator(".nw-cell iframe.nw-widget-frame").count() == 0
    await page.locator(".nw-trust button").click()
    await expect(widget(tab, 0).locator(".widget-readout")).to_have_text("4")
    assert tab.errors == []


async def test_a_tqdm_notebook_bar_ends_at_100_percent(server: Server, session: Session) -> None:
    write_notebook(
        server.root / "bar.ipynb",
        cells=["from tqdm.notebook import tqdm\nfor i in tqdm(range(40), desc='loop'):\n    pass"],
    )
    tab = await session.notebook(server, "bar.ipynb")
    await run_cell(tab, 0)
    frame = widget(tab, 0)
    await expect(frame.locator(".widget-hprogress")).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    labels = frame.locator(".widget-html-content")
    await expect(labels.first).to_have_text(re.compile(r"^loop:\s100%"))
    await expect(labels.last).to_have_text(re.compile(r"^\s*40/40"))
    assert tab.errors == []


RFB = """
import numpy as np
from jupyter_rfb import RemoteFrameBuffer

class Red(RemoteFrameBuffer):
    events = []

    def get_frame(self):
        a = np.zeros((40, 60, 3), np.uint8)
        a[..., 0] = 255
        return a

    def handle_event(self, event):
        if event["event_type"] == "pointer_down":
            self.events.append(event)

r = Red(css_width="60px", css_height="40px")
r
"""


async def test_a_jupyter_rfb_widget_shows_frames_and_gets_pointer_events(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "rfb.ipynb",
        cells=[RFB, "print('downs', len(r.events), r.events and r.events[0]['button'])"],
    )
    tab = await session.notebook(server, "rfb.ipynb")
    await run_cell(tab, 0)
    # jupyter_rfb shows an Output widget (for its print()) and then the frame buffer.
    frame = widget(tab, 0, 1)
    image = frame.locator(".renderview-wrapper img")
    # A frame from get_frame arrived: the image holds its pixels (60 x 40, red).
    await expect(image).to_have_js_property("naturalWidth", 60, timeout=KERNEL_TIMEOUT_MS)
    # Its size is known once the header is read, before all its pixels are: read them once the
    # image says it is decoded (decode() rejects when a newer frame replaces it: wait for that one).
    red = await image.evaluate(
        """async (img) => {
            for (let tries = 0; tries < 100; tries++) {
                try { await img.decode(); break; } catch { await new Promise(requestAnimationFrame); }
            }
            const c = document.createElement("canvas");
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const g = c.getContext("2d"); g.drawImage(img, 0, 0);
            return Array.from(g.getImageData(30, 20, 1, 1).data.slice(0, 3));
        }"""
    )
    assert red[0] > 200 and red[1] < 50 and red[2] < 50, red
    await image.click()
    await run_cell(tab, 1)
    await expect(tab.cell(1).locator(".nw-stream")).to_have_text(
        "downs 1 1", timeout=KERNEL_TIMEOUT_MS
    )
    assert tab.errors == []


async def test_after_a_restart_widgets_keep_their_last_state_as_disconnected(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "restart.ipynb",
        cells=["import ipywidgets as w\ns = w.IntSlider(value=3)\ns", "s.value = 6"],
    )
    tab = await session.notebook(server, "restart.ipynb")
    await run_cell(tab, 0)
    await run_cell(tab, 1)
    frame = widget(tab, 0)
    await expect(frame.locator(".widget-readout")).to_have_text("6", timeout=KERNEL_TIMEOUT_MS)
    await expect(frame.locator(".jupyter-widgets-disconnected")).to_have_count(0)
    await tab.page.get_by_role("button", name="restart the kernel (0, 0)").click()
    await (
        tab.page.locator("dialog.nw-dialog")
        .get_by_role("button", name="Restart", exact=True)
        .click()
    )
    # The model's comm is gone with the kernel: the view shows its last state, disconnected.
    await expect(frame.locator(".jupyter-widgets-disconnected")).to_have_count(
        1, timeout=KERNEL_TIMEOUT_MS
    )
    await expect(frame.locator(".widget-readout")).to_have_text("6")
    await tab.kernel_idle()
    await expect(frame.locator(".widget-readout")).to_have_text("6")
    assert tab.errors == []


# --- what needs the server's widget support (WIDGETS-CONTRACT.md) -------------------


async def test_fifty_fast_changes_from_the_page_end_equal_in_page_and_kernel(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "fast.ipynb",
        cells=["import ipywidgets as w\ns = w.IntSlider(value=0, max=100)\ns", "print(s.value)"],
    )
    tab = await session.notebook(server, "fast.ipynb")
    await run_cell(tab, 0)
    frame = widget(tab, 0)
    await expect(frame.locator(".widget-readout")).to_have_text("0", timeout=KERNEL_TIMEOUT_MS)
    handle = frame.locator(".noUi-handle")
    await handle.focus()
    for _ in range(50):
        await handle.press("ArrowRight")
    await expect(frame.locator(".widget-readout")).to_have_text("50")
    # ipywidgets keeps one change in flight and sends the last one when the kernel is
    # idle from it: the kernel ends at the page's value.
    await run_cell(tab, 1)
    await expect(tab.cell(1).locator(".nw-stream")).to_have_text("50", timeout=KERNEL_TIMEOUT_MS)
    # And no echo of an older change moved the page's slider back meanwhile.
    await expect(frame.locator(".widget-readout")).to_have_text("50")
    assert tab.errors == []


async def test_two_browsers_on_one_notebook_move_one_slider(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "shared.ipynb",
        cells=["import ipywidgets as w\ns = w.IntSlider(value=2)\ns", "print('kernel', s.value)"],
    )
    a = await session.notebook(server, "shared.ipynb")
    b = await session.notebook(server, "shared.ipynb")
    await run_cell(a, 0)
    for tab in (a, b):
        await expect(widget(tab, 0).locator(".widget-readout")).to_have_text(
            "2", timeout=KERNEL_TIMEOUT_MS
        )
    handle = widget(a, 0).locator(".noUi-handle")
    await handle.focus()
    for _ in range(3):
        await handle.press("ArrowRight")
    await expect(widget(b, 0).locator(".widget-readout")).to_have_text("5")
    # and back from B
    handle_b = widget(b, 0).locator(".noUi-handle")
    await handle_b.focus()
    await handle_b.press("ArrowLeft")
    await expect(widget(a, 0).locator(".widget-readout")).to_have_text("4")
    await run_cell(a, 1)
    await expect(a.cell(1).locator(".nw-stream")).to_have_text(
        "kernel 4", timeout=KERNEL_TIMEOUT_MS
    )
    assert a.errors == [] and b.errors == []


SPY_ON_WIDGET_MESSAGES = """
import ipywidgets as w
methods = []
_handle_msg = w.Widget._handle_msg
def _spy(self, msg):
    methods.append(msg['content']['data'].get('method'))
    return _handle_msg(self, msg)
w.Widget._handle_msg = _spy
"""


async def test_a_reload_renders_every_widget_with_no_request_to_the_kernel(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "reload.ipynb",
        cells=[
            SPY_ON_WIDGET_MESSAGES,
            "s = w.IntSlider(value=1)\nbox = w.VBox([w.Text(value='in a box'), w.Button(description='go')])\ndisplay(s, box)",
            "s.value = 8",
            "print(methods)",
        ],
    )
    tab = await session.notebook(server, "reload.ipynb")
    for i in range(3):
        await run_cell(tab, i)
    await expect(widget(tab, 1, 0).locator(".widget-readout")).to_have_text(
        "8", timeout=KERNEL_TIMEOUT_MS
    )
    await tab.page.reload()
    await tab.connected()
    # Every widget shows its current state (the kernel's last change included) ...
    await expect(widget(tab, 1, 0).locator(".widget-readout")).to_have_text("8")
    await expect(widget(tab, 1, 1).locator("input[type=text]")).to_have_value("in a box")
    await expect(widget(tab, 1, 1).locator("button")).to_have_text("go")
    # ... and the kernel was asked for nothing.
    await run_cell(tab, 3)
    await expect(tab.cell(3).locator(".nw-stream")).to_have_text("[]", timeout=KERNEL_TIMEOUT_MS)
    assert tab.errors == []


async def test_after_a_reconnect_a_shown_widget_follows_the_kernel_again(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "reconnect.ipynb",
        cells=["import ipywidgets as w\ns = w.IntSlider(value=1)\ns", "s.value = 5"],
    )
    tab = await session.notebook(server, "reconnect.ipynb")
    await run_cell(tab, 0)
    readout = widget(tab, 0).locator(".widget-readout")
    await expect(readout).to_have_text("1", timeout=KERNEL_TIMEOUT_MS)
    # The connection drops and comes back: the page's frames start over from the new
    # hello (their document loads again, under a new name in its URL's fragment).
    await tab.page.evaluate("() => window.notewire.page.client.socket.close()")
    await expect(tab.page.locator("#app")).not_to_have_attribute("data-connection", "connected")
    await tab.connected()
    await run_cell(tab, 1)
    await expect(readout).to_have_text("5", timeout=KERNEL_TIMEOUT_MS)
    assert tab.errors == []


async def test_a_spare_frame_that_does_not_answer_is_replaced_by_a_fresh_one(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "dead-spare.ipynb",
        cells=["import ipywidgets as w\nw.IntSlider(value=1)", "w.IntSlider(value=2)"],
    )
    tab = await session.notebook(server, "dead-spare.ipynb")
    await run_cell(tab, 0)
    await expect(widget(tab, 0).locator(".widget-readout")).to_have_text(
        "1", timeout=KERNEL_TIMEOUT_MS
    )
    # The notebook has widgets: a spare frame is loaded for the next output. Its
    # document goes away (whether or not it said it is ready): it will never answer.
    spare = tab.page.locator(".nw-widget-spare iframe")
    await expect(spare).to_have_count(1, timeout=KERNEL_TIMEOUT_MS)
    await spare.evaluate("(f) => { f.src = 'about:blank'; }")
    await run_cell(tab, 1)
    # The output takes the spare, which does not answer: a fresh frame shows the view.
    await expect(widget(tab, 1).locator(".widget-readout")).to_have_text(
        "2", timeout=KERNEL_TIMEOUT_MS
    )
    assert tab.errors == []


@pytest.mark.parametrize("kernel", ["notewire", "python3"])
async def test_a_button_callback_prints_into_its_cell(
    server: Server, session: Session, kernel: str
) -> None:
    write_notebook(
        server.root / "button.ipynb",
        kernel=kernel,
        cells=[
            "import ipywidgets as w\nb = w.Button(description='go', icon='check')\n"
            "b.on_click(lambda _: print('clicked'))\nb"
        ],
    )
    tab = await session.notebook(server, "button.ipynb")
    await run_cell(tab, 0)
    button = widget(tab, 0).get_by_role("button", name="go")
    await button.click(timeout=KERNEL_TIMEOUT_MS)
    await expect(tab.cell(0).locator(".nw-stream")).to_have_text(
        "clicked", timeout=KERNEL_TIMEOUT_MS
    )
    await button.click()
    await expect(tab.cell(0).locator(".nw-stream")).to_have_text("clicked\nclicked")
    # Its icon is drawn with Font Awesome, served by notewire (no CDN).
    icon = button.locator("i.fa-check")
    await expect(icon).to_have_css("font-family", re.compile("Font Awesome"))
    assert await icon.evaluate(
        "async () => { await document.fonts.ready; return [...document.fonts].some("
        "(f) => f.family.includes('Font Awesome') && f.status === 'loaded'); }"
    )
    assert tab.errors == []


async def test_a_saved_notebook_opened_by_a_new_server_shows_its_widgets_static(
    serve: ServerFactory, session: Session
) -> None:
    async with serve() as first:
        write_notebook(
            first.root / "saved.ipynb",
            cells=["import ipywidgets as w\ns = w.IntSlider(value=2)\ns", "s.value = 7"],
        )
        tab = await session.notebook(first, "saved.ipynb")
        await run_cell(tab, 0)
        await run_cell(tab, 1)
        await expect(widget(tab, 0).locator(".widget-readout")).to_have_text(
            "7", timeout=KERNEL_TIMEOUT_MS
        )
        await tab.page.keyboard.press("Control+s")
        await expect(tab.page.locator(".nw-save")).to_have_attribute("data-dirty", "false")
        await tab.page.close()
    async with serve() as second:
        tab = await session.notebook(second, "saved.ipynb")
        # No kernel knows the model: it renders from the file's saved state, disconnected.
        frame = widget(tab, 0)
        await expect(frame.locator(".widget-readout")).to_have_text("7", timeout=KERNEL_TIMEOUT_MS)
        await expect(frame.locator(".jupyter-widgets-disconnected")).to_have_count(1)
        assert tab.errors == []


@pytest.mark.parametrize("kernel", ["notewire", "python3"])
async def test_output_widget_capture_shows_inside_the_widget(
    server: Server, session: Session, kernel: str
) -> None:
    write_notebook(
        server.root / "out.ipynb",
        kernel=kernel,
        cells=[
            "import ipywidgets as w\nout = w.Output()\ndisplay(out)\n"
            "with out:\n    print('inside the widget')\nprint('in the cell')"
        ],
    )
    tab = await session.notebook(server, "out.ipynb")
    await run_cell(tab, 0)
    await expect(widget(tab, 0).locator(".widget-output")).to_contain_text(
        "inside the widget", timeout=KERNEL_TIMEOUT_MS
    )
    await expect(tab.cell(0).locator(".nw-stream")).to_have_text("in the cell")
    assert tab.errors == []


@pytest.mark.parametrize("kernel", ["notewire", "python3"])
async def test_interact_output_follows_the_slider(
    server: Server, session: Session, kernel: str
) -> None:
    write_notebook(
        server.root / "interact.ipynb",
        kernel=kernel,
        cells=[
            "from ipywidgets import interact\n@interact(x=(0, 10))\n"
            "def square(x=5):\n    print('square:', x * x)"
        ],
    )
    tab = await session.notebook(server, "interact.ipynb")
    await run_cell(tab, 0)
    frame = widget(tab, 0)
    await expect(frame.locator(".widget-output")).to_have_text(
        re.compile(r"^\s*square: 25\s*$"), timeout=KERNEL_TIMEOUT_MS
    )
    handle = frame.locator(".noUi-handle")
    await handle.focus()
    for _ in range(3):
        await handle.press("ArrowRight")
    await expect(frame.locator(".widget-output")).to_have_text(re.compile(r"^\s*square: 64\s*$"))
    assert tab.errors == []


@pytest.mark.parametrize("kernel", ["python3"])
async def test_ipympl_loads_its_installed_module_and_draws(
    server: Server, session: Session, kernel: str
) -> None:
    write_notebook(
        server.root / "mpl.ipynb",
        kernel=kernel,
        cells=[
            "%matplotlib widget\nimport matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots(figsize=(3, 2))\nax.fill_between([0, 1], [1, 1], color='red')"
        ],
    )
    tab = await session.notebook(server, "mpl.ipynb")
    await run_cell(tab, 0)
    # jupyter-matplotlib is not in the frame's bundle: it comes from the server's
    # share/jupyter/nbextensions, and draws the kernel's image on its canvas.
    canvas = widget(tab, 0).locator(".jupyter-matplotlib-canvas-div canvas").first
    await expect(canvas).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    red_pixels_over_100 = """(c) => {
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 60 && d[i + 2] < 60) n++;
        return n > 100;
    }"""
    handle = await canvas.element_handle()
    frame = await handle.owner_frame()
    assert frame is not None
    await frame.wait_for_function(red_pixels_over_100, arg=handle, timeout=KERNEL_TIMEOUT_MS)
    assert tab.errors == []


async def test_a_widget_whose_module_is_not_installed_shows_why_and_others_still_work(
    server: Server, session: Session
) -> None:
    write_notebook(
        server.root / "missing.ipynb",
        cells=[
            "import ipywidgets as w, traitlets\n"
            "class Missing(w.DOMWidget):\n"
            "    _model_module = traitlets.Unicode('ipy-not-installed').tag(sync=True)\n"
            "    _model_name = traitlets.Unicode('MissingModel').tag(sync=True)\n"
            "    _view_module = traitlets.Unicode('ipy-not-installed').tag(sync=True)\n"
            "    _view_name = traitlets.Unicode('MissingView').tag(sync=True)\n"
            "Missing()",
            "w.IntSlider(value=9)",
        ],
    )
    tab = await session.notebook(server, "missing.ipynb")
    await run_cell(tab, 0)
    await run_cell(tab, 1)
    # ipywidgets' own error view, which tells why on a click.
    error = widget(tab, 0)
    await error.get_by_text("Click to show javascript error.").click(timeout=KERNEL_TIMEOUT_MS)
    await expect(error).to_contain_text("ipy-not-installed is not installed on the server")
    # The second cell's frame may have to load anew (the spare went to the first): the
    # same failure bound as the other waits here, not Playwright's 5 s default.
    await expect(widget(tab, 1).locator(".widget-readout")).to_have_text(
        "9", timeout=KERNEL_TIMEOUT_MS
    )
    assert tab.errors == []


CATALOGUE = """
import inspect
import ipywidgets as w

# Every control ipywidgets offers, taken from its own namespace rather than a list of
# ours, so that a control a later ipywidgets adds is tried too.
NEEDS = {
    "SelectionSlider": {"options": ["a", "b"]},
    "SelectionRangeSlider": {"options": ["a", "b", "c"], "index": (0, 1)},
    "interactive": {"__args__": (lambda x=1: x,)},
    "GridspecLayout": {"n_rows": 2, "n_columns": 2},
}
shown, controls = [], []
for name in sorted(dir(w)):
    cls = getattr(w, name)
    if not (inspect.isclass(cls) and issubclass(cls, w.DOMWidget)) or cls is w.DOMWidget:
        continue
    kwargs = dict(NEEDS.get(name, {}))
    control = cls(*kwargs.pop("__args__", ()), **kwargs)
    control.add_class(f"nw-cat-{name}")
    shown.append(name)
    controls.append(control)
w.VBox(controls)
"""


async def test_every_standard_control_renders(server: Server, session: Session) -> None:
    write_notebook(server.root / "catalogue.ipynb", cells=[CATALOGUE, "print(shown)"])
    tab = await session.notebook(server, "catalogue.ipynb")
    await run_cell(tab, 0)
    await run_cell(tab, 1)
    listing = tab.cell(1).locator(".nw-stream")
    await expect(listing).to_contain_text("Accordion", timeout=KERNEL_TIMEOUT_MS)
    names = [n.strip(" '") for n in (await listing.inner_text()).strip("[]\n").split(",")]
    assert len(names) >= 50  # ipywidgets 8 has 56
    frame = widget(tab, 0)
    for name in names:
        await expect(frame.locator(f".nw-cat-{name}").first).to_be_attached()
    await expect(frame.get_by_text("Click to show javascript error.")).to_have_count(0)
    assert tab.errors == []
