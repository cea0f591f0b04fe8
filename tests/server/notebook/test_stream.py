"""Stream text merging checked against a direct port of JupyterLab's algorithm, run on
the concatenation of everything written so far."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notewire.server.notebook.stream import (
    HISTORY_FLOOR,
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
