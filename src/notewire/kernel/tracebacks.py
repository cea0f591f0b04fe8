"""Tracebacks of interrupts, cut at the user's code.

SIGINT raises KeyboardInterrupt wherever the main thread is: in the kernel's signal
handler, or in the middle of publishing what the user's `print` wrote. Those frames
say nothing to the user about where their code was stopped, so they are cut off: the
traceback ends at the last frame of user (or library) code. Other exceptions keep every
frame, since an error raised inside the kernel is worth seeing whole.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

KERNEL_DIR = str(Path(__file__).resolve().parent)


def _in_kernel(tb: TracebackType) -> bool:
    return str(Path(tb.tb_frame.f_code.co_filename).resolve().parent) == KERNEL_DIR


def cut_kernel_frames(error: BaseException, tb: TracebackType | None) -> TracebackType | None:
    """For a KeyboardInterrupt, end `tb` before the first kernel frame that follows
    other code (in place: the exception's own traceback is cut too)."""
    if not isinstance(error, KeyboardInterrupt) or tb is None:
        return tb
    previous, current = None, tb
    while current is not None:
        if previous is not None and _in_kernel(current) and not _in_kernel(previous):
            previous.tb_next = None
            break
        previous, current = current, current.tb_next
    return tb
