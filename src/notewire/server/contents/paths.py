"""Confining API paths to the root folder.

An API path is what a client names a file by: `/`-separated, relative to the root,
no leading `/` (`""` is the root itself). Every route turns one into a file through
`resolve`, which refuses:

- NUL bytes, control characters, backslashes, a leading `/`, empty components;
- `.` and `..` and any other component starting with `.` (hidden files, and the
  `.ipynb_checkpoints` folders, which are reached only through the checkpoint API);
- paths whose symlinks lead outside the root, or to a hidden file inside it.

Containment is decided on resolved paths, component by component
(`Path.is_relative_to`), never by string prefix: `/srv/data-secret` is not inside
`/srv/data` (CVE-2026-35397 was exactly that bug). A symlink swapped between the check
and the use can still win that race; the server trusts the local users who can write
into the root.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import PathRefused

__all__ = ["api_path_of", "is_visible", "real_root", "resolve", "split_api_path"]

MAX_API_PATH = 4096


def split_api_path(api_path: str) -> tuple[str, ...]:
    """The components of `api_path`, checked lexically. Raises PathRefused."""
    if not isinstance(api_path, str):
        raise PathRefused(f"a path must be a string, got {type(api_path).__name__}")
    if len(api_path) > MAX_API_PATH:
        raise PathRefused("path too long")
    if "\x00" in api_path:
        raise PathRefused("path contains a NUL byte")
    if any(ord(c) < 0x20 or c == "\x7f" for c in api_path):
        raise PathRefused("path contains a control character")
    if "\\" in api_path:
        raise PathRefused("path contains a backslash")
    if api_path.startswith("/"):
        raise PathRefused("absolute paths are refused")
    path = api_path[:-1] if api_path.endswith("/") else api_path
    if not path:
        return ()
    parts = tuple(path.split("/"))
    for part in parts:
        if not part:
            raise PathRefused("path has an empty component")
        if part in (".", ".."):
            raise PathRefused("'.' and '..' are refused in paths")
        if part.startswith("."):
            raise PathRefused("hidden files and folders are refused")
    return parts


def real_root(root: Path | str) -> Path:
    """The root with every symlink resolved, as `resolve` compares against."""
    return Path(os.path.realpath(root))


def _check_target(root: Path, path: Path) -> None:
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(root):
        raise PathRefused("path leads outside the root")
    if any(part.startswith(".") for part in real.relative_to(root).parts):
        raise PathRefused("path leads to a hidden file")


def resolve(root: Path | str, api_path: str) -> Path:
    """The file that `api_path` names under `root`, which need not exist.

    The result is the path as named (symlinks inside the root are kept, so deleting or
    renaming a link acts on the link), after checking that its resolved target lies
    inside the root and is not hidden. Raises PathRefused.
    """
    base = real_root(root)
    path = base.joinpath(*split_api_path(api_path))
    _check_target(base, path)
    return path


def is_visible(root: Path, path: Path) -> bool:
    """Whether a folder entry may be listed: not hidden, and not a symlink leading out
    of `root` (an already resolved root) or to a hidden file."""
    if path.name.startswith("."):
        return False
    try:
        _check_target(root, path)
    except PathRefused:
        return False
    return True


def api_path_of(root: Path, path: Path) -> str:
    """The API path of `path`, a path under `root` (both as `resolve` returns them)."""
    return "/".join(path.relative_to(root).parts)
