"""No garbage collection while notebooks are read and built (session/gc_pause.py)."""

from __future__ import annotations

import gc
import threading

import pytest

from notewire.server.session.gc_pause import gc_paused

pytestmark = pytest.mark.timeout(30)


def test_collection_is_off_until_the_last_of_overlapping_blocks_ends() -> None:
    assert gc.isenabled()
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            leave.wait()

    thread = threading.Thread(target=other)
    with gc_paused():
        assert not gc.isenabled()
        thread.start()
        inside.wait()
    assert not gc.isenabled()  # the other thread's block still runs
    leave.set()
    thread.join()
    assert gc.isenabled()


def test_collection_left_off_by_someone_else_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
