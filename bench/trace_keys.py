"""What the page's main thread does per key, from a trace that `bench/frontend.py --trace DIR`
wrote while typing keys after paging through the notebook:

    python bench/trace_keys.py DIR/notewire-paged-keys.json [--keys N]

Prints, per key (the trace's keydown events, or --keys), the milliseconds of the renderer
main thread's work by kind (inclusive: a Layout inside a FunctionCall counts in both), and
the event listeners dispatched per key by event type (selectionchange once per editor
listener shows here).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

# Work worth naming: the rest is summed under its trace name in the top list.
KINDS = [
    "EventDispatch",
    "FunctionCall",
    "FireAnimationFrame",
    "TimerFire",
    "UpdateLayoutTree",
    "Layout",
    "PrePaint",
    "Paint",
    "Layerize",
    "UpdateLayer",
    "IntersectionObserverController::computeIntersections",
    "ResizeObserverController::DeliverObservations",
    "HitTest",
    "MajorGC",
    "MinorGC",
    "V8.GC_SCAVENGER",
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("trace", type=Path)
    p.add_argument("--keys", type=int, help="keys typed (default: keydown events seen)")
    p.add_argument("--top", type=int, default=15)
    args = p.parse_args(argv)
    raw = json.loads(args.trace.read_text())
    events = raw["traceEvents"] if isinstance(raw, dict) else raw
    main_tids = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M"
        and e.get("name") == "thread_name"
        and e["args"].get("name") == "CrRendererMain"
    }
    total: defaultdict[str, float] = defaultdict(float)
    dispatch: Counter[str] = Counter()
    keydowns = 0
    for e in events:
        if (e.get("pid"), e.get("tid")) not in main_tids or e.get("ph") != "X":
            continue
        name = e["name"]
        total[name] += e.get("dur", 0) / 1000
        if name == "EventDispatch":
            kind = e.get("args", {}).get("data", {}).get("type", "?")
            dispatch[kind] += 1
            keydowns += kind == "keydown"
    keys = args.keys or keydowns or 1
    print(f"{args.trace.name}: {keys} keys; renderer main thread, ms per key (inclusive)")
    for name in KINDS:
        if total.get(name):
            print(f"  {name:55s} {total[name] / keys:7.2f}")
    print("  top by total:")
    for name, ms in sorted(total.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {name:55s} {ms / keys:7.2f}")
    print("events dispatched per key:")
    for kind, n in dispatch.most_common(12):
        print(f"  {kind:20s} {n / keys:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
