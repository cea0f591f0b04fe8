"""The `notewire` command's main job, as a user runs it: the notebook server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import nbformat
import pytest

from notewire.client import NotebookClient

pytestmark = pytest.mark.timeout(90)


def _start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "notewire.cli", "--no-browser", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _read_urls(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """The server URL and the login link, from what it prints first."""
    assert proc.stdout is not None
    url = login = ""
    for line in proc.stdout:
        if line.startswith("notewire is running at "):
            url = line.split(" at ", 1)[1].strip()
        if "/login?token=" in line:
            login = line.strip()
            return url, login
    raise AssertionError(f"no login link printed; exit {proc.wait()}")


async def test_notewire_serves_a_notebook_end_to_end(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.getpid())")]
    (tmp_path / "hello.ipynb").write_text(nbformat.writes(nb))
    proc = _start("hello.ipynb", cwd=tmp_path)
    try:
        url, login = await asyncio.to_thread(_read_urls, proc)
        assert url.startswith("http://127.0.0.1:")
        token = login.split("token=", 1)[1].split("&", 1)[0]
        async with httpx.AsyncClient() as http:
            # The login link trades the token for a cookie and leaves it out of the URL.
            response = await http.get(login)
            assert response.status_code == 303
            assert "token" not in response.headers["location"]
            assert response.headers["location"].startswith("/notebooks/hello.ipynb")
            listing = await http.get(f"{url}/api/contents/")
            assert listing.status_code == 200
            assert [m["name"] for m in listing.json()["content"]] == ["hello.ipynb"]
        async with NotebookClient.connect(url, "hello.ipynb", token=token) as client:
            cell = client.cells[0]["id"]
            await client.run_and_wait([cell])
            kernel_pid = int(client.output_text(cell))
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert await asyncio.to_thread(proc.wait, 30) == 0
        assert proc.stdout is not None
        assert "stopped" in proc.stdout.read()
        assert not _running(kernel_pid)  # the kernel went with it
        saved = nbformat.reads((tmp_path / "hello.ipynb").read_text(), as_version=4)
        assert saved.cells[0].outputs[0].text == f"{kernel_pid}\n"  # and the output was saved
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def test_help_is_clear() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "notewire.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for flag in ("--port", "--root", "--ip", "--no-browser", "--block-remote-content", "PATH"):
        assert flag in out.replace("path", "PATH")


def test_binding_beyond_loopback_warns(tmp_path: Path) -> None:
    proc = _start("--ip", "0.0.0.0", cwd=tmp_path)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "other machines can reach this server" in first
        _read_urls(proc)  # started: now SIGTERM is a clean stop
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert proc.stdout is not None
        proc.stdout.close()


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


async def test_block_remote_content_reaches_the_pages_policy(tmp_path: Path) -> None:
    proc = _start("--block-remote-content", cwd=tmp_path)
    try:
        url, _ = await asyncio.to_thread(_read_urls, proc)
        async with httpx.AsyncClient() as http:
            page = await http.get(f"{url}/login")
            frame = await http.get(f"{url}/static/sandbox.html")
        assert page.status_code == frame.status_code == 200
        for response in (page, frame):
            csp = response.headers["content-security-policy"]
            assert "img-src 'self' data: blob:;" in csp and "https:" not in csp
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0
        assert proc.stdout is not None
        proc.stdout.close()
