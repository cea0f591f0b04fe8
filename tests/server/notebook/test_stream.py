"""Stream text merging checked against a direct port of JupyterLab's algorithm, run on
the concatenation of everything written so far."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notewire.server.notebook.stream import (
    HISTORY_FLOOR,
    SCREEN_ROWS,
    Screen,
    apply_backspaces,
    bound_history,
    feed,
    render,
)

# --- the reference: JupyterLab's outputarea fixBackspace + fixCarriageReturn ----------
# Ported regular expression by regular expression, with its JavaScript accidents fixed
# (see stream.py): `[^\n]\x08` would let a backspace delete another backspace ("abc" and
# three backspaces showing "ab"); `\r[^$]` tests for "a `\r` followed by anything"; `.`
# in JavaScript also stops at `\r`; the inserted text is taken literally (JavaScript
# expands `$&` in it); and a trailing run of `\r`s is kept, like a trailing `\r`.


def fix_backspace(txt: str) -> str:
    while True:
        tmp = re.sub(r"[^\n\x08]\x08", "", txt)
        if len(tmp) == len(txt):
            return txt
        txt = tmp


def fix_carriage_return(txt: str) -> str:
    txt = re.sub(r"\r+\n", "\n", txt)
    while re.search(r"\r+[^\r\n]", txt):
        base = re.search(r"^([^\r\n]*)\r+", txt, re.M).group(1)  # type: ignore[union-attr]
        insert = re.search(r"\r+([^\r\n]*)", txt).group(1)  # type: ignore[union-attr]
        insert = insert + base[len(insert) :]
        txt = re.sub(r"\r+[^\r\n]*", "\r", txt, count=1)
        line = re.search(r"^[^\r\n]*\r", txt, re.M)  # type: ignore[union-attr]
        txt = txt[: line.start()] + insert + txt[line.end() :]  # type: ignore[union-attr]
    return txt


def jupyterlab(text: str) -> str:
    return fix_carriage_return(fix_backspace(text))


def incremental(messages: list[str]) -> list[str]:
    """What the document shows after each message."""
    raw, done, shown = "", "", []
    for message in messages:
        finished, raw = feed(raw, message)
        raw = bound_history(raw)
        done += finished
        shown.append(done + render(raw, closed=False))
    return shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("hello\n", "hello\n"),
        ("a\r\nb", "a\nb"),
        ("abc\rX", "Xbc"),
        ("abc\rX\rYZ", "YZc"),
        ("50%\r", "50%\r"),
        ("50%\r60%\r", "60%\r"),
        ("abc\b\b\b", ""),
        ("ab\n\bc", "ab\n\bc"),  # nothing before it on its line: the backspace stays
        ("ab\rc\b", "ab\r"),  # the backspace deletes "c", which "\r" had put over "a"
        ("line one\nline two\r", "line one\nline two\r"),
        ("x\r\r\ry", "y"),
        ("€uro\r$&", "$&ro"),
    ],
)
def test_examples(text: str, shown: str) -> None:
    assert jupyterlab(text) == shown
    assert incremental([text])[-1] == shown


messages = st.lists(st.text(alphabet="ab\r\n\b$é", max_size=12), max_size=10)


@settings(max_examples=1500, deadline=None)
@given(messages)
def test_every_prefix_matches_jupyterlab(msgs: list[str]) -> None:
    shown = incremental(msgs)
    for i in range(len(msgs)):
        assert shown[i] == jupyterlab("".join(msgs[: i + 1]))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\r\n\b", max_size=40), st.integers(0, 40))
def test_split_anywhere_gives_the_same_text(text: str, cut: int) -> None:
    assert incremental([text[:cut], text[cut:]])[-1] == incremental([text])[-1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\r\b", max_size=20), st.text(alphabet="ab\b", max_size=20))
def test_backspaces_apply_like_the_regex(raw: str, text: str) -> None:
    start = fix_backspace(raw)
    assert apply_backspaces(start, text) == fix_backspace(start + text)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="abc\r", min_size=1, max_size=8),
    st.integers(1, 2000),
    st.text(alphabet="xy\r\n", max_size=30),
)
def test_folded_history_continues_the_same_without_backspaces(
    segment: str, repeats: int, more: str
) -> None:
    raw = "p" * 50 + ("\r" + segment) * repeats
    folded = bound_history(raw)
    assert len(folded) <= max(HISTORY_FLOOR, 4 * len(render(raw, closed=False)))
    if len(raw) <= HISTORY_FLOOR:
        assert folded == raw
    assert render(folded, closed=False) == render(raw, closed=False)
    assert feed(folded, more)[0] == feed(raw, more)[0]
    assert render(feed(folded, more)[1], closed=False) == render(feed(raw, more)[1], closed=False)


def test_a_progress_bar_keeps_its_raw_line_short() -> None:
    raw = ""
    for i in range(20_000):
        _, raw = feed(raw, f"\r{i:>6} it [{'#' * (i % 40):<40}]")
        raw = bound_history(raw)
        assert len(raw) <= HISTORY_FLOOR + 60
    assert render(raw, closed=False) == f" 19999 it [{'#' * (19999 % 40):<40}]"


def test_short_raw_lines_are_never_folded() -> None:
    raw = "a\rb" * 100
    assert bound_history(raw) == raw


# --- cursor movement: a terminal, for text without backspaces ------------------------


def terminal(text: str, rows_kept: int = SCREEN_ROWS) -> str:
    """What a terminal shows: characters overwrite at the cursor, `\\r` goes to column 0,
    `\\n` down a row to column 0, `\\x1b[nA`/`B` up/down n rows (staying on the column),
    never above the first of the last `rows_kept` rows nor below the last."""
    rows: list[list[str]] = [[]]
    row = column = 0
    for piece in re.split(r"(\x1b\[\d*[AB]|\r|\n)", text):
        if piece == "\r":
            column = 0
        elif piece == "\n":
            row, column = row + 1, 0
            if row == len(rows):
                rows.append([])
        elif piece.startswith("\x1b["):
            count = int(piece[2:-1] or 1)
            top = max(0, len(rows) - rows_kept)
            row = max(top, row - count) if piece[-1] == "A" else min(len(rows) - 1, row + count)
        else:
            line = rows[row]
            line.extend(" " * (column - len(line)))
            line[column : column + len(piece)] = piece
            column += len(piece)
    return "\n".join("".join(line) for line in rows)


def screen_text(messages: list[str], limit: int = SCREEN_ROWS) -> str:
    screen = Screen(rows=[""], cursor=0, limit=limit)
    done = ""
    for message in messages:
        screen.feed(message)
        done += "".join(line + "\n" for line in screen.left)
        screen.left.clear()
    return done + "".join(screen.shown(i) for i in range(len(screen.rows)))


moves = st.lists(
    st.sampled_from(["a", "bc", "defgh", "\r", "\n", "\x1b[A", "\x1b[2A", "\x1b[B", "\x1b[3B"]),
    max_size=60,
)


@settings(max_examples=500, deadline=None)
@given(moves, st.integers(1, 5))
def test_cursor_movement_shows_what_a_terminal_shows(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    assert screen_text([text], limit).rstrip("\r") == terminal(text, limit)
    assert screen_text(pieces, limit).rstrip("\r") == terminal(text, limit)


def test_stacked_progress_bars_stay_on_their_rows() -> None:
    # What tqdm writes for a bar at position 1 under one at position 0, then a message
    # printed above both (tqdm.write clears the bars, prints, and redraws them).
    def bars(outer: int, inner: int) -> str:
        return f"\router {outer}\n\rinner {inner}\x1b[A"

    messages = ["start\n", bars(0, 0), bars(0, 1), bars(1, 0)]
    messages += ["\r       \n\r       \x1b[A\r", "a message\n", bars(1, 1), bars(2, 2)]
    shown = screen_text(messages)
    assert shown.split("\n") == ["start", "a message", "outer 2", "inner 2"]
