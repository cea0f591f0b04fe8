"""OutputWriter on real pycrdt documents: stream merging against JupyterLab's algorithm,
display updates across cells, clear_output(wait=True), limits, and convergence with a
browser's replica editing at the same time."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text

from notewire.protocol.content import (
    ClearOutput,
    DisplayData,
    Error,
    ExecuteResult,
    Status,
    Stream,
    UpdateDisplayData,
)
from notewire.server.notebook import (
    OutputLimits,
    OutputWriter,
    cells_array,
    get_cell,
    new_cell,
    new_document,
    parse_notebook,
    serialize_notebook,
    stream_text,
    to_notebook,
)
from notewire.server.notebook.outputs import has_display_ids
from notewire.server.notebook.stream import SCREEN_ROWS

from .samples import full_notebook, jupyter_bytes
from .test_stream import jupyterlab, moves, terminal


def make_doc(*cell_ids: str, markdown: tuple[str, ...] = ()) -> Doc:
    cells = [
        {
            "id": i,
            "cell_type": "code",
            "source": "",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
        }
        for i in cell_ids
    ]
    cells += [{"id": i, "cell_type": "markdown", "source": "", "metadata": {}} for i in markdown]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    return new_document(nb, trusted=True)


def shown(doc: Doc, cell_id: str) -> list[dict[str, Any]]:
    """The cell's outputs as plain dicts, stream text joined."""
    cell = get_cell(doc, cell_id)
    assert cell is not None
    result = []
    for output in cell["outputs"]:
        item = json.loads(str(output))
        if item["output_type"] == "stream":
            item["text"] = stream_text(output)
        result.append(item)
    return result


def texts(doc: Doc, cell_id: str) -> list[str]:
    return [o["text"] for o in shown(doc, cell_id) if o["output_type"] == "stream"]


def out(name: str, text: str) -> Stream:
    return Stream(name=name, text=text)  # type: ignore[arg-type]


def display(value: str, display_id: str | None = None) -> DisplayData:
    transient = {"display_id": display_id} if display_id else None
    return DisplayData(data={"text/plain": value}, metadata={}, transient=transient)


def update(value: str, display_id: str) -> UpdateDisplayData:
    return UpdateDisplayData(
        data={"text/plain": value}, metadata={"m": 1}, transient={"display_id": display_id}
    )


@contextmanager
def recorded_updates(doc: Doc) -> Iterator[list[bytes]]:
    updates: list[bytes] = []
    subscription = doc.observe(lambda event: updates.append(event.update))
    try:
        yield updates
    finally:
        doc.unobserve(subscription)


# --- streams -----------------------------------------------------------------------------


def test_streams_of_one_name_merge_and_others_start_a_new_output() -> None:
    doc = make_doc("a")
    writer = OutputWriter(doc)
    for content in [
        out("stdout", "hello\nwor"),
        out("stdout", "ld\n"),
        out("stderr", "warning\n"),
        out("stdout", "more\n"),
        display("x"),
        out("stdout", "after\n"),
    ]:
        writer.apply("a", content)
    assert [(o["output_type"], o.get("name"), o.get("text")) for o in shown(doc, "a")] == [
        ("stream", "stdout", "hello\nworld\n"),
        ("stream", "stderr", "warning\n"),
        ("stream", "stdout", "more\n"),
        ("display_data", None, None),
        ("stream", "stdout", "after\n"),
    ]


def test_carriage_returns_and_backspaces_render_like_jupyterlab() -> None:
    doc = make_doc("a")
    writer = OutputWriter(doc)
    for text in ["start\n", "  0%\r", " 50%\r", "100%\r", "\n", "abc", "\b\bX\n", "ab\rc", "\b"]:
        writer.apply("a", out("stdout", text))
    assert texts(doc, "a") == ["start\n100%\naX\nab\r"]


ops = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.one_of(
            st.tuples(
                st.sampled_from(["stdout", "stderr"]), st.text(alphabet="ab\r\n\bé", max_size=10)
            ),
            st.sampled_from(["display", "clear", "clear_wait"]),
        ),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_outputs_match_a_straightforward_model(operations: list[tuple[str, Any]]) -> None:
    doc = make_doc("a", "b")
    writer = OutputWriter(doc)
    model: dict[str, list[dict[str, Any]]] = {"a": [], "b": []}
    pending: set[str] = set()
    for cell, op in operations:
        if op == "clear_wait":
            writer.apply(cell, ClearOutput(wait=True))
            pending.add(cell)
            continue
        if op == "clear":
            writer.apply(cell, ClearOutput(wait=False))
            model[cell], _ = [], pending.discard(cell)
            continue
        if cell in pending:
            model[cell] = []
            pending.discard(cell)
        if op == "display":
            writer.apply(cell, display("d"))
            model[cell].append(
                {"output_type": "display_data", "data": {"text/plain": "d"}, "metadata": {}}
            )
            continue
        name, text = op
        writer.apply(cell, out(name, text))
        last = model[cell][-1] if model[cell] else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["raw"] += text
        else:
            model[cell].append({"output_type": "stream", "name": name, "raw": text})
    for cell in ("a", "b"):
        expected = []
        for output in model[cell]:
            if output["output_type"] == "stream":
                output = {
                    "output_type": "stream",
                    "name": output["name"],
                    "text": jupyterlab(output["raw"]),
                }
            expected.append(output)
        assert shown(doc, cell) == expected


def test_a_batch_is_one_transaction_with_the_same_result() -> None:
    batch = [
        ("a", out("stdout", "1\n")),
        ("a", out("stdout", "2\r")),
        ("a", out("stdout", "3\r")),
        ("b", out("stdout", "x")),
        ("a", out("stderr", "e\n")),
        ("a", display("d", "d1")),
        ("b", update("y", "d1")),
        ("a", out("stderr", "e2\n")),
        ("b", out("stdout", "y\n")),
    ]
    one_by_one = make_doc("a", "b")
    writer = OutputWriter(one_by_one)
    for cell_id, content in batch:
        writer.apply(cell_id, content)
    batched = make_doc("a", "b")
    with recorded_updates(batched) as updates:
        OutputWriter(batched).apply_many(batch)
    assert len(updates) == 1
    for cell_id in ("a", "b"):
        assert shown(batched, cell_id) == shown(one_by_one, cell_id)
    assert texts(batched, "a") == ["1\n3\r", "e\n", "e2\n"]


def test_only_the_open_line_is_rewritten() -> None:
    doc = make_doc("a")
    writer = OutputWriter(doc)
    writer.apply("a", out("stdout", "".join(f"line {i:06}\n" for i in range(30_000))))
    with recorded_updates(doc) as updates:
        for i in range(200):
            writer.apply("a", out("stdout", f"\r{i:3}% [{'#' * (i // 10):<20}]"))
        writer.apply("a", out("stdout", " done\n"))
        for i in range(200):
            writer.apply("a", out("stdout", f"{i} "))
    assert max(len(u) for u in updates) < 200  # the 360 kB above are never sent again
    text = texts(doc, "a")[0]
    assert text.endswith(
        "line 029999\n199% [################### ] done\n" + " ".join(map(str, range(200))) + " "
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet="ab\n\r", max_size=20), max_size=5), moves, st.integers(2, 20))
def test_cursor_movement_in_the_document_shows_what_a_terminal_shows(
    before: list[str], pieces: list[str], max_chunks: int
) -> None:
    doc = make_doc("a")
    writer = OutputWriter(doc, OutputLimits(max_chunks=max_chunks))
    for text in before + pieces:
        writer.apply("a", out("stdout", text))
        output = get_cell(doc, "a")["outputs"][0]  # type: ignore[index]
        assert len(output["text"]) <= max_chunks
    rows = min(SCREEN_ROWS, max(1, max_chunks // 2 - 1))
    expected = terminal("".join(before + pieces), rows)
    shown_texts = [text.rstrip("\r") for text in texts(doc, "a")]  # a `\r` to go on from
    assert shown_texts == ([expected] if before + pieces else [])


def test_stacked_bars_rewrite_only_the_rows_below_the_cursor() -> None:
    doc = make_doc("a")
    writer = OutputWriter(doc)
    writer.apply("a", out("stdout", "".join(f"line {i:06}\n" for i in range(30_000))))
    with recorded_updates(doc) as updates:
        for i in range(300):
            if i % 100 == 50:  # tqdm.write: clear both bars, print, draw them again
                writer.apply("a", out("stdout", f"\r       \n\r       \x1b[A\rnote {i}\n"))
            writer.apply("a", out("stdout", f"\router {i // 10}\n\rinner {i % 10}\x1b[A"))
    assert max(len(u) for u in updates) < 300  # the 360 kB above are never sent again
    lines = texts(doc, "a")[0].split("\n")
    assert lines[29_999:] == [
        "line 029999",
        "note 50",
        "note 150",
        "note 250",
        "outer 29",
        "inner 9",
    ]
    assert len(get_cell(doc, "a")["outputs"][0]["text"]) < 300  # type: ignore[index]


def test_a_stream_read_from_a_file_is_continued() -> None:
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "id": "a",
                "cell_type": "code",
                "source": "",
                "metadata": {},
                "execution_count": 1,
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": "done\n 10%\r 20%\r"}
                ],
            }
        ],
    }
    doc = new_document(nb, trusted=False)
    OutputWriter(doc).apply("a", out("stdout", "3"))
    assert texts(doc, "a") == ["done\n320%"]
    assert jupyterlab("done\n 10%\r 20%\r3") == "done\n320%"


def test_a_browser_cell_without_outputs_gets_them() -> None:
    doc = make_doc("a")
    cells_array(doc).append(Map({"id": "bare", "cell_type": "code", "source": Text("x")}))
    writer = OutputWriter(doc)
    writer.apply("bare", out("stdout", "hi\n"))
    assert texts(doc, "bare") == ["hi\n"]


def test_other_output_types() -> None:
    doc = make_doc("a")
    writer = OutputWriter(doc)
    writer.apply("a", ExecuteResult(execution_count=7, data={"text/plain": "7"}, metadata={}))
    writer.apply(
        "a", Error(ename="ValueError", evalue="bad", traceback=["\x1b[31mValueError\x1b[0m: bad"])
    )
    writer.apply("a", DisplayData(data={"application/json": {"big": 2**70, "n": 1}}, metadata={}))
    assert shown(doc, "a") == [
        {
            "output_type": "execute_result",
            "execution_count": 7,
            "data": {"text/plain": "7"},
            "metadata": {},
        },
        {
            "output_type": "error",
            "ename": "ValueError",
            "evalue": "bad",
            "traceback": ["\x1b[31mValueError\x1b[0m: bad"],
        },
        {
            "output_type": "display_data",
            "data": {"application/json": {"big": float(2**70), "n": 1}},
            "metadata": {},
        },
    ]
    serialize_notebook(to_notebook(doc))


def test_output_for_a_missing_or_markdown_cell_is_dropped() -> None:
    doc = make_doc("a", markdown=("md",))
    writer = OutputWriter(doc)
    writer.apply("gone", out("stdout", "x"))
    writer.apply("md", display("x"))
    writer.clear("md")
    assert "outputs" not in to_notebook(doc)["cells"][1]
    with pytest.raises(TypeError, match="not output content: Status"):
        writer.apply("a", Status(execution_state="idle"))  # type: ignore[arg-type]


# --- clear_output --------------------------------------------------------------------------


def test_clear_output_wait_clears_when_the_next_output_arrives() -> None:
    doc = make_doc("a", "b")
    writer = OutputWriter(doc)
    writer.apply("a", display("first", "d1"))
    writer.apply("a", out("stdout", "old\n"))
    writer.apply("a", ClearOutput(wait=True))
    assert len(shown(doc, "a")) == 2  # nothing happens yet
    writer.apply("b", out("stdout", "other cell\n"))  # output elsewhere does not count
    writer.apply("a", update("updated", "d1"))  # an update is not a new output
    assert len(shown(doc, "a")) == 2 and shown(doc, "a")[0]["data"] == {"text/plain": "updated"}
    writer.apply("a", out("stdout", "new\n"))
    assert texts(doc, "a") == ["new\n"] and len(shown(doc, "a")) == 1
    writer.apply("a", out("stdout", "more\n"))  # only once
    assert texts(doc, "a") == ["new\nmore\n"]
    assert texts(doc, "b") == ["other cell\n"]


def test_clear_output_now_and_clear_cancel_a_pending_clear() -> None:
    doc = make_doc("a")
    writer = OutputWriter(doc)
    writer.apply("a", out("stdout", "x\n"))
    writer.apply("a", ClearOutput(wait=False))
    assert shown(doc, "a") == []
    writer.apply("a", ClearOutput(wait=True))
    writer.clear("a")
    writer.apply("a", out("stdout", "1\n"))
    writer.apply("a", out("stdout", "2\n"))
    assert texts(doc, "a") == ["1\n2\n"]


# --- display ids ---------------------------------------------------------------------------


def test_update_display_data_updates_every_output_with_that_id() -> None:
    doc = make_doc("a", "b", "c")
    writer = OutputWriter(doc)
    writer.apply("a", display("a1", "shared"))
    writer.apply("a", display("a2", "other"))
    writer.apply("b", out("stdout", "text\n"))
    writer.apply("b", display("b1", "shared"))
    writer.apply("c", display("c1"))
    writer.apply("c", update("new", "shared"))  # sent on behalf of another cell
    assert [o["data"]["text/plain"] for o in shown(doc, "a")] == ["new", "a2"]
    assert shown(doc, "a")[0]["metadata"] == {"m": 1}
    assert shown(doc, "b")[1]["data"] == {"text/plain": "new"}
    assert shown(doc, "c")[0]["data"] == {"text/plain": "c1"}
    writer.apply("c", update("never shown", "unknown"))  # nothing to update
    assert "display_id" not in to_notebook(doc)["cells"][0]["outputs"][0]


def test_display_updates_survive_browsers_deleting_outputs_and_cells() -> None:
    doc = make_doc("a", "b")
    writer = OutputWriter(doc)
    for i in range(3):
        writer.apply("a", display(f"x{i}"))
    writer.apply("a", display("shown", "d"))
    writer.apply("b", display("shown", "d"))
    outputs = get_cell(doc, "a")["outputs"]  # type: ignore[index]
    del outputs[0:2]  # a browser deletes outputs before it
    cells = cells_array(doc)
    cells.insert(0, new_cell("code", "new"))  # and inserts a cell above
    writer.apply("b", update("v2", "d"))
    assert [o["data"]["text/plain"] for o in shown(doc, "a")] == ["x2", "v2"]
    assert shown(doc, "b")[0]["data"]["text/plain"] == "v2"
    del cells[1]  # cell "a" is deleted
    writer.apply("b", update("v3", "d"))
    assert shown(doc, "b")[0]["data"]["text/plain"] == "v3"


def test_a_new_writer_finds_the_displays_already_in_the_document() -> None:
    doc = make_doc("a")
    OutputWriter(doc).apply("a", display("old", "d"))
    OutputWriter(doc).apply("a", update("new", "d"))
    assert shown(doc, "a")[0]["data"] == {"text/plain": "new"}


def test_display_positions_follow_trimmed_outputs() -> None:
    doc = make_doc("a")
    writer = OutputWriter(doc, OutputLimits(max_outputs=8))
    writer.apply("a", display("target", "d"))
    for i in range(20):
        writer.apply("a", display(f"filler {i}"))
        writer.apply("a", display(f"kept {i}", f"k{i}"))
    writer.apply("a", update("updated", "k19"))
    writer.apply("a", update("gone", "d"))
    values = [o["data"]["text/plain"] for o in shown(doc, "a")]
    assert values[-1] == "updated" and "target" not in values and "gone" not in values
    assert len(values) <= 8


# --- limits --------------------------------------------------------------------------------


def test_fifty_megabytes_stay_bounded_and_dropped_characters_are_counted() -> None:
    limits = OutputLimits()
    doc = make_doc("lines", "one-line", "progress")
    writer = OutputWriter(doc, limits)
    line = "".join(f"{i:07} " + "x" * 91 + "\n" for i in range(640))  # 64,000 chars
    written = 0
    for _ in range(800):
        writer.apply("lines", out("stdout", line))
        written += len(line)
        writer.apply("one-line", out("stdout", "y" * 64_000))
    for i in range(20_000):
        writer.apply("progress", out("stderr", f"\r{i:>6} [{'#' * (i % 50):<50}]"))
    assert written == 51_200_000
    size = len(doc.get_update())
    assert size < 2 * limits.max_stream_chars + 200_000
    for cell_id in ("lines", "one-line"):
        output = get_cell(doc, cell_id)["outputs"][0]  # type: ignore[index]
        text = stream_text(output)
        assert len(text) <= limits.max_stream_chars
        assert len(text) + output["dropped_chars"] == written
        assert len(output["text"]) <= limits.max_chunks
    assert stream_text(get_cell(doc, "lines")["outputs"][0]) == (line * 20)[-len(text) :]  # type: ignore[index]
    assert texts(doc, "progress") == [f" 19999 [{'#' * 49:<50}]"]
    saved = to_notebook(doc)["cells"][0]["outputs"][0]["text"]
    assert saved.startswith("[notewire: 50450000 earlier characters were dropped]\n")


limit_ops = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.one_of(st.text(alphabet="ab\n", max_size=30), st.just("display")),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limit_ops, st.integers(1, 40), st.integers(1, 5), st.integers(2, 6))
def test_limits_hold_after_every_message(
    operations: list[tuple[str, str]], max_chars: int, max_outputs: int, max_chunks: int
) -> None:
    limits = OutputLimits(
        max_stream_chars=max_chars, max_outputs=max_outputs, max_chunks=max_chunks
    )
    doc = make_doc("a", "b")
    writer = OutputWriter(doc, limits)
    model: dict[str, list[str | None]] = {"a": [], "b": []}  # stream text, or None: display
    for cell_id, op in operations:
        if op == "display":
            writer.apply(cell_id, display("d"))
            model[cell_id].append(None)
        else:
            writer.apply(cell_id, out("stdout", op))
            if model[cell_id] and model[cell_id][-1] is not None:
                model[cell_id][-1] += op  # type: ignore[operator]
            else:
                model[cell_id].append(op)
        cell = get_cell(doc, cell_id)
        assert cell is not None
        outputs = cell["outputs"]
        dropped_outputs = int(cell.get("outputs_dropped") or 0)
        assert len(outputs) <= max_outputs
        assert dropped_outputs + len(outputs) == len(model[cell_id])
        for output, expected in zip(outputs, model[cell_id][dropped_outputs:], strict=True):
            if expected is None:
                assert output["output_type"] == "display_data"
                continue
            text = stream_text(output)
            dropped = int(output.get("dropped_chars") or 0)
            assert len(text) <= max_chars
            assert len(output["text"]) <= max_chunks
            assert dropped + len(text) == len(expected) and expected.endswith(text)


def test_many_tiny_writes_keep_few_chunks() -> None:
    doc = make_doc("a")
    writer = OutputWriter(doc, OutputLimits(max_chunks=64))
    for i in range(5000):
        writer.apply("a", out("stdout", "." if i % 100 else "\n"))
    output = get_cell(doc, "a")["outputs"][0]  # type: ignore[index]
    assert len(output["text"]) <= 64
    assert stream_text(output) == "".join("." if i % 100 else "\n" for i in range(5000))


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="limits must be positive"):
        OutputLimits(max_outputs=0)
    with pytest.raises(ValueError, match="trim_to"):
        OutputLimits(trim_to=0)


# --- two replicas ----------------------------------------------------------------------------


def sync(a: Doc, b: Doc) -> None:
    a.apply_update(b.get_update(a.get_state()))
    b.apply_update(a.get_update(b.get_state()))


def test_server_writing_outputs_and_browser_editing_converge() -> None:
    rng = random.Random(7)
    server = make_doc("a", "b", "c")
    browser = Doc()
    browser.apply_update(server.get_update())
    writer = OutputWriter(server, OutputLimits(max_chunks=8))
    raw: dict[str, str] = {"a": "", "b": ""}
    typed = ""
    for step in range(400):
        cell_id = rng.choice(["a", "b"])
        text = "".join(rng.choice("xy\n\r") for _ in range(rng.randrange(12)))
        writer.apply(cell_id, out("stdout", text))
        raw[cell_id] += text
        if step % 50 == 25:
            writer.apply("c", display(f"d{step}", "d"))
            writer.apply("a", update(f"u{step}", "d"))
        # the browser types into cell a's source and adds cells
        source = get_cell(browser, "a")["source"]  # type: ignore[index]
        source.insert(len(str(source)), "z")
        typed += "z"
        if step % 97 == 0:
            cells_array(browser).insert(0, new_cell("markdown", f"note {step}"))
        if step == 300:
            del cells_array(browser)[[c["id"] for c in cells_array(browser)].index("b")]
        if rng.random() < 0.3:
            sync(server, browser)
    sync(server, browser)
    assert to_notebook(server) == to_notebook(browser)
    assert str(get_cell(server, "a")["source"]) == typed  # type: ignore[index]
    assert get_cell(server, "b") is None
    assert texts(server, "a") == [jupyterlab(raw["a"])]
    serialize_notebook(to_notebook(browser))


def test_writes_to_a_cell_the_browser_deleted_meanwhile_are_harmless() -> None:
    server = make_doc("a")
    browser = Doc()
    browser.apply_update(server.get_update())
    writer = OutputWriter(server)
    writer.apply("a", out("stdout", "before\n"))
    sync(server, browser)
    del cells_array(browser)[0]
    writer.apply("a", out("stdout", "during\n"))  # not yet seen the deletion
    sync(server, browser)
    writer.apply("a", out("stdout", "after\n"))  # now it has
    writer.apply("a", update("x", "d"))
    sync(server, browser)
    assert to_notebook(server) == to_notebook(browser)
    assert to_notebook(server)["cells"] == []
    assert isinstance(cells_array(server), Array)


def test_a_trimmed_stream_keeps_whole_lines() -> None:
    doc = make_doc("c")
    writer = OutputWriter(doc, OutputLimits(max_stream_chars=1000))
    # One message of many lines is one chunk: the trim cuts inside it.
    writer.apply("c", out("stdout", "".join(f"line {i:04d}!\n" for i in range(80))))
    writer.apply("c", out("stdout", "".join(f"more {i:04d}!\n" for i in range(30))))
    [kept] = shown(doc, "c")
    assert kept["dropped_chars"] > 0
    assert kept["text"].startswith("line 0042!\n")  # never with the tail of a line
    assert kept["dropped_chars"] + len(kept["text"]) == 110 * len("line 0000!\n")


def test_a_notebook_with_no_display_ids_needs_no_scan_of_its_document() -> None:
    """A file never holds `display_id` (nbformat refuses it), so a new document's
    writer skips the scan for displays; a dict that has one is seen."""
    nb = parse_notebook(jupyter_bytes(full_notebook()))
    assert not has_display_ids(nb)
    output = {"output_type": "display_data", "data": {}, "metadata": {}, "display_id": "d"}
    nb["cells"].append({"cell_type": "code", "id": "x", "outputs": [output]})
    assert has_display_ids(nb)
