"""Kernel output applied to the shared document, server-side.

`OutputWriter(doc)` is the only writer of outputs (docs/notebook-protocol.md, section 1).
It takes typed iopub content for a cell and changes the document the way JupyterLab
changes its model: consecutive streams of one name merge into one output (see
`stream.py`), `clear_output(wait=True)` clears when the cell's next output arrives,
and `update_display_data` rewrites every output showing that display id, in any cell.
Every message is one transaction; `apply_many` makes a batch one transaction.

Costs: a stream message costs O(new text + the open last line). A stream's text is an
Array of chunks, since appending to a pycrdt Text is O(length) and to an Array O(1);
only the chunks holding the open line are ever replaced. The writer mirrors each
stream's chunk lengths so it never reads the text back, and checks before each write
that the document still looks as it left it (browsers may delete cells and outputs);
when it does not, it reads the cell again.

Limits (section 3): a stream keeps at most `max_stream_chars` characters and a cell
`max_outputs` outputs. Trimming goes down to `trim_to` of the limit, so it happens
rarely; what goes is counted in the output's `dropped_chars` and the cell's
`outputs_dropped`. Chunks are regrouped when there are more than `max_chunks`.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Array, Doc, Map

from notewire.protocol.content import (
    ClearOutput,
    Content,
    DisplayData,
    Error,
    ExecuteResult,
    Stream,
    UpdateDisplayData,
)

from .schema import cells_array, json_safe, output_map
from .stream import CURSOR_MOVE, SCREEN_ROWS, Screen, bound_history, feed, render

__all__ = ["OutputContent", "OutputLimits", "OutputWriter", "has_display_ids", "stream_text"]

OutputContent = Stream | DisplayData | UpdateDisplayData | ExecuteResult | Error | ClearOutput


@dataclass(frozen=True)
class OutputLimits:
    max_stream_chars: int = 1_000_000
    max_outputs: int = 5000
    max_chunks: int = 4096
    trim_to: float = 0.75

    def __post_init__(self) -> None:
        if self.max_stream_chars < 1 or self.max_outputs < 1 or self.max_chunks < 2:
            raise ValueError(f"limits must be positive (max_chunks >= 2): {self}")
        if not 0 < self.trim_to <= 1:
            raise ValueError(f"trim_to must be in (0, 1], got {self.trim_to}")


def stream_text(output: Map) -> str:
    """The text of a stream output Map (its chunks joined)."""
    text = output.get("text")
    if isinstance(text, Array):
        return "".join(str(chunk) for chunk in json.loads(str(text)))
    return text if isinstance(text, str) else ""


_DOT_JSON = re.compile(r"^application/vnd\.vega(lite)?\.v\d+\.json$")


def _json_mime_names(data: Any) -> Any:
    """Altair 6 names its mime type `application/vnd.vegalite.v6.json`; nbformat takes a
    JSON value only under a `+json` name, so the notebook could not be saved. The data
    goes under the `+json` name (the frontend draws both)."""
    if not isinstance(data, dict) or not any(_DOT_JSON.match(k) for k in data):
        return data
    return {
        (k[: -len(".json")] + "+json" if _DOT_JSON.match(k) and not isinstance(v, str) else k): v
        for k, v in data.items()
    }


@dataclass(slots=True)
class _Stream:
    """What the writer knows of the stream output it last wrote (the cell's last)."""

    name: str
    n_outputs: int  # the cell's output count then; the stream is the last output
    chunks: deque[int]  # length of each chunk of `text`
    total: int  # sum(chunks)
    # The open last line as stored: the last len(open) chunks. `raw` is its raw form
    # (stream.py) when it holds a `\r`; otherwise the stored line is its own raw form.
    open: list[str]
    raw: str | None
    dropped: int
    # Once the stream moved its cursor up (stream.py): its window of rows, and then
    # `open` holds one chunk per row.
    screen: Screen | None = None


@dataclass(slots=True)
class _Cell:
    stream: _Stream | None = None
    clear_pending: bool = False
    dropped_text: bool = False  # a stream of the cell lost text since its last clear
    displays: dict[str, list[int]] = field(default_factory=dict)  # display_id -> positions


class OutputWriter:
    """Writes kernel output into `doc`. Not thread-safe; pure (no I/O, no asyncio)."""

    def __init__(
        self, doc: Doc, limits: OutputLimits | None = None, *, holds_displays: bool = True
    ) -> None:
        """`holds_displays=False`: the caller knows that no output of `doc` has a
        `display_id` (`has_display_ids`), and the scan that finds them is skipped."""
        self._doc = doc
        self._limits = limits or OutputLimits()
        self._cells_array = cells_array(doc)
        self._cells: dict[str, _Cell] = {}
        self._positions: dict[str, int] = {}  # cell id -> index in `cells`, verified on use
        self._displays: dict[str, set[str]] = {}  # display_id -> ids of cells showing it
        if holds_displays:
            self._index_existing_displays()

    @property
    def limits(self) -> OutputLimits:
        return self._limits

    def apply(self, cell_id: str, content: OutputContent) -> None:
        """Apply one iopub message's content, sent on behalf of cell `cell_id`.

        Output for a cell that no longer exists, or is no longer code, is dropped.
        """
        with self._doc.transaction():
            self._apply(cell_id, content)

    def apply_many(self, items: Iterable[tuple[str, OutputContent]]) -> None:
        """Apply a batch in one transaction; consecutive streams of one cell and name
        are merged first (the result is the same, the work smaller)."""
        with self._doc.transaction():
            # Consecutive streams for one cell and name: their first, and all their texts.
            first: tuple[str, Stream] | None = None
            texts: list[str] = []
            for cell_id, content in items:
                if isinstance(content, Stream):
                    if first and first[0] == cell_id and first[1].name == content.name:
                        texts.append(content.text)
                        continue
                    self._apply_run(first, texts)
                    first, texts = (cell_id, content), [content.text]
                    continue
                self._apply_run(first, texts)
                first, texts = None, []
                self._apply(cell_id, content)
            self._apply_run(first, texts)

    def _apply_run(self, first: tuple[str, Stream] | None, texts: list[str]) -> None:
        if first is not None:
            cell_id, stream = first
            if len(texts) > 1:
                stream = Stream(name=stream.name, text="".join(texts))
            self._apply(cell_id, stream)

    def dropped_text(self, cell_id: str) -> bool:
        """Whether the cell's streams dropped text since its outputs were last cleared
        (session/spill.py then keeps the full stream)."""
        state = self._cells.get(cell_id)
        return state is not None and state.dropped_text

    def clear(self, cell_id: str) -> None:
        """Clear the cell's outputs now (and forget a pending `clear_output(wait=True)`)."""
        with self._doc.transaction():
            state = self._cells.setdefault(cell_id, _Cell())
            state.clear_pending = False
            cell = self._find(cell_id)
            if cell is not None:
                self._clear(cell_id, cell, state)

    # --- dispatch ----------------------------------------------------------------------

    def _apply(self, cell_id: str, content: Content) -> None:
        if isinstance(content, UpdateDisplayData):
            self._update_display(content)
            return
        if isinstance(content, ClearOutput):
            if content.wait:
                self._cells.setdefault(cell_id, _Cell()).clear_pending = True
            else:
                self.clear(cell_id)
            return
        if not isinstance(content, Stream | DisplayData | ExecuteResult | Error):
            raise TypeError(f"not output content: {type(content).__name__}")
        cell = self._find(cell_id)
        if cell is None:
            self._forget(cell_id)
            return
        state = self._cells.setdefault(cell_id, _Cell())
        if state.clear_pending:
            state.clear_pending = False
            self._clear(cell_id, cell, state)
        outputs = self._outputs(cell)
        if isinstance(content, Stream):
            self._write_stream(cell_id, cell, outputs, state, content.name, content.text)
            return
        state.stream = None
        fields: dict[str, Any]
        if isinstance(content, Error):
            fields = {
                "output_type": "error",
                "ename": content.ename,
                "evalue": content.evalue,
                "traceback": list(content.traceback),
            }
        else:
            fields = {
                "output_type": content.msg_type,
                "data": _json_mime_names(json_safe(content.data)),
                "metadata": json_safe(content.metadata),
            }
            if isinstance(content, ExecuteResult):
                fields["execution_count"] = content.execution_count
            elif content.transient and isinstance(content.transient.get("display_id"), str):
                fields["display_id"] = content.transient["display_id"]
        outputs.append(Map(fields))
        if "display_id" in fields:
            self._index(cell_id, state, fields["display_id"], len(outputs) - 1)
        self._trim_outputs(cell_id, cell, outputs, state)

    # --- cells and outputs -------------------------------------------------------------

    def _find(self, cell_id: str) -> Map | None:
        """The code cell with this id, by its cached position, else by a scan."""
        cells = self._cells_array
        index = self._positions.get(cell_id)
        if index is not None and index < len(cells):
            cell = cells[index]
            if isinstance(cell, Map) and cell.get("id") == cell_id:
                return cell if cell.get("cell_type", "code") == "code" else None
        self._positions = {}
        found: Map | None = None
        for i, cell in enumerate(cells):
            if isinstance(cell, Map):
                other = cell.get("id")
                if isinstance(other, str) and other not in self._positions:
                    self._positions[other] = i
                    if other == cell_id:
                        found = cell
        if found is None or found.get("cell_type", "code") != "code":
            return None
        return found

    def _outputs(self, cell: Map) -> Array:
        outputs = cell.get("outputs")
        if not isinstance(outputs, Array):  # a browser's cell without (proper) outputs
            items = outputs if isinstance(outputs, list) else []
            cell["outputs"] = Array([output_map(o) for o in items if isinstance(o, dict)])
            outputs = cell["outputs"]
        return outputs

    def _clear(self, cell_id: str, cell: Map, state: _Cell) -> None:
        outputs = cell.get("outputs")
        if isinstance(outputs, Array) and len(outputs):
            del outputs[0 : len(outputs)]
        if "outputs_dropped" in cell:
            del cell["outputs_dropped"]
        state.stream = None
        state.dropped_text = False
        self._unindex_cell(cell_id, state)

    def _forget(self, cell_id: str) -> None:
        state = self._cells.pop(cell_id, None)
        if state is not None:
            self._unindex_cell(cell_id, state)

    def _trim_outputs(self, cell_id: str, cell: Map, outputs: Array, state: _Cell) -> None:
        count = len(outputs)
        limit = self._limits.max_outputs
        if count <= limit:
            return
        drop = count - max(1, int(limit * self._limits.trim_to))
        del outputs[0:drop]
        cell["outputs_dropped"] = int(cell.get("outputs_dropped") or 0) + drop
        if state.stream is not None:
            state.stream.n_outputs -= drop
        for display_id, positions in list(state.displays.items()):
            kept = [p - drop for p in positions if p >= drop]
            if kept:
                state.displays[display_id] = kept
            else:
                del state.displays[display_id]
                self._displays.get(display_id, set()).discard(cell_id)

    # --- streams -----------------------------------------------------------------------

    def _write_stream(
        self, cell_id: str, cell: Map, outputs: Array, state: _Cell, name: str, text: str
    ) -> None:
        stream = state.stream
        count = len(outputs)
        last = outputs[count - 1] if count else None
        if stream is None or not self._still_there(stream, count, last, name):
            stream = state.stream = self._adopt(last, count, name)
        if stream is None:
            outputs.append(Map({"output_type": "stream", "name": name, "text": Array()}))
            stream = state.stream = _Stream(name, count + 1, deque(), 0, [], None, 0)
            self._trim_outputs(cell_id, cell, outputs, state)
            last = outputs[stream.n_outputs - 1]
        assert last is not None
        chunks: Array = last["text"]
        if stream.screen is not None or ("\x1b[" in text and CURSOR_MOVE.search(text)):
            self._write_screen(stream, chunks, text)
        elif stream.raw is None and "\r" not in text and "\b" not in text:
            self._append_plain(stream, chunks, text)
        else:
            self._rewrite_open_line(stream, chunks, text)
        if stream.total > self._limits.max_stream_chars:
            self._trim_text(stream, chunks, last)
            state.dropped_text = True
        if len(stream.chunks) > self._limits.max_chunks:
            self._compact(stream, chunks)

    @staticmethod
    def _still_there(stream: _Stream, count: int, last: Any, name: str) -> bool:
        if stream.name != name or stream.n_outputs != count or not isinstance(last, Map):
            return False
        chunks = last.get("text")
        return (
            last.get("output_type") == "stream"
            and last.get("name") == name
            and isinstance(chunks, Array)
            and len(chunks) == len(stream.chunks)
        )

    def _adopt(self, last: Any, count: int, name: str) -> _Stream | None:
        """Take up the cell's last output when it is a stream of this name (from a file,
        or one our mirror lost track of): read it once and normalise its chunks so the
        open line fills whole trailing chunks, rendered."""
        if not isinstance(last, Map) or last.get("output_type") != "stream":
            return None
        if last.get("name") != name:
            return None
        text = last.get("text")
        if isinstance(text, Array):
            pieces = [str(p) for p in json.loads(str(text))]
        else:
            pieces = [text] if isinstance(text, str) and text else []
        joined = "".join(pieces)
        cut = joined.rfind("\n") + 1
        head, open_line = joined[:cut], joined[cut:]
        raw = open_line if "\r" in open_line else None
        shown = render(raw, closed=False) if raw is not None else open_line
        # Keep the chunks that hold only finished lines; rewrite the rest.
        keep, length = 0, 0
        while keep < len(pieces) and length + len(pieces[keep]) <= cut:
            length += len(pieces[keep])
            keep += 1
        rest = [p for p in (head[length:], shown) if p]
        if not isinstance(text, Array):
            last["text"] = Array(rest)
        elif pieces[keep:] != rest:
            del text[keep : len(pieces)]
            text.extend(rest)
        lengths = deque(len(p) for p in pieces[:keep])
        lengths.extend(len(p) for p in rest)
        dropped = last.get("dropped_chars")
        return _Stream(
            name=name,
            n_outputs=count,
            chunks=lengths,
            total=sum(lengths),
            open=[shown] if shown else [],
            raw=raw,
            dropped=int(dropped) if isinstance(dropped, int | float) else 0,
        )

    @staticmethod
    def _append_plain(stream: _Stream, chunks: Array, text: str) -> None:
        """No `\\r` or backspace anywhere in the open line: text only ever appends."""
        if not text:
            return
        cut = text.rfind("\n") + 1
        if cut == 0:
            new = [text]
            stream.open.append(text)
        else:
            new = [p for p in (text[:cut], text[cut:]) if p]
            stream.open = [text[cut:]] if cut < len(text) else []
        chunks.extend(new)
        stream.chunks.extend(len(p) for p in new)
        stream.total += len(text)

    @staticmethod
    def _rewrite_open_line(stream: _Stream, chunks: Array, text: str) -> None:
        """Replace the chunks holding the open line with the finished lines and the new
        open line."""
        raw = stream.raw if stream.raw is not None else "".join(stream.open)
        finished, raw = feed(raw, text)
        raw = bound_history(raw)
        shown = render(raw, closed=False)
        old = len(stream.open)
        if old:
            end = len(stream.chunks)
            del chunks[end - old : end]
            for _ in range(old):
                stream.total -= stream.chunks.pop()
        new = [p for p in (finished, shown) if p]
        chunks.extend(new)
        stream.chunks.extend(len(p) for p in new)
        stream.total += len(finished) + len(shown)
        stream.open = [shown] if shown else []
        stream.raw = raw if "\r" in raw else None

    def _enter_screen(self, stream: _Stream, chunks: Array) -> None:
        """Make the last lines changeable rows, one chunk each. Reads back the chunks
        holding the last rows but one (at most 64 KiB of them). The window is
        SCREEN_ROWS rows, fewer when `max_chunks` is small (the rows must fit in it)."""
        limit = min(SCREEN_ROWS, max(1, self._limits.max_chunks // 2 - 1))
        finished = len(stream.chunks) - len(stream.open)
        wanted = limit - 1
        read: list[str] = []
        size = newlines = 0
        index = finished
        # Whole chunks only, up to 64 KiB: a big chunk is never sent again.
        while index > 0 and newlines <= wanted and size + stream.chunks[index - 1] <= 1 << 16:
            index -= 1
            piece = str(chunks[index])
            read.append(piece)
            size += len(piece)
            newlines += piece.count("\n")
        text = "".join(reversed(read))
        lines = text.split("\n")[:-1]  # the text read ends with a newline (or is empty)
        partial = index > 0 and not str(chunks[index - 1]).endswith("\n")
        whole = lines[1:] if partial else lines
        keep = whole[max(0, len(whole) - wanted) :]
        prefix = text[: len(text) - sum(len(line) + 1 for line in keep)]
        raw = stream.raw if stream.raw is not None else "".join(stream.open)
        screen = Screen(rows=[*keep, raw], cursor=len(keep), limit=limit)
        rows = [screen.shown(i) for i in range(len(screen.rows))]
        del chunks[index : len(stream.chunks)]
        while len(stream.chunks) > index:
            stream.total -= stream.chunks.pop()
        new = [prefix, *rows] if prefix else rows
        chunks.extend(new)
        stream.chunks.extend(len(p) for p in new)
        stream.total += sum(len(p) for p in new)
        stream.open, stream.raw, stream.screen = rows, None, screen

    def _write_screen(self, stream: _Stream, chunks: Array, text: str) -> None:
        """Feed a stream that moves its cursor: rewrite the rows from the first one that
        changed down, one chunk per row; rows that left the window become one chunk."""
        if stream.screen is None:
            self._enter_screen(stream, chunks)
        screen = stream.screen
        assert screen is not None
        old_top = screen.top
        first = screen.feed(text) - old_top  # in rows of the old window
        left, screen.left = screen.left, []
        stale = len(stream.open) - first
        if stale:
            end = len(stream.chunks)
            del chunks[end - stale : end]
            for _ in range(stale):
                stream.total -= stream.chunks.pop()
        gone = "".join(line + "\n" for line in left[first:])
        start = max(first - len(left), 0)
        rows = [screen.shown(i) for i in range(start, len(screen.rows))]
        new = [gone, *rows] if gone else rows
        chunks.extend(new)
        stream.chunks.extend(len(p) for p in new)
        stream.total += sum(len(p) for p in new)
        stream.open = stream.open[len(left) : first] + rows

    @staticmethod
    def _leave_screen(stream: _Stream) -> None:
        """Back to one open line (the last row) before trimming cuts into the window."""
        screen = stream.screen
        if screen is None:
            return
        last = screen.rows[-1]
        stream.open = stream.open[-1:]
        stream.raw = last if "\r" in last and screen.cursor == len(screen.rows) - 1 else None
        stream.screen = None

    def _trim_text(self, stream: _Stream, chunks: Array, output: Map) -> None:
        """Drop the oldest characters, down to trim_to of the limit."""
        drop = stream.total - int(self._limits.max_stream_chars * self._limits.trim_to)
        if stream.screen is not None and drop > stream.total - sum(map(len, stream.open)):
            self._leave_screen(stream)
        finished_chunks = len(stream.chunks) - len(stream.open)
        whole = removed = 0
        while stream.chunks and removed + stream.chunks[0] <= drop:
            removed += stream.chunks.popleft()
            whole += 1
        if whole:
            del chunks[0:whole]
        open_cut = max(0, whole - finished_chunks)
        if open_cut:
            del stream.open[:open_cut]
        partial = drop - removed
        if partial:
            if whole >= finished_chunks:  # the cut falls inside the open line
                piece = stream.open[0][partial:]
                stream.open[0] = piece
            else:
                text = str(chunks[0])
                # Keep whole lines: the cut moves on to the end of the line it falls in
                # (when that line ends in this chunk), so the kept text never starts
                # with the tail of a line.
                end = text.find("\n", partial - 1)
                if 0 <= end < len(text) - 1:
                    drop += end + 1 - partial
                    partial = end + 1
                piece = text[partial:]
            del chunks[0]
            chunks.insert(0, piece)
            stream.chunks[0] -= partial
        if open_cut or (partial and whole >= finished_chunks):
            # What is left of the open line starts a line of its own: a later `\r`
            # returns to where the kept text starts.
            line = "".join(stream.open)
            stream.raw = line if "\r" in line else None
        stream.total -= drop
        stream.dropped += drop
        output["dropped_chars"] = stream.dropped

    def _compact(self, stream: _Stream, chunks: Array) -> None:
        """Regroup the finished text into chunks of at least 1/256 of the limit, and the
        open line into one chunk. Rare: the count drops to half the cap or less."""
        pieces = [str(p) for p in json.loads(str(chunks))]
        finished = "".join(pieces[: len(pieces) - len(stream.open)])
        room = max(1, self._limits.max_chunks // 2 - max(1, len(stream.open)))
        size = max(1, self._limits.max_stream_chars // 256, -(-len(finished) // room))
        new = [finished[i : i + size] for i in range(0, len(finished), size)]
        if stream.screen is None:
            line = "".join(stream.open)
            stream.open = [line] if line else []
        new.extend(stream.open)  # a screen's rows stay one chunk each
        del chunks[0 : len(pieces)]
        chunks.extend(new)
        stream.chunks = deque(len(p) for p in new)

    # --- display ids -------------------------------------------------------------------

    def _update_display(self, content: UpdateDisplayData) -> None:
        display_id = content.transient.get("display_id")
        if not isinstance(display_id, str):
            return
        data, metadata = _json_mime_names(json_safe(content.data)), json_safe(content.metadata)
        for cell_id in list(self._displays.get(display_id, ())):
            cell = self._find(cell_id)
            state = self._cells.get(cell_id)
            if cell is None or state is None:
                self._forget(cell_id)
                continue
            outputs = self._outputs(cell)
            targets = self._verified(outputs, state, display_id)
            if targets is None:  # a browser moved or deleted outputs: look again
                self._reindex_cell(cell_id, outputs, state)
                targets = self._verified(outputs, state, display_id) or []
            for output in targets:
                output["data"] = data
                output["metadata"] = metadata
        if not self._displays.get(display_id, True):
            del self._displays[display_id]

    @staticmethod
    def _verified(outputs: Array, state: _Cell, display_id: str) -> list[Map] | None:
        count = len(outputs)
        found = []
        if display_id not in state.displays:
            return None
        for position in state.displays[display_id]:
            output = outputs[position] if position < count else None
            if not isinstance(output, Map) or output.get("display_id") != display_id:
                return None
            found.append(output)
        return found

    def _index(self, cell_id: str, state: _Cell, display_id: str, position: int) -> None:
        state.displays.setdefault(display_id, []).append(position)
        self._displays.setdefault(display_id, set()).add(cell_id)

    def _unindex_cell(self, cell_id: str, state: _Cell) -> None:
        for display_id in state.displays:
            self._displays.get(display_id, set()).discard(cell_id)
        state.displays = {}

    def _reindex_cell(self, cell_id: str, outputs: Array, state: _Cell) -> None:
        self._unindex_cell(cell_id, state)
        for position, output in enumerate(outputs):
            if isinstance(output, Map):
                display_id = output.get("display_id")
                if isinstance(display_id, str):
                    self._index(cell_id, state, display_id, position)

    def _index_existing_displays(self) -> None:
        """A document may already hold displays (a writer made again for a live one)."""
        # From one JSON dump of the cells: pycrdt 0.14 reaches an array's item i by
        # walking the i before it, so iterating the shared cells is quadratic (1.8 s
        # for 5,000 cells). The dump and its parse are two long calls that hold the
        # GIL (0.5 s for 20,000 cells), hence `has_display_ids` for a new document.
        for cell in json.loads(str(self._cells_array)):
            if not isinstance(cell, dict):
                continue
            cell_id, outputs = cell.get("id"), cell.get("outputs")
            if not isinstance(cell_id, str) or not isinstance(outputs, list):
                continue
            for position, output in enumerate(outputs):
                display_id = output.get("display_id") if isinstance(output, dict) else None
                if isinstance(display_id, str):
                    state = self._cells.setdefault(cell_id, _Cell())
                    self._index(cell_id, state, display_id, position)


def has_display_ids(notebook: dict[str, Any]) -> bool:
    """Whether a notebook dict (what a document is built from) has an output with a
    `display_id` key. A document-only key (a file never holds one: nbformat's schema
    refuses it), so this is nearly always False, found by a walk of the outputs that
    takes milliseconds where scanning the built document takes half a second."""
    for cell in notebook.get("cells") or ():
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        if isinstance(outputs, list):
            for output in outputs:
                if isinstance(output, dict) and "display_id" in output:
                    return True
    return False
