"""Atomic writes, disk stamps and checkpoints, without a server; and a write killed at
random moments always leaves the old or the new file."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from notewire.server.contents import Conflict, DiskStamp, NotFound, files, write_atomic


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    stamp = write_atomic(target, b"one")
    assert target.read_bytes() == b"one"
    assert stamp == DiskStamp.of(target)
    stamp = write_atomic(target, b"two!", expect=stamp)
    assert target.read_bytes() == b"two!"
    assert stamp.size == 4 and stamp.matches(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]  # no temp left


def test_write_atomic_refuses_a_file_changed_on_disk(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    stamp = write_atomic(target, b"mine")
    target.write_bytes(b"someone else's")
    assert not stamp.matches(target)
    with pytest.raises(Conflict, match="changed on disk"):
        write_atomic(target, b"mine again", expect=stamp)
    assert target.read_bytes() == b"someone else's"
    target.unlink()
    with pytest.raises(Conflict, match="deleted on disk"):
        write_atomic(target, b"mine again", expect=stamp)
    assert not target.exists()


def test_a_touched_but_identical_file_still_matches(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    stamp = write_atomic(target, b"same")
    os.utime(target, ns=(1, 1))
    assert stamp.matches(target)
    write_atomic(target, b"new", expect=stamp)


def test_of_bytes_stamps_what_was_read(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"abc")
    data = target.read_bytes()
    assert DiskStamp.of_bytes(target, data).matches(target)
    assert DiskStamp.of_bytes(target, b"abcd").mtime_ns == -1  # it changed meanwhile


def test_write_atomic_keeps_the_mode_and_writes_through_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_write_atomic_needs_the_folder(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        write_atomic(tmp_path / "missing" / "f.txt", b"x")


def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_checkpoints_use_jupyters_layout(tmp_path: Path) -> None:
    nb = tmp_path / "analysis.ipynb"
    nb.write_bytes(b"v1")
    assert files.checkpoint_modified(nb) is None
    with pytest.raises(NotFound):
        files.read_checkpoint(nb)
    files.create_checkpoint(nb)
    assert (tmp_path / ".ipynb_checkpoints" / "analysis-checkpoint.ipynb").read_bytes() == b"v1"
    assert files.checkpoint_modified(nb) is not None
    nb.write_bytes(b"v2")
    assert files.read_checkpoint(nb) == b"v1"
    files.restore_checkpoint(nb)
    assert nb.read_bytes() == b"v1"
    files.delete_checkpoint(nb)
    assert files.checkpoint_modified(nb) is None
    with pytest.raises(NotFound):
        files.delete_checkpoint(nb)


def test_a_symlinked_checkpoint_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / ".ipynb_checkpoints").symlink_to(elsewhere)
    (folder / "a.txt").write_text("x")
    with pytest.raises(files.Invalid):
        files.create_checkpoint(folder / "a.txt")
    assert list(elsewhere.iterdir()) == []


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from notewire.server.contents.files import write_atomic

    target = Path(sys.argv[1])
    versions = [Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes()]
    print("writing", flush=True)
    i = 0
    while True:
        write_atomic(target, versions[i % 2])
        i += 1
    """
)


async def test_a_killed_writer_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    versions = []
    for name, fill in (("a", "x"), ("b", "y")):
        data = json.dumps({"version": name, "cells": [fill * 1000] * 4000}).encode()
        (tmp_path / f"{name}.json").write_bytes(data)
        versions.append(data)
    work = tmp_path / "work"
    work.mkdir()
    target = work / "big.ipynb"
    target.write_bytes(versions[0])
    rng = random.Random()
    for _ in range(12):
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WRITER,
            str(target),
            str(tmp_path / "a.json"),
            str(tmp_path / "b.json"),
            stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        async with asyncio.timeout(20):
            assert await proc.stdout.readline() == b"writing\n"
            await asyncio.sleep(rng.uniform(0, 0.25))  # the moment of the crash
            proc.send_signal(signal.SIGKILL)
            assert await proc.wait() == -signal.SIGKILL
        data = target.read_bytes()
        assert data in versions, f"torn file of {len(data)} bytes"
        json.loads(data)
        visible = [p.name for p in work.iterdir() if not p.name.startswith(".")]
        assert visible == ["big.ipynb"]
