"""The files under the root as Jupyter contents models.

A model is the JSON object of Jupyter's contents API: `name, path, type (notebook |
file | directory), size, created, last_modified, writable, mimetype, format, content`,
plus `hash` and `hash_algorithm` for files whose bytes were read. Every method takes
API paths, checks them with `paths.resolve`, does blocking file I/O (call it from a
thread) and raises only ContentsError subclasses for bad requests.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import itertools
import json
import mimetypes
import os
import re
import shutil
import stat
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from notewire.protocol.jsonutil import nested_too_deep, too_deep_message

from . import files
from .errors import Conflict, Invalid, NotFound, PathRefused
from .paths import api_path_of, is_visible, real_root, resolve

__all__ = ["CHECKPOINT_ID", "Contents", "Model"]

Model = dict[str, Any]
Kind = Literal["notebook", "file", "directory"]
# nbformat's cell id: 1-64 of these, so a file name that stays in the spill folder.
_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
CHECKPOINT_ID = "checkpoint"  # one checkpoint per file, as in Jupyter's FileCheckpoints
_COPY_SUFFIX = re.compile(r"-Copy\d*$")
_EMPTY_NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _kind(path: Path, st: os.stat_result) -> Kind:
    if stat.S_ISDIR(st.st_mode):
        return "directory"
    return "notebook" if path.name.endswith(".ipynb") else "file"


def notebook_bytes(notebook: Mapping[str, Any]) -> bytes:
    """A notebook as nbformat writes it: sorted keys, one-space indent, final newline."""
    return (json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _split_name(name: str) -> tuple[str, str]:
    """`Untitled.ipynb` -> (`Untitled`, `.ipynb`); `a.tar.gz` -> (`a`, `.tar.gz`), as
    Jupyter's increment_filename splits names."""
    base, dot, ext = name.rpartition(".")
    if ext != "ipynb":
        base, dot, ext = name.partition(".")
    if not base:  # no dot at all
        return name, ""
    return base, dot + ext


class Contents:
    """The files under `root`, which must be an existing folder."""

    def __init__(self, root: Path | str) -> None:
        self.root = real_root(root)
        if not self.root.is_dir():
            raise NotADirectoryError(f"the root {str(root)!r} is not a folder")

    def resolve(self, api_path: str) -> Path:
        """The file an API path names (need not exist). Raises PathRefused."""
        return resolve(self.root, api_path)

    def _existing(self, api_path: str) -> tuple[Path, os.stat_result]:
        path = self.resolve(api_path)
        try:
            return path, os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(f"no such file or folder: {api_path!r}") from None

    def _folder(self, api_path: str) -> Path:
        path, st = self._existing(api_path)
        if not stat.S_ISDIR(st.st_mode):
            raise Invalid(f"{api_path!r} is not a folder")
        return path

    # --- reading ---------------------------------------------------------------------

    def _model(self, path: Path, st: os.stat_result) -> Model:
        kind = _kind(path, st)
        mimetype = None
        if kind == "file":
            mimetype = mimetypes.guess_type(path.name)[0]
        return {
            "name": path.name,
            "path": api_path_of(self.root, path),
            "type": kind,
            "size": None if kind == "directory" else st.st_size,
            "created": _iso(st.st_ctime),
            "last_modified": _iso(st.st_mtime),
            "writable": os.access(path, os.W_OK),
            "mimetype": mimetype,
            "content": None,
            "format": None,
        }

    def list_folder(self, path: Path) -> list[Model]:
        """Models (without content) of the visible entries of a folder, by name.
        Hidden entries, symlinks leading out of the root and entries that cannot be
        stat'ed (broken links) are left out."""
        models = []
        with os.scandir(path) as entries:
            for entry in entries:
                child = path / entry.name
                if not is_visible(self.root, child):
                    continue
                try:
                    models.append(self._model(child, os.stat(child)))
                except OSError:
                    continue
        return sorted(models, key=lambda m: m["name"])

    def get(
        self,
        api_path: str,
        *,
        content: bool = True,
        type: str | None = None,
        format: str | None = None,
        hash: bool = False,
    ) -> Model:
        """The model of a file or folder. `type` asks for a kind (a notebook may be
        read as a `file`); `format` is `text` or `base64` for files, `hash` adds the
        sha256 even without content. Raises NotFound, PathRefused, Invalid."""
        if type not in (None, "notebook", "file", "directory"):
            raise Invalid(f"unknown type {type!r}")
        if format not in (None, "text", "base64", "json"):
            raise Invalid(f"unknown format {format!r}")
        path, st = self._existing(api_path)
        model = self._model(path, st)
        kind = model["type"]
        if type == "directory" and kind != "directory":
            raise Invalid(f"{api_path!r} is not a folder")
        if type in ("notebook", "file") and kind == "directory":
            raise Invalid(f"{api_path!r} is a folder")
        if type == "notebook" and kind != "notebook":
            raise Invalid(f"{api_path!r} is not a notebook")
        if type == "file" and kind == "notebook":
            model["type"] = kind = "file"
        if kind == "directory":
            if content:
                model["content"] = self.list_folder(path)
                model["format"] = "json"
            return model
        if not (content or hash):
            return model
        data, _ = files.read_stamped(path)
        model["hash"] = hashlib.sha256(data).hexdigest()
        model["hash_algorithm"] = "sha256"
        if content:
            self._fill_content(model, data, format)
        return model

    def _fill_content(self, model: Model, data: bytes, format: str | None) -> None:
        if model["type"] == "notebook":
            try:
                notebook = json.loads(data)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise Invalid(f"unreadable notebook {model['name']!r}: {exc}") from None
            except RecursionError:
                notebook = None  # the decoder's own limit, near 1,000 levels
            if notebook is None or nested_too_deep(notebook):
                raise Invalid(f"unreadable notebook {model['name']!r}: {too_deep_message()}")
            if not isinstance(notebook, dict):
                raise Invalid(f"unreadable notebook {model['name']!r}: not a JSON object")
            model.update(content=notebook, format="json")
            return
        if format in (None, "text"):
            try:
                model.update(content=data.decode("utf-8"), format="text")
                model["mimetype"] = model["mimetype"] or "text/plain"
                return
            except UnicodeDecodeError:
                if format == "text":
                    raise Invalid(f"{model['name']!r} is not UTF-8 text; ask for base64") from None
        elif format != "base64":
            raise Invalid(f"files are read as text or base64, not {format!r}")
        model.update(content=base64.b64encode(data).decode("ascii"), format="base64")
        model["mimetype"] = model["mimetype"] or "application/octet-stream"

    def download_path(self, api_path: str) -> Path:
        """The regular file behind `/files/{api_path}`. Raises NotFound for folders."""
        path, st = self._existing(api_path)
        if not stat.S_ISREG(st.st_mode):
            raise NotFound(f"{api_path!r} is not a file")
        return path

    def spill_path(self, api_path: str, cell_id: str) -> Path:
        """The full stream output of cell `cell_id` of the notebook at `api_path`, kept
        by session/spill.py when the cell outgrew its cap. Raises NotFound when there
        is none (or the id could not be a cell's)."""
        path = self.download_path(api_path)
        if not _CELL_ID.fullmatch(cell_id):
            raise NotFound(f"no such cell: {cell_id!r}")
        spilled = files.spill_file(path, cell_id)
        try:
            if stat.S_ISREG(os.lstat(spilled).st_mode):
                return spilled
        except (FileNotFoundError, NotADirectoryError):
            pass
        raise NotFound(f"no full output kept for cell {cell_id!r}")

    # --- writing ---------------------------------------------------------------------

    def save(
        self, api_path: str, model: Mapping[str, Any], *, expect_hash: str | None = None
    ) -> tuple[Model, bool]:
        """Write a model (`type`, `format`, `content`; `chunk` for uploads in pieces:
        1 first, 2.. next, -1 last). Returns the new model without content and whether
        the file was created. `expect_hash`: the sha256 the file must still have
        (Conflict otherwise)."""
        kind = model.get("type")
        if kind not in ("notebook", "file", "directory"):
            raise Invalid(f"'type' must be notebook, file or directory, got {kind!r}")
        path = self.resolve(api_path)
        if path == self.root:
            raise PathRefused("the root cannot be overwritten")
        if not path.parent.is_dir():
            raise NotFound(f"no such folder: {api_path.rpartition('/')[0]!r}")
        existed = os.path.lexists(path)
        if kind == "directory":
            if existed and not path.is_dir():
                raise Conflict(f"{api_path!r} exists and is not a folder")
            with contextlib.suppress(FileExistsError):
                os.mkdir(path)
            return self._model(path, os.stat(path)), not existed
        if path.is_dir():
            raise Conflict(f"{api_path!r} is a folder")
        data = self._content_bytes(kind, model)
        chunk = model.get("chunk")
        if chunk is not None:
            partial = self._save_chunk(path, data, chunk)
            if partial is not None:  # more to come: the model of what arrived so far
                return self._model(path, partial), False
        else:
            expect = None
            if expect_hash is not None:
                try:
                    current, expect = files.read_stamped(path)
                except NotFound:
                    raise Conflict(f"{api_path!r} was deleted on disk") from None
                if hashlib.sha256(current).hexdigest() != expect_hash:
                    raise Conflict(f"{api_path!r} changed on disk")
            files.write_atomic(path, data, expect=expect)
        saved = self.get(api_path, content=False, hash=True)
        return saved, not existed

    @staticmethod
    def _content_bytes(kind: str, model: Mapping[str, Any]) -> bytes:
        content = model.get("content")
        fmt = model.get("format")
        if content is None:
            raise Invalid("no content given")
        if kind == "notebook":
            if fmt not in (None, "json") or not isinstance(content, dict):
                raise Invalid("a notebook's content must be a JSON object (format json)")
            if nested_too_deep(content):
                raise Invalid(f"a notebook's content is {too_deep_message()}")
            return notebook_bytes(content)
        if not isinstance(content, str):
            raise Invalid("a file's content must be a string")
        if fmt == "text":
            return content.encode("utf-8")
        if fmt == "base64":
            try:
                return base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                raise Invalid("content is not valid base64") from None
        raise Invalid(f"a file's format must be text or base64, got {fmt!r}")

    def _save_chunk(self, path: Path, data: bytes, chunk: object) -> os.stat_result | None:
        """Append one piece of an upload to a hidden partial file; the last (-1) moves it
        into place atomically. Returns the partial file's stat, None once complete."""
        if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk == 0 or chunk < -1:
            raise Invalid(f"'chunk' must be 1, 2, ... or -1, got {chunk!r}")
        partial = path.with_name(f".~{path.name[:180]}.upload")
        flags = os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW
        flags |= os.O_CREAT | os.O_TRUNC if chunk == 1 else os.O_APPEND
        try:
            fd = os.open(partial, flags, 0o666)
        except FileNotFoundError:
            raise Invalid(f"chunk {chunk} of {path.name!r} came without chunk 1") from None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if chunk == -1:
                os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        if chunk != -1:
            return st
        os.replace(partial, path)
        files.fsync_folder(path.parent)
        return None

    def _claim(self, folder: Path, base: str, ext: str, insert: str, kind: Kind) -> Path:
        """Create the first free name `base{insert}{i}{ext}` (i = '', 1, 2, ...) in
        `folder` without racing other creators."""
        for i in itertools.count():
            path = folder / f"{base}{insert if i else ''}{i or ''}{ext}"
            try:
                if kind == "directory":
                    os.mkdir(path)
                else:
                    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
                return path
            except FileExistsError:
                continue
        raise AssertionError("unreachable")

    def new_untitled(self, dir_path: str, *, type: str = "file", ext: str = "") -> Model:
        """Create `Untitled.ipynb` (then `Untitled1.ipynb`, ...), `Untitled Folder`
        (`Untitled Folder 1`, ...) or `untitled{ext}` in a folder."""
        folder = self._folder(dir_path)
        if type == "notebook":
            path = self._claim(folder, "Untitled", ".ipynb", "", "notebook")
            files.write_atomic(path, notebook_bytes(_EMPTY_NOTEBOOK))
        elif type == "directory":
            path = self._claim(folder, "Untitled Folder", "", " ", "directory")
        elif type == "file":
            if not isinstance(ext, str) or (ext and not ext.startswith(".")) or "/" in ext:
                raise Invalid(f"'ext' must look like '.txt', got {ext!r}")
            if len(ext) > 64 or "\x00" in ext or "\\" in ext:
                raise Invalid("bad 'ext'")
            path = self._claim(folder, "untitled", ext, "", "file")
        else:
            raise Invalid(f"'type' must be notebook, file or directory, got {type!r}")
        return self._model(path, os.stat(path))

    def copy(self, from_path: str, to_dir: str) -> Model:
        """Copy a file into a folder: the same name if free there, else `name-Copy1.ext`,
        `name-Copy2.ext`, ... Folders are not copied."""
        source, st = self._existing(from_path)
        if stat.S_ISDIR(st.st_mode):
            raise Invalid("folders cannot be copied")
        folder = self._folder(to_dir)
        base, ext = _split_name(source.name)
        base = _COPY_SUFFIX.sub("", base) if folder == source.parent else base
        path = self._claim(folder, base, ext, "-Copy", "file")
        try:
            files.copy_atomic(source, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(path)
            raise
        return self._model(path, os.stat(path))

    def rename(self, old_path: str, new_path: str) -> Model:
        """Move a file or folder (with a file's checkpoint). Conflict if the new path
        exists."""
        old = self.resolve(old_path)
        new = self.resolve(new_path)
        if old == self.root or new == self.root:
            raise PathRefused("the root cannot be renamed")
        if not os.path.lexists(old):
            raise NotFound(f"no such file or folder: {old_path!r}")
        if os.path.lexists(new):
            raise Conflict(f"{new_path!r} already exists")
        if not new.parent.is_dir():
            raise NotFound(f"no such folder: {new_path.rpartition('/')[0]!r}")
        try:
            os.rename(old, new)
        except OSError as exc:  # e.g. a folder moved into itself
            raise Invalid(f"cannot rename {old_path!r} to {new_path!r}: {exc.strerror}") from None
        checkpoint = files.checkpoint_path(old)
        if new.is_file() and os.path.isfile(checkpoint) and not os.path.islink(checkpoint):
            with contextlib.suppress(OSError):
                folder = new.parent / files.CHECKPOINT_DIR
                os.makedirs(folder, exist_ok=True)
                os.replace(checkpoint, files.checkpoint_path(new))
        if new.is_file():
            files.move_spill(old, new)
        return self._model(new, os.stat(new))

    def delete(self, api_path: str, *, recursive: bool = False) -> None:
        """Delete a file, symlink (the link, never its target) or folder. A folder
        holding anything besides checkpoints needs `recursive`."""
        path = self.resolve(api_path)
        if path == self.root:
            raise PathRefused("the root cannot be deleted")
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(f"no such file or folder: {api_path!r}") from None
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(path)
            with contextlib.suppress(NotFound):
                files.delete_checkpoint(path)
            files.delete_spill(path)
            return
        if not recursive and set(os.listdir(path)) - {files.CHECKPOINT_DIR}:
            raise Conflict(f"folder {api_path!r} is not empty")
        shutil.rmtree(path)  # removes symlinks inside, never what they point to

    # --- checkpoints -----------------------------------------------------------------

    def _checkpointed_file(self, api_path: str) -> Path:
        path, st = self._existing(api_path)
        if not stat.S_ISREG(st.st_mode):
            raise Invalid("only files have checkpoints")
        return path

    @staticmethod
    def _check_id(checkpoint_id: str) -> None:
        if checkpoint_id != CHECKPOINT_ID:
            raise NotFound(f"no checkpoint {checkpoint_id!r}")

    def list_checkpoints(self, api_path: str) -> list[Model]:
        modified = files.checkpoint_modified(self._checkpointed_file(api_path))
        return [] if modified is None else [{"id": CHECKPOINT_ID, "last_modified": _iso(modified)}]

    def create_checkpoint(self, api_path: str) -> Model:
        modified = files.create_checkpoint(self._checkpointed_file(api_path))
        return {"id": CHECKPOINT_ID, "last_modified": _iso(modified)}

    def restore_checkpoint(self, api_path: str, checkpoint_id: str) -> None:
        self._check_id(checkpoint_id)
        files.restore_checkpoint(self._checkpointed_file(api_path))

    def delete_checkpoint(self, api_path: str, checkpoint_id: str) -> None:
        self._check_id(checkpoint_id)
        files.delete_checkpoint(self._checkpointed_file(api_path))
