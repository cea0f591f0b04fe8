"""The stretch of a cell that completion and inspection see (pure, no kernel)."""

from __future__ import annotations

from notewire.kernel.cursor_window import AFTER, BEFORE, around


def test_a_small_cell_is_seen_whole() -> None:
    code = "import os\nos.pa\nprint(1)\n"
    window = around(code, 15)
    assert (window.text, window.cursor, window.offset) == (code, 15, 0)


def test_a_huge_cell_is_seen_in_whole_lines_near_the_cursor() -> None:
    code = "x = 1\n" * 1_000_000
    cursor = len(code) // 2 + 3  # inside a line
    window = around(code, cursor)
    assert len(window.text) <= BEFORE + AFTER
    assert code[window.offset : window.offset + len(window.text)] == window.text
    assert window.offset + window.cursor == cursor
    assert window.text.startswith("x = 1\n") and window.text.endswith("x = 1")


def test_one_line_longer_than_the_window_is_cut_mid_line() -> None:
    code = "y" * (3 * BEFORE)
    window = around(code, len(code))
    assert window.text == "y" * BEFORE
    assert window.offset + window.cursor == len(code)
