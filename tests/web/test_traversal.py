"""Path traversal in every route that takes a path: each attempt is refused, and
nothing outside the root (or hidden inside it) is read, written, moved or deleted.

Request targets are sent byte for byte (`raw_request`): `..` and `%2e%2e` reach the
server as written, and the server decodes `%2F` into `/` before routing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import HIDDEN, SECRET, Server, raw_request

# (request target after /api/contents/ or /files/, the path it decodes to)
URL_ATTACKS = [
    ("../outside/secret.txt", "../outside/secret.txt"),
    ("%2e%2e/outside/secret.txt", "../outside/secret.txt"),
    ("%2E%2E%2Foutside%2Fsecret.txt", "../outside/secret.txt"),
    ("sub/..%2F..%2Foutside%2Fsecret.txt", "sub/../../outside/secret.txt"),
    ("..%5Coutside%5Csecret.txt", "..\\outside\\secret.txt"),
    ("/{outside}/secret.txt", "{outside}/secret.txt"),
    ("%2F{outside}%2Fsecret.txt", "{outside}/secret.txt"),
    ("a.txt%00.ipynb", "a.txt\x00.ipynb"),
    (".ssh/id_rsa", ".ssh/id_rsa"),
    ("%2essh/id_rsa", ".ssh/id_rsa"),
    ("escape.txt", "escape.txt"),
    ("escape_dir/secret.txt", "escape_dir/secret.txt"),
    ("escape_dir", "escape_dir"),
    ("prefix_dir/x.txt", "prefix_dir/x.txt"),
    ("hidden_link.txt", "hidden_link.txt"),
]


def attacks(server: Server) -> list[tuple[str, str]]:
    outside = str(server.outside).lstrip("/")
    return [
        (t.replace("{outside}", outside), p.replace("{outside}", "/" + outside))
        for t, p in URL_ATTACKS
    ]


def snapshot(server: Server) -> dict[str, bytes]:
    """Every file outside the root and hidden inside it, with its bytes."""
    found = {}
    base = server.root.parent
    for folder, dirs, names in os.walk(base):
        rel = Path(folder).relative_to(base)
        for name in names + [d for d in dirs if Path(folder, d).is_symlink()]:
            path = Path(folder, name)
            found[str(rel / name)] = b"<link>" if path.is_symlink() else path.read_bytes()
    return found


def assert_refused(status: int, body: bytes, what: str) -> None:
    assert status == 403, f"{what}: {status} {body[:200]!r}"
    assert SECRET.encode() not in body and HIDDEN.encode() not in body, what
    assert b"Traceback" not in body, what


def assert_root_has_no_secret(server: Server) -> None:
    for folder, _, names in os.walk(server.root):  # does not follow the symlinks
        for name in names:
            path = Path(folder, name)
            if not path.is_symlink() and path != server.root / ".ssh" / "id_rsa":
                data = path.read_bytes()
                assert SECRET.encode() not in data and HIDDEN.encode() not in data, path


async def check_route(server: Server, method: str, template: str, *, body: bytes = b"") -> None:
    before = snapshot(server)
    for target, _ in attacks(server):
        r = await raw_request(server, method, template.format(target), body=body)
        assert_refused(r.status, r.body, f"{method} {template.format(target)}")
        assert r.json()["reason"] == "refused"
    assert snapshot(server) == before
    assert_root_has_no_secret(server)


async def test_get_contents(server: Server) -> None:
    await check_route(server, "GET", "/api/contents/{}")


async def test_download(server: Server) -> None:
    await check_route(server, "GET", "/files/{}")


async def test_save(server: Server) -> None:
    model = json.dumps({"type": "file", "format": "text", "content": "pwned"}).encode()
    await check_route(server, "PUT", "/api/contents/{}", body=model)
    folder = json.dumps({"type": "directory"}).encode()
    await check_route(server, "PUT", "/api/contents/{}/new", body=folder)


async def test_new_untitled(server: Server) -> None:
    await check_route(server, "POST", "/api/contents/{}", body=b'{"type": "notebook"}')
    await check_route(server, "POST", "/api/contents/{}", body=b'{"type": "directory"}')


async def test_delete(server: Server) -> None:
    await check_route(server, "DELETE", "/api/contents/{}")
    await check_route(server, "DELETE", "/api/contents/{}?recursive=1")


async def test_rename_from(server: Server) -> None:
    await check_route(server, "PATCH", "/api/contents/{}", body=b'{"path": "stolen.txt"}')


async def test_rename_to(server: Server) -> None:
    before = snapshot(server)
    for _, path in attacks(server):
        body = json.dumps({"path": path}).encode()
        r = await raw_request(server, "PATCH", "/api/contents/a.txt", body=body)
        assert_refused(r.status, r.body, f"rename to {path!r}")
    assert (server.root / "a.txt").read_text() == "hello\n"
    assert snapshot(server) == before


async def test_copy_from(server: Server) -> None:
    before = snapshot(server)
    for _, path in attacks(server):
        body = json.dumps({"copy_from": path}).encode()
        r = await raw_request(server, "POST", "/api/contents", body=body)
        assert_refused(r.status, r.body, f"copy from {path!r}")
    assert snapshot(server) == before
    assert_root_has_no_secret(server)


async def test_copy_to(server: Server) -> None:
    await check_route(server, "POST", "/api/contents/{}", body=b'{"copy_from": "a.txt"}')


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/api/contents/{}/checkpoints"),
        ("POST", "/api/contents/{}/checkpoints"),
        ("POST", "/api/contents/{}/checkpoints/checkpoint"),
        ("DELETE", "/api/contents/{}/checkpoints/checkpoint"),
    ],
)
async def test_checkpoints(server: Server, method: str, template: str) -> None:
    await check_route(server, method, template)


async def test_checkpoint_folders_are_not_reachable(server: Server) -> None:
    r = await raw_request(server, "POST", "/api/contents/a.txt/checkpoints")
    assert r.status == 201
    for target in (
        ".ipynb_checkpoints/a-checkpoint.txt",
        "%2eipynb_checkpoints",
        ".ipynb_checkpoints",
    ):
        for method in ("GET", "DELETE"):
            r = await raw_request(server, method, f"/api/contents/{target}")
            assert r.status == 403, (method, target)
    assert (server.root / ".ipynb_checkpoints" / "a-checkpoint.txt").exists()
