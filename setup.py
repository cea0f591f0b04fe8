"""The package build runs the frontend build (everything else is in pyproject.toml).

`pip install -e .` and `pip wheel .` run `build_py`, which first brings
`src/notewire/static/` up to date from `frontend/`: `npm ci` when the lockfile changed
since the last install, then `node build.mjs` when any frontend source changed since
the last bundle (build-info.json records a hash of the sources). Without Node.js, a
bundle that is already there is used as it is, with a warning; with no bundle either,
the build stops and says what to install.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
FRONTEND = ROOT / "frontend"
STATIC = ROOT / "src" / "notewire" / "static"
BUILD_INFO = STATIC / "build-info.json"
LOCK_STAMP = FRONTEND / "node_modules" / ".notewire-lock-sha256"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source_hash() -> str:
    """The same hash as build.mjs's sourceHash(): relative path then bytes, sorted by path."""
    files = [p for d in ("src", "html") for p in (FRONTEND / d).rglob("*") if p.is_file()]
    files += [FRONTEND / "build.mjs", FRONTEND / "package-lock.json"]
    h = hashlib.sha256()
    for f in sorted(files, key=lambda p: str(p)):
        h.update(f.relative_to(FRONTEND).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _built_hash() -> str | None:
    try:
        return json.loads(BUILD_INFO.read_text())["source"]
    except (OSError, ValueError, KeyError):
        return None


def _say(message: str) -> None:
    print(f"notewire frontend: {message}", file=sys.stderr, flush=True)


def _run(argv: list[str]) -> None:
    _say(" ".join(argv))
    result = subprocess.run(argv, cwd=FRONTEND, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        command = " ".join(argv)
        raise SystemExit(
            f"notewire frontend: `{command}` failed with exit code {result.returncode}"
        )


def build_frontend() -> None:
    if not (FRONTEND / "package.json").is_file():
        return  # an sdist or wheel build from a tree without the sources: use what is there
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if BUILD_INFO.is_file():
            current = _built_hash() == _source_hash()
            _say(
                "WARNING: Node.js/npm not found; using the prebuilt bundle in src/notewire/static "
                + ("(up to date)." if current else "(OLDER than frontend/).")
            )
            return
        raise SystemExit(
            "notewire frontend: building the browser frontend needs Node.js (>= 20) and npm, "
            "and no prebuilt bundle is in src/notewire/static. Install them "
            "(Debian/Ubuntu: apt-get install nodejs npm) and run the install again."
        )
    lock = _sha256((FRONTEND / "package-lock.json").read_bytes())
    if not LOCK_STAMP.is_file() or LOCK_STAMP.read_text().strip() != lock:
        _run([npm, "ci", "--no-audit", "--no-fund"])
        LOCK_STAMP.write_text(lock + "\n")
    if _built_hash() != _source_hash():
        _run([node, "build.mjs"])


class BuildPy(build_py):
    def run(self) -> None:
        build_frontend()
        super().run()


setup(
    cmdclass={"build_py": BuildPy},
    package_data={"notewire": ["static/*", "static/**/*"]},
)
