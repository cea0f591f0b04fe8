"""Where the time from a pointer move to the true frame goes: bench/figures.py's drag on
notewire, with timestamps at each stage of the pipeline, in one run.

    python bench/figure_trace.py                    # the line scenario, one drag
    python bench/figure_trace.py --scenarios line,wheel --runs 2 --json out.json

For each DOM pointermove of the drag (as bench/figures.py's latency: the first pointer
message sent at or after it, the first frame reflecting that message, the ack of that
frame or a later one), the time splits into:

- `page hold`: DOM event -> the page sends the pointer message (one per display frame);
- `to server`: -> the server stamps the message it sends the kernel (its header date);
- `to kernel`: -> the kernel's comm handler starts (ZeroMQ, and any wait while the kernel
  was busy drawing; `to kernel, idle` is the same over the messages that found the
  kernel idle, i.e. the relay alone);
- `handler`: the kernel's comm handler (a move is only held there: the newest held
  move reaches matplotlib, the pan, just before the next frame);
- `wait frame`: the handler is done -> the kernel starts rendering the frame that
  reflects the move (the held move's matplotlib event, a frame the window holds back);
- `draw`, `encode`: that frame's Agg drawing and image encoding; `frame overhead`: the
  rest of the canvas's work for it (the diff, the copy it keeps, sending);
- `to page`: the kernel sent it -> the page's WebSocket got it (IOPub, the server's
  relay);
- `decode`: -> `createImageBitmap` resolved (the page decodes off its main thread);
- `to screen`: -> the view drew it and sent the ack (the next animation frame).

The page's clock (performance.timeOrigin + now) and the kernel's and server's
(time.time) are the machine's wall clock. Medians over the moves, with the totals.
"""

# A benchmark script: blocking calls between the measurements.
# ruff: noqa: ASYNC230, ASYNC240

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import statistics
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import figures  # noqa: E402
from figure_scenarios import SCENARIOS  # noqa: E402

KERNEL_TRACE = """\
_trace = _bench["trace"] = {"inputs": [], "renders": [], "blocked": []}
_port = _live._comm._comm
_on_msg = _port._msg_callback
def _traced_msg(msg):  # server's date, handler start and end (epoch s), moves so far
    start = _time.time()
    _on_msg(msg)
    data = msg["content"]["data"]
    if data.get("type") == "event":
        _trace["inputs"].append([str(msg["header"]["date"]), start, _time.time(),
            _bench["moves"], data["event"]["type"]])
_port.on_msg(_traced_msg)
_render = _live._render
def _traced_render(decision, now):  # start, end, draw s, encode s, frame sent, moves
    sent, draw, encode = _live.flow.sent, _stats.render_seconds, _stats.encode_seconds
    start = _time.time()
    _render(decision, now)
    _trace["renders"].append([start, _time.time(), _stats.render_seconds - draw,
        _stats.encode_seconds - encode, _live.flow.sent if _live.flow.sent != sent else None,
        _bench["moves"]])
_live._render = _traced_render
_poll = _live.flow.poll
def _traced_poll(now):  # a frame wanted and the window full: when, frames unacked
    decision = _poll(now)
    flow = _live.flow
    if flow.pending and type(decision).__name__ == "Wait" and decision.until is None:
        acked = min((v.acked for v in flow.views.values() if v.visible), default=flow.sent)
        _trace["blocked"].append([_time.time(), flow.sent - acked])
    return decision
_live.flow.poll = _traced_poll
"""

PAGE_TRACE = """
(() => {
  const t = (window.__trace = { origin: performance.timeOrigin, recv: [], decode: [] });
  let last = null;  // the frame whose WebSocket message came last
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        if (typeof e.data === 'string' || e.data.byteLength < 200) return;
        const head = new TextDecoder('latin1').decode(new Uint8Array(e.data, 0, 600));
        const m = /"type":\\s*"frame",\\s*"frame":\\s*(\\d+)/.exec(head);
        if (m) { last = Number(m[1]); t.recv.push([last, performance.now()]); }
      });
    }
  };
  const cib = window.createImageBitmap;
  window.createImageBitmap = function (...a) {
    const slot = [last, performance.now(), null];
    t.decode.push(slot);
    const p = cib.apply(this, a);
    p.then(() => { slot[2] = performance.now(); }, () => undefined);
    return p;
  };
})();
"""

STAGES = (
    "page hold",
    "to server",
    "to kernel",
    "wait frame",
    "draw",
    "encode",
    "to page",
    "decode",
    "to screen",
)


def _epoch(date: str) -> float:
    return datetime.fromisoformat(date).timestamp()


def stages(raw: dict[str, Any]) -> dict[str, Any]:
    """Each move's latency split into STAGES (ms); the moves' medians."""
    records, kernel = raw["page"], raw["kernel"]
    b, tr, trace = records["page"], kernel["trace"], records["trace"]
    t0, t1 = records["t0"], records["t1"]
    origin = trace["origin"]

    def page_ms(epoch_s: float) -> float:
        return epoch_s * 1000 - origin

    sent = b["sent"]
    offset = kernel["moves"] - len(sent)
    inputs = {}  # motion event count -> (server date, handler start, end), page ms
    idle_relay = []
    renders = tr["renders"]
    render_spans = [(page_ms(r[0]), page_ms(r[1])) for r in renders]
    starts = [s for s, _ in render_spans]
    for date, start, end, moves, _kind in tr["inputs"]:
        server = page_ms(_epoch(date))
        inputs.setdefault(moves, (server, page_ms(start), page_ms(end)))
        i = bisect.bisect_right(starts, server) - 1
        if i < 0 or render_spans[i][1] < server:  # the kernel was not drawing
            idle_relay.append(page_ms(start) - server)
    frames = {r[4]: r for r in renders if r[4] is not None}
    moves_of = sorted((r[4], r[5]) for r in renders if r[4] is not None)
    recv = {n: t for n, t in trace["recv"]}
    decoded = {n: done for n, _call, done in trace["decode"] if n is not None and done}
    acks = sorted((a for a in b["acks"] if a[1] >= t0), key=lambda a: a[1])
    rows = []
    for t in b["moves"]:
        if not t0 <= t <= t1:
            continue
        k = bisect.bisect_left(sent, t)
        if k >= len(sent):
            continue
        event = k + 1 + offset
        n = next((f for f, m in moves_of if m >= event), None)
        shown = next((a for a in acks if a[0] >= (n or 0)), None) if n is not None else None
        got = inputs.get(event)
        if n is None or shown is None or got is None or n not in recv or n not in decoded:
            continue
        server, handled, done = got
        r = frames[n]
        start, end = page_ms(r[0]), page_ms(r[1])
        values = (
            sent[k] - t,
            server - sent[k],
            handled - server,
            start - done,
            r[2] * 1000,
            r[3] * 1000,
            recv[n] - end,
            decoded[n] - recv[n],
            shown[1] - decoded[n],
        )
        # the handler itself, and the renderer's overhead around draw and encode
        overhead = (end - start) - r[2] * 1000 - r[3] * 1000
        rows.append((*values, done - handled, overhead, shown[1] - t))
    if not rows:
        return {"moves": 0}
    columns = list(zip(*rows, strict=True))
    out = {name: statistics.median(col) for name, col in zip(STAGES, columns, strict=False)}
    out["handler"] = statistics.median(columns[-3])
    out["frame overhead"] = statistics.median(columns[-2])
    out["total (p50)"] = statistics.median(columns[-1])
    out["sum of medians"] = sum(out[s] for s in (*STAGES, "handler", "frame overhead"))
    out["blocked on acks"] = len(tr["blocked"])
    out["to kernel, idle"] = statistics.median(idle_relay) if idle_relay else float("nan")
    out["moves"] = len(rows)
    intervals = [b2[0] - a[0] for a, b2 in zip(renders, renders[1:], strict=False)]
    out["render interval"] = statistics.median(intervals) * 1000 if intervals else float("nan")
    return out


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="line")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    from playwright.async_api import async_playwright

    report: dict[str, Any] = {"load_before": figures.load()}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=figures.CHROMIUM, headless=True)
        try:
            for name in args.scenarios.split(","):
                runs = await figures.run_notewire(
                    browser, args.runs, None, SCENARIOS[name], trace=(KERNEL_TRACE, PAGE_TRACE)
                )
                report[name] = [stages(r["raw"]) for r in runs]
                for r, s in zip(runs, report[name], strict=True):
                    s["latency p50 (figures.py)"] = r["latency_median_ms"]
                    s["frames/s"] = r["fps"]
        finally:
            await browser.close()
    report["load_after"] = figures.load()
    for name in args.scenarios.split(","):
        for i, s in enumerate(report[name]):
            print(f"{name} run {i + 1}: {s.get('moves', 0)} moves")
            for key, value in s.items():
                if key != "moves":
                    print(f"  {key:26} {value:8.1f}")
    print(f"load average before: {report['load_before']}, after: {report['load_after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
