"""The flow-control state machine: window, visibility, stalls, tiers, busy pacing."""

from __future__ import annotations

import pytest

from notewire.canvas.flow import Flow, FlowConfig, Render, Wait


def send(flow: Flow, now: float) -> Render:
    decision = flow.poll(now)
    assert isinstance(decision, Render), decision
    flow.sent_frame(now, decision)
    return decision


def test_no_frames_without_a_visible_view() -> None:
    flow = Flow()
    flow.request()
    assert flow.poll(0.0) == Wait()
    flow.view_status("a", visible=False, ratio=1.0)
    assert flow.poll(0.0) == Wait()
    flow.view_status("a", visible=True, ratio=1.0)
    assert flow.poll(0.0) == Render(fresh=True, key=True, lossy=False)


def test_a_new_view_gets_a_key_frame_of_the_picture_as_it_is() -> None:
    flow = Flow()
    flow.view_status("a", visible=True, ratio=1.0)
    assert flow.poll(10.0) == Render(fresh=False, key=True, lossy=False)


def test_window_of_two_unconfirmed_frames_then_wait_for_an_ack() -> None:
    flow = Flow(FlowConfig(window=2))
    flow.view_status("a", visible=True, ratio=1.0)
    flow.request()
    send(flow, 0.0)
    flow.request()
    send(flow, 0.01)
    flow.request()
    blocked = flow.poll(0.02)
    assert isinstance(blocked, Wait) and blocked.until == pytest.approx(2.0)  # when "a" would stall
    flow.ack("a", 1)
    assert isinstance(flow.poll(0.03), Render)


def test_many_requests_before_a_slot_frees_make_one_frame() -> None:
    flow = Flow(FlowConfig(window=1))
    flow.view_status("a", visible=True, ratio=1.0)
    flow.request()
    send(flow, 0.0)
    for _ in range(5):
        flow.request()
    assert isinstance(flow.poll(0.01), Wait)
    flow.ack("a", 1)
    send(flow, 0.02)
    assert flow.pending is False
    assert flow.sent == 2


def test_window_counts_against_the_slowest_counted_view() -> None:
    flow = Flow(FlowConfig(window=1))
    flow.view_status("fast", visible=True, ratio=1.0)
    flow.view_status("slow", visible=True, ratio=1.0)
    flow.request()
    send(flow, 0.0)
    flow.ack("fast", 1)
    flow.request()
    assert isinstance(flow.poll(0.1), Wait)
    flow.ack("slow", 1)
    assert isinstance(flow.poll(0.1), Render)


def test_a_stalled_view_stops_counting_until_it_acks_again() -> None:
    flow = Flow(FlowConfig(window=1, stall=2.0))
    flow.view_status("fast", visible=True, ratio=1.0)
    flow.view_status("frozen", visible=True, ratio=1.0)
    flow.request()
    send(flow, 0.0)
    flow.ack("fast", 1)
    flow.request()
    assert flow.poll(1.0) == Wait(2.0)
    decision = flow.poll(2.0)
    assert isinstance(decision, Render)
    flow.sent_frame(2.0, decision)
    flow.ack("fast", 2)
    flow.request()
    assert isinstance(flow.poll(2.1), Render)  # "frozen" no longer holds anyone back
    flow.ack("frozen", 2)
    flow.sent_frame(2.1, Render(fresh=True, key=False, lossy=False))
    flow.request()
    assert isinstance(flow.poll(2.2), Wait)  # "frozen" counts again and has not seen 3


def test_when_every_view_is_stalled_a_probe_goes_out_now_and_then() -> None:
    flow = Flow(FlowConfig(window=1, stall=2.0))
    flow.view_status("a", visible=True, ratio=1.0)
    flow.request()
    send(flow, 0.0)
    flow.request()
    assert flow.poll(1.0) == Wait(2.0)
    send(flow, 2.0)  # stalled: probe
    flow.request()
    assert flow.poll(2.5) == Wait(4.0)


def test_hidden_views_do_not_count_and_get_a_key_frame_when_shown_again() -> None:
    flow = Flow(FlowConfig(window=1))
    flow.view_status("a", visible=True, ratio=1.0)
    flow.view_status("b", visible=True, ratio=1.0)
    flow.request()
    send(flow, 0.0)
    flow.view_status("b", visible=False, ratio=1.0)
    flow.ack("a", 1)
    flow.request()
    assert send(flow, 0.1).key is False
    flow.ack("a", 2)
    flow.view_status("b", visible=True, ratio=1.0)
    assert flow.views["b"].acked == 2  # it starts afresh
    assert flow.poll(0.2) == Render(fresh=False, key=True, lossy=True)


def test_lossy_while_moving_lossless_when_settled() -> None:
    flow = Flow(FlowConfig(settle=0.3))
    flow.view_status("a", visible=True, ratio=1.0)
    send(flow, 0.0)  # the key frame for the new view: nothing moved, lossless
    flow.ack("a", 1)
    flow.request()
    assert send(flow, 10.0).lossy is False  # a single redraw
    flow.ack("a", 2)
    flow.input(10.5)
    flow.request()
    assert send(flow, 10.5).lossy is True
    flow.ack("a", 3)
    assert flow.poll(10.6) == Wait(10.8)
    assert flow.poll(10.8) == Render(fresh=False, key=False, lossy=False)  # the settle frame
    flow.sent_frame(10.8, Render(fresh=False, key=False, lossy=False))
    assert flow.settle_due is None
    assert flow.poll(11.0) == Wait()


def test_frames_following_each_other_quickly_are_lossy() -> None:
    flow = Flow(FlowConfig(settle=0.3))
    flow.view_status("a", visible=True, ratio=1.0)
    send(flow, 0.0)
    flow.ack("a", 1)
    flow.request()
    assert send(flow, 0.1).lossy is True  # an animation


def test_lossless_only_when_tiers_are_off() -> None:
    flow = Flow(FlowConfig(lossy=False))
    flow.view_status("a", visible=True, ratio=1.0)
    flow.input(0.0)
    flow.request()
    assert send(flow, 0.0).lossy is False
    assert flow.settle_due is None


def test_busy_paces_key_frames_without_acks() -> None:
    flow = Flow(FlowConfig(window=1, busy_interval=0.1))
    flow.set_busy(True)
    flow.request()
    assert send(flow, 0.0) == Render(fresh=True, key=True, lossy=True)  # no view known yet
    flow.request()
    assert flow.poll(0.05) == Wait(0.1)
    assert isinstance(flow.poll(0.1), Render)
    flow.set_busy(False)
    assert flow.poll(0.1) == Wait()  # no view has attached: nobody to send to


def test_busy_sends_nothing_when_every_known_view_is_hidden() -> None:
    flow = Flow()
    flow.view_status("a", visible=False, ratio=1.0)
    flow.set_busy(True)
    flow.request()
    assert flow.poll(1.0) == Wait()


def test_render_ratio_is_the_largest_visible_and_kept_while_none_is() -> None:
    flow = Flow()
    assert flow.view_status("a", visible=True, ratio=1.0) is False
    assert flow.view_status("b", visible=True, ratio=2.0) is True
    assert flow.ratio == 2.0
    assert flow.view_status("b", visible=False, ratio=2.0) is True
    assert flow.ratio == 1.0
    assert flow.detach("a") is False
    assert flow.ratio == 1.0


def test_acks_beyond_what_was_sent_and_from_unknown_views_are_harmless() -> None:
    flow = Flow()
    flow.view_status("a", visible=True, ratio=1.0)
    flow.ack("a", 99)
    assert flow.views["a"].acked == 0
    flow.ack("nobody", 1)
    assert "nobody" not in flow.views


def test_views_are_bounded() -> None:
    flow = Flow(FlowConfig(max_views=3))
    for i in range(10):
        flow.view_status(f"v{i}", visible=True, ratio=1.0)
    assert len(flow.views) == 3


def test_skipped_clears_what_was_asked() -> None:
    flow = Flow()
    flow.view_status("a", visible=True, ratio=1.0)
    flow.request()
    decision = flow.poll(0.0)
    assert isinstance(decision, Render)
    flow.skipped(decision)
    assert flow.poll(0.0) == Wait()


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window must be at least 1"):
        FlowConfig(window=0)
