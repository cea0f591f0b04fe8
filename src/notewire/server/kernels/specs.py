"""Kernelspec discovery on Jupyter's data paths.

A kernelspec is a folder `kernels/<name>/` holding `kernel.json` and, optionally,
logos and other resources. The folder name is the kernel name, matched
case-insensitively. Folders are searched in jupyter_client's order, and the first
folder holding a given name wins:

    $JUPYTER_PATH entries, the user data dir, {sys.prefix}/share/jupyter,
    /usr/local/share/jupyter, /usr/share/jupyter

A broken kernel.json is skipped with a warning, so one bad install cannot hide the
others.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import InvalidKernelSpec, NoSuchKernelSpec

log = logging.getLogger(__name__)

InterruptMode = Literal["signal", "message"]

_VALID_NAME = re.compile(r"^[a-z0-9._-]+$", re.IGNORECASE)
SYSTEM_DATA_PATHS = (Path("/usr/local/share/jupyter"), Path("/usr/share/jupyter"))


@dataclass(frozen=True, slots=True)
class KernelSpec:
    """A parsed kernel.json. `argv` is as written; see `launch_argv` for the command
    actually run. `env` values may hold `${VAR}` references, expanded at launch."""

    name: str
    argv: tuple[str, ...]
    display_name: str
    language: str
    resource_dir: Path
    interrupt_mode: InterruptMode = "signal"
    env: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The kernel.json form, as served by /api/kernelspecs."""
        return {
            "argv": list(self.argv),
            "display_name": self.display_name,
            "language": self.language,
            "interrupt_mode": self.interrupt_mode,
            "env": dict(self.env),
            "metadata": dict(self.metadata),
        }


def user_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Jupyter's per-user data folder, as jupyter_core computes it."""
    if environ.get("JUPYTER_DATA_DIR"):
        return Path(environ["JUPYTER_DATA_DIR"])
    home = Path(environ.get("HOME") or Path.home())
    if sys.platform == "darwin":
        return home / "Library" / "Jupyter"
    if sys.platform == "win32" and environ.get("APPDATA"):
        return Path(environ["APPDATA"]) / "jupyter"
    if environ.get("XDG_DATA_HOME"):
        return Path(environ["XDG_DATA_HOME"]) / "jupyter"
    return home / ".local" / "share" / "jupyter"


def data_paths(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """Jupyter data folders, highest priority first, without duplicates."""
    paths = [Path(p) for p in environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    user = [user_data_dir(environ)]
    env = [Path(sys.prefix) / "share" / "jupyter"]
    # jupyter_core lets an environment's kernels shadow the user's when asked to.
    if environ.get("JUPYTER_PREFER_ENV_PATH", "").lower() in ("1", "true", "yes", "on"):
        paths += env + user
    else:
        paths += user + env
    paths += SYSTEM_DATA_PATHS
    unique: list[Path] = []
    for p in paths:
        if p not in unique:
            unique.append(p)
    return unique


def kernel_dirs(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """The `kernels` folders to search, highest priority first."""
    return [p / "kernels" for p in data_paths(environ)]


def _require(cond: bool, path: Path, what: str) -> None:
    if not cond:
        raise InvalidKernelSpec(f"{path}: {what}")


def load_kernel_spec(resource_dir: Path, name: str | None = None) -> KernelSpec:
    """Parse `resource_dir/kernel.json`. Raises InvalidKernelSpec naming the problem."""
    path = resource_dir / "kernel.json"
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidKernelSpec(f"{path}: cannot read: {exc}") from None
    _require(isinstance(raw, dict), path, f"must hold a JSON object, got {type(raw).__name__}")
    argv = raw.get("argv")
    _require(
        isinstance(argv, list) and bool(argv) and all(isinstance(a, str) for a in argv),
        path,
        f"'argv' must be a non-empty list of strings, got {argv!r:.80}",
    )
    spec_name = (name or resource_dir.name).lower()
    display_name = raw.get("display_name", spec_name)
    _require(
        isinstance(display_name, str),
        path,
        f"'display_name' must be a string, got {display_name!r}",
    )
    language = raw.get("language", "")
    _require(isinstance(language, str), path, f"'language' must be a string, got {language!r}")
    mode = raw.get("interrupt_mode", "signal")
    _require(
        mode in ("signal", "message"),
        path,
        f"'interrupt_mode' must be signal or message, got {mode!r}",
    )
    env = raw.get("env", {})
    _require(
        isinstance(env, dict) and all(isinstance(v, str) for v in env.values()),
        path,
        f"'env' must map names to strings, got {env!r:.80}",
    )
    metadata = raw.get("metadata", {})
    _require(
        isinstance(metadata, dict), path, f"'metadata' must be an object, got {metadata!r:.80}"
    )
    return KernelSpec(
        name=spec_name,
        argv=tuple(argv),
        display_name=display_name,
        language=language,
        resource_dir=resource_dir,
        interrupt_mode=mode,
        env=env,
        metadata=metadata,
    )


def _spec_folders(kernels_dir: Path) -> list[tuple[str, Path]]:
    try:
        entries = sorted(kernels_dir.iterdir())
    except OSError:  # missing or unreadable folders are normal: most paths do not exist
        return []
    found = []
    for entry in entries:
        if not (entry / "kernel.json").is_file():
            continue
        if not _VALID_NAME.match(entry.name):
            log.warning("ignoring kernelspec %s: name must match [A-Za-z0-9._-]", entry)
            continue
        found.append((entry.name.lower(), entry))
    return found


def find_kernel_specs(dirs: Sequence[Path] | None = None) -> dict[str, KernelSpec]:
    """All usable kernelspecs by lowercase name. `dirs` defaults to `kernel_dirs()`.

    The first folder holding a name wins. Broken kernel.json files are logged and
    skipped; a broken spec does not fall through to a lower-priority one of the same
    name, because the user meant to override it.
    """
    specs: dict[str, KernelSpec] = {}
    seen: set[str] = set()
    for kernels_dir in kernel_dirs() if dirs is None else dirs:
        for name, folder in _spec_folders(kernels_dir):
            if name in seen:
                continue
            seen.add(name)
            try:
                specs[name] = load_kernel_spec(folder, name)
            except InvalidKernelSpec as exc:
                log.warning("skipping kernelspec %r: %s", name, exc)
    return specs


def get_kernel_spec(name: str, dirs: Sequence[Path] | None = None) -> KernelSpec:
    """The kernelspec called `name` (case-insensitive). Raises NoSuchKernelSpec."""
    spec = find_kernel_specs(dirs).get(name.lower())
    if spec is None:
        raise NoSuchKernelSpec(name)
    return spec


def python_argv(argv: Sequence[str]) -> list[str]:
    """Run a spec written for "python" with this server's interpreter.

    jupyter_client does the same: a kernelspec installed as `python -m ipykernel_launcher`
    means "the Python this Jupyter runs on", not whatever `python` is first on PATH.
    Only this interpreter's own names are replaced; `python3.9` still means 3.9.
    """
    major, minor = sys.version_info[:2]
    if argv and argv[0] in ("python", f"python{major}", f"python{major}.{minor}"):
        return [sys.executable, *argv[1:]]
    return list(argv)
