"""When autosave writes: the pacing of saves at the ends of runs (save_pacing.py)."""

from __future__ import annotations

from notewire.server.session.save_pacing import SavePacing


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_run_end_is_saved_once_settled_then_run_ends_are_coalesced() -> None:
    clock = Clock()
    pacing = SavePacing(interval=10.0, spacing=1.0, clock=clock, settle=0.5)
    assert not pacing.due()
    pacing.run_ended(queue_idle=True)
    # The first is held only while the browsers show the run's result.
    assert not pacing.due() and pacing.next_look(2.0) == 0.5
    clock.now += 0.5
    assert pacing.due() and pacing.next_look(2.0) == 0.0
    pacing.ended(pacing.began())
    clock.now += 0.25
    pacing.run_ended(queue_idle=False)  # a queue still running: saved at its end
    assert not pacing.due() and pacing.next_look(2.0) == 2.0
    pacing.run_ended(queue_idle=True)
    assert not pacing.due() and pacing.next_look(2.0) == 0.75
    clock.now += 0.75
    assert pacing.due()
    pacing.nothing_to_save()  # a save by hand came first
    assert not pacing.due()


def test_a_run_that_ends_while_one_settles_is_saved_with_it() -> None:
    clock = Clock()
    pacing = SavePacing(interval=10.0, spacing=1.0, clock=clock, settle=0.5)
    pacing.run_ended(queue_idle=True)
    clock.now += 0.4
    pacing.run_ended(queue_idle=True)  # the user ran the next cell at once
    assert not pacing.due() and pacing.next_look(2.0) == 0.5
    clock.now += 0.5
    assert pacing.due()


def test_an_expensive_save_spaces_the_next_ones_further() -> None:
    clock = Clock()
    pacing = SavePacing(interval=60.0, spacing=1.0, clock=clock)
    began = pacing.began()
    clock.now += 0.5  # the save took half a second
    pacing.ended(began)
    pacing.run_ended(queue_idle=True)
    clock.now += 4.0
    assert not pacing.due() and pacing.next_look(2.0) == 0.5
    clock.now += 0.5
    assert pacing.due()


def test_the_interval_saves_whatever_the_runs() -> None:
    clock = Clock()
    pacing = SavePacing(interval=10.0, spacing=1.0, clock=clock)
    clock.now += 9.9
    assert not pacing.due()
    clock.now += 0.1
    assert pacing.due()


def test_a_dropped_run_end_save_is_not_waited_for() -> None:
    # A conflict stops autosave: the run's save is dropped, and nothing waits for it.
    clock = Clock()
    pacing = SavePacing(interval=10.0, spacing=1.0, clock=clock)
    pacing.ended(pacing.began())
    pacing.run_ended(queue_idle=True)
    clock.now += 5.0
    assert pacing.next_look(2.0) == 0.0
    pacing.nothing_to_save()
    assert pacing.next_look(2.0) == 2.0 and not pacing.due()
