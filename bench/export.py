"""Export benchmark: `notewire export` against `jupyter nbconvert`, on the same notebook.

    python bench/export.py              # full run: median of 3 per figure
    python bench/export.py --quick      # smoke run: 1 each, a 100-cell 1 MB notebook
    python bench/export.py --reps 5     # more runs per figure
    python bench/export.py --only pdf   # one figure

The notebook is bench/frontend.py's `make_notebook`: 500 cells (every tenth a markdown
cell with math), 5 MB of outputs (streams, text/plain, HTML tables, PNG images). Every
figure is the wall time of the whole command, run as a subprocess from a cold Python
(start-up and imports included), as a user runs it:

  HTML  notewire: `python -m notewire.cli export --to html NB -o OUT`
        nbconvert: `python -m nbconvert --to html NB --output OUT` (the lab template)
  PDF   notewire: `python -m notewire.cli export --to pdf NB -o OUT` (Debian's Chromium,
        driven over the DevTools protocol on a pipe: Page.printToPDF)
        nbconvert: `--to webpdf`, with Playwright's launch given
        executable_path=/usr/bin/chromium (nbconvert has no option for it and would
        otherwise download its own Chromium)

Also shown: the CPU time of each command with every process under it (Chromium's
included), which moves far less with the machine's load than the wall time; the HTML's
size, and how many <script>/<link> tags in it load from the network (the file works
offline only if none do).

Goal: notewire at most 0.5x nbconvert for both HTML and PDF, with an HTML that needs no
network. Exit status 0 when every command ran, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from frontend import make_notebook  # noqa: E402  (bench/ is not a package)

CHROMIUM = "/usr/bin/chromium"

# nbconvert's webpdf, its launch pointed at Debian's Chromium.
WEBPDF = f"""
import sys
from playwright.async_api._generated import BrowserType
launch = BrowserType.launch
async def patched(self, *args, **kwargs):
    kwargs.setdefault("executable_path", {CHROMIUM!r})
    return await launch(self, *args, **kwargs)
BrowserType.launch = patched
from nbconvert.nbconvertapp import main
sys.argv = ["jupyter-nbconvert", *sys.argv[1:]]
main()
"""

NETWORK = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", re.I)


def commands(nb: Path, out: Path) -> dict[tuple[str, str], list[str]]:
    py = sys.executable
    nw = [py, "-m", "notewire.cli", "export"]
    return {
        ("html", "notewire"): [*nw, "--to", "html", str(nb), "-o", str(out / "nw.html")],
        ("html", "nbconvert"): [
            *[py, "-m", "nbconvert", "--to", "html", str(nb)],
            *["--output-dir", str(out), "--output", "nbc"],
        ],
        ("pdf", "notewire"): [*nw, "--to", "pdf", str(nb), "-o", str(out / "nw.pdf")],
        ("pdf", "nbconvert"): [
            *[py, "-c", WEBPDF, "--to", "webpdf", "--WebPDFExporter.disable_sandbox=True"],
            *[str(nb), "--output-dir", str(out), "--output", "nbc"],
        ],
    }


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall time, and CPU time of the command and every process under it, sampled every
    0.1 s (each process's last sample: what one does in its last 0.1 s is missed).
    Sampled because Chromium's renderers are not reaped up to us: resource's
    RUSAGE_CHILDREN missed most of a print's CPU. The CPU time moves far less than the
    wall time with the machine's load."""
    start = time.perf_counter()
    errors = tempfile.TemporaryFile("w+")  # a pipe not read while polling could fill
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors, text=True)
    root = psutil.Process(proc.pid)
    seen: dict[int, float] = {}
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            for each in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = each.cpu_times()
                    seen[each.pid] = times.user + times.system
        if time.perf_counter() - start > 900:
            proc.kill()
        time.sleep(0.1)
    took = time.perf_counter() - start
    with errors:
        errors.seek(0)
        err = errors.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:6])} ... failed:\n{err[-2000:]}")
    return took, sum(seen.values())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="1 run each, 100 cells, 1 MB")
    p.add_argument("--reps", type=int, help="runs per figure (default 3, quick 1)")
    p.add_argument(
        "--only", choices=["html", "pdf"], nargs="+", default=["html", "pdf"], help="figures"
    )
    args = p.parse_args(argv)
    reps = args.reps or (1 if args.quick else 3)
    cells, size = (100, 1_000_000) if args.quick else (500, 5_000_000)
    with tempfile.TemporaryDirectory(prefix="notewire-bench-export-") as tmp:
        folder = Path(tmp)
        nb, output_bytes = make_notebook(cells, size)
        path = folder / "big.ipynb"
        nbformat.write(nbformat.from_dict(nb), path)
        cmds = {k: c for k, c in commands(path, folder).items() if k[0] in args.only}
        times: dict[tuple[str, str], float | str] = {}
        cpus: dict[tuple[str, str], float] = {}
        runs: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in cmds}
        # notewire's and nbconvert's runs alternate, so that a change in the machine's
        # load (other sessions' test suites) falls on both alike.
        for rep in range(-1, reps):  # -1: the warm-up (file caches, .pyc)
            for key, cmd in cmds.items():
                if times.get(key) == "FAILED":
                    continue
                try:
                    took = timed(cmd)
                except RuntimeError as e:
                    times[key] = "FAILED"
                    print(f"{key}: {e}", file=sys.stderr)
                    continue
                if rep >= 0:
                    runs[key].append(took)
                print(
                    f"{key[0]} {key[1]} run {rep}: {took[0]:.2f} s, cpu {took[1]:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
        for key, taken in runs.items():
            if times.get(key) != "FAILED":
                times[key] = statistics.median(t[0] for t in taken)
                cpus[key] = statistics.median(t[1] for t in taken)
        sizes = {
            app: (folder / f"{stem}.html")
            for app, stem in (("notewire", "nw"), ("nbconvert", "nbc"))
        }
        print(
            f"notebook: {cells} cells, {output_bytes / 1e6:.1f} MB of outputs, file "
            f"{path.stat().st_size / 1e6:.1f} MB; median of {reps} runs after a warm-up\n"
        )
        print("| figure | notewire | nbconvert | ratio | goal |")
        print("|---|---|---|---|---|")
        for fmt in args.only:
            nw, nbc = times[(fmt, "notewire")], times[(fmt, "nbconvert")]
            ok = isinstance(nw, float) and isinstance(nbc, float)
            ratio = f"{nw / nbc:.2f}x" if ok else "-"
            shown = [f"{t:.2f} s" if isinstance(t, float) else t for t in (nw, nbc)]
            print(f"| {fmt.upper()} export time | {shown[0]} | {shown[1]} | {ratio} | ≤ 0.5x |")
            if ok:
                c_nw, c_nbc = cpus[(fmt, "notewire")], cpus[(fmt, "nbconvert")]
                print(
                    f"| {fmt.upper()} CPU time (all processes) | {c_nw:.2f} s | {c_nbc:.2f} s"
                    f" | {c_nw / c_nbc:.2f}x | |"
                )
        cells_ = []
        for app in ("notewire", "nbconvert"):
            html = sizes[app]
            cells_.append(
                (f"{html.stat().st_size / 1e6:.1f} MB", str(len(NETWORK.findall(html.read_text()))))
                if html.exists()
                else ("-", "-")
            )
        print(f"| HTML size | {cells_[0][0]} | {cells_[1][0]} | | |")
        print(f"| HTML tags loading from the network | {cells_[0][1]} | {cells_[1][1]} | | 0 |")
        return 0 if all(isinstance(t, float) for t in times.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
