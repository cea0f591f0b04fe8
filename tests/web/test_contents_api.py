"""Every REST operation of the contents API, the downloads and the kernelspecs, over a
real server, authenticated with the token header."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import httpx

from notewire.server.web.security import API_CSP, SANDBOX_CSP

from ..server.notebook.samples import deeply_nested_notebook
from .conftest import Server


async def test_list_the_root(api: httpx.AsyncClient, server: Server) -> None:
    r = await api.get("/api/contents")
    assert r.status_code == 200
    model = r.json()
    assert model["type"] == "directory" and model["path"] == "" and model["format"] == "json"
    names = [m["name"] for m in model["content"]]
    # hidden files and symlinks leading out of the root or to hidden files are not listed
    assert names == ["a.txt", "inside_link.txt", "sub"]
    a = model["content"][0]
    assert a == {
        "name": "a.txt",
        "path": "a.txt",
        "type": "file",
        "size": 6,
        "created": a["created"],
        "last_modified": a["last_modified"],
        "writable": True,
        "mimetype": "text/plain",
        "content": None,
        "format": None,
    }
    assert a["last_modified"].endswith("Z")
    assert (await api.get("/api/contents/")).json() == model
    assert (await api.get("/api/contents/sub")).json()["content"][0]["path"] == "sub/b.txt"


async def test_get_a_file_as_text_base64_and_without_content(api: httpx.AsyncClient) -> None:
    r = await api.get("/api/contents/a.txt")
    model = r.json()
    assert (model["content"], model["format"], model["type"]) == ("hello\n", "text", "file")
    assert model["hash"] == hashlib.sha256(b"hello\n").hexdigest()
    assert model["hash_algorithm"] == "sha256"
    r = await api.get("/api/contents/a.txt", params={"format": "base64"})
    assert base64.b64decode(r.json()["content"]) == b"hello\n"
    r = await api.get("/api/contents/a.txt", params={"content": "0"})
    assert r.json()["content"] is None and "hash" not in r.json()
    r = await api.get("/api/contents/a.txt", params={"content": "0", "hash": "1"})
    assert r.json()["hash"] == hashlib.sha256(b"hello\n").hexdigest()
    r = await api.get("/api/contents/inside_link.txt")
    assert r.json()["content"] == "hello\n"


async def test_binary_files_come_as_base64(api: httpx.AsyncClient, server: Server) -> None:
    (server.root / "blob.bin").write_bytes(b"\xff\x00\xfe")
    r = await api.get("/api/contents/blob.bin")
    assert r.json()["format"] == "base64"
    assert r.json()["mimetype"] == "application/octet-stream"
    r = await api.get("/api/contents/blob.bin", params={"format": "text"})
    assert r.status_code == 400 and r.json()["reason"] == "invalid"


async def test_bad_query_values_are_400(api: httpx.AsyncClient) -> None:
    for params in (
        {"content": "maybe"},
        {"format": "xml"},
        {"type": "folder"},
        {"type": "directory"},
    ):
        r = await api.get("/api/contents/a.txt", params=params)
        assert r.status_code == 400, params
        assert set(r.json()) == {"message", "reason"}


async def test_missing_files_are_404(api: httpx.AsyncClient) -> None:
    for method in ("GET", "DELETE"):
        r = await api.request(method, "/api/contents/nope.txt")
        assert r.status_code == 404
        assert r.json() == {"message": "no such file or folder: 'nope.txt'", "reason": "not_found"}
    r = await api.patch("/api/contents/nope.txt", json={"path": "x.txt"})
    assert r.status_code == 404


async def test_new_untitled_notebooks_files_and_folders(
    api: httpx.AsyncClient, server: Server
) -> None:
    names = []
    for _ in range(3):
        r = await api.post("/api/contents/sub", json={"type": "notebook"})
        assert r.status_code == 201
        assert r.headers["location"] == "/api/contents/" + r.json()["path"]
        names.append(r.json()["name"])
    assert names == ["Untitled.ipynb", "Untitled1.ipynb", "Untitled2.ipynb"]
    nb = (await api.get("/api/contents/sub/Untitled.ipynb")).json()
    assert nb["type"] == "notebook" and nb["format"] == "json"
    assert nb["content"] == {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    folders = [
        (await api.post("/api/contents", json={"type": "directory"})).json()["name"]
        for _ in range(2)
    ]
    assert folders == ["Untitled Folder", "Untitled Folder 1"]
    assert (server.root / "Untitled Folder 1").is_dir()
    r = await api.post("/api/contents", json={"type": "file", "ext": ".py"})
    assert r.json()["name"] == "untitled.py"
    r = await api.post("/api/contents")  # no body: an untitled file
    assert r.status_code == 201 and r.json()["name"] == "untitled"
    for bad in ({"type": "symlink"}, {"type": "file", "ext": "/../x"}, {"type": "file", "ext": 3}):
        assert (await api.post("/api/contents", json=bad)).status_code == 400, bad
    assert (await api.post("/api/contents/a.txt", json={"type": "file"})).status_code == 400


async def test_copy(api: httpx.AsyncClient, server: Server) -> None:
    (server.root / "nb.ipynb").write_text('{"cells": []}')
    names = []
    for _ in range(2):
        r = await api.post("/api/contents", json={"copy_from": "nb.ipynb"})
        assert r.status_code == 201
        names.append(r.json()["name"])
    assert names == ["nb-Copy1.ipynb", "nb-Copy2.ipynb"]
    r = await api.post("/api/contents", json={"copy_from": "nb-Copy1.ipynb"})
    assert r.json()["name"] == "nb-Copy3.ipynb"  # not nb-Copy1-Copy1
    r = await api.post("/api/contents/sub", json={"copy_from": "nb.ipynb"})
    assert r.json()["path"] == "sub/nb.ipynb"  # the name is free there
    assert (server.root / "sub" / "nb.ipynb").read_text() == '{"cells": []}'
    r = await api.post("/api/contents", json={"copy_from": "sub"})
    assert r.status_code == 400
    r = await api.post("/api/contents", json={"copy_from": 5})
    assert r.status_code == 400


async def test_save_text_base64_notebook_and_folder(api: httpx.AsyncClient, server: Server) -> None:
    r = await api.put(
        "/api/contents/new.txt", json={"type": "file", "format": "text", "content": "é\n"}
    )
    assert r.status_code == 201
    assert r.json()["hash"] == hashlib.sha256("é\n".encode()).hexdigest()
    assert (server.root / "new.txt").read_text() == "é\n"
    r = await api.put(
        "/api/contents/new.txt", json={"type": "file", "format": "text", "content": "again"}
    )
    assert r.status_code == 200
    data = bytes(range(256))
    r = await api.put(
        "/api/contents/sub/blob.bin",
        json={"type": "file", "format": "base64", "content": base64.b64encode(data).decode()},
    )
    assert r.status_code == 201 and (server.root / "sub" / "blob.bin").read_bytes() == data
    notebook = {
        "cells": [{"cell_type": "markdown", "source": "ü", "metadata": {}}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    r = await api.put(
        "/api/contents/n.ipynb", json={"type": "notebook", "format": "json", "content": notebook}
    )
    assert r.status_code == 201
    on_disk = (server.root / "n.ipynb").read_text(encoding="utf-8")
    assert json.loads(on_disk) == notebook and on_disk.endswith("\n") and "ü" in on_disk
    assert (await api.get("/api/contents/n.ipynb")).json()["content"] == notebook
    r = await api.put("/api/contents/sub/deeper", json={"type": "directory"})
    assert r.status_code == 201 and (server.root / "sub" / "deeper").is_dir()
    assert (
        await api.put("/api/contents/sub/deeper", json={"type": "directory"})
    ).status_code == 200


async def test_bad_models_are_400(api: httpx.AsyncClient) -> None:
    for model in (
        {"type": "file", "format": "text"},
        {"type": "file", "format": "base64", "content": "not base64!"},
        {"type": "file", "format": "text", "content": 5},
        {"type": "file", "format": "rot13", "content": "x"},
        {"type": "notebook", "format": "json", "content": "[]"},
        {"type": "notebook", "format": "text", "content": {}},
        {"type": "elephant", "content": "x"},
        {"format": "text", "content": "x"},
    ):
        r = await api.put("/api/contents/x.txt", json=model)
        assert r.status_code == 400, model
    r = await api.put(
        "/api/contents/missing/x.txt", json={"type": "file", "format": "text", "content": ""}
    )
    assert r.status_code == 404
    r = await api.put("/api/contents/sub", json={"type": "file", "format": "text", "content": ""})
    assert r.status_code == 409


async def test_save_with_if_match_refuses_a_changed_file(
    api: httpx.AsyncClient, server: Server
) -> None:
    seen = (await api.get("/api/contents/a.txt")).json()["hash"]
    model = {"type": "file", "format": "text", "content": "mine"}
    r = await api.put("/api/contents/a.txt", json=model, headers={"If-Match": f'"{seen}"'})
    assert r.status_code == 200
    (server.root / "a.txt").write_text("theirs")
    r = await api.put("/api/contents/a.txt", json=model, headers={"If-Match": r.json()["hash"]})
    assert r.status_code == 409 and r.json()["reason"] == "conflict"
    assert (server.root / "a.txt").read_text() == "theirs"


async def test_chunked_upload(api: httpx.AsyncClient, server: Server) -> None:
    pieces = [b"a" * 1000, b"b" * 1000, b"c" * 10]
    for i, piece in enumerate(pieces, start=1):
        chunk = -1 if i == len(pieces) else i
        model = {
            "type": "file",
            "format": "base64",
            "content": base64.b64encode(piece).decode(),
            "chunk": chunk,
        }
        r = await api.put("/api/contents/up.bin", json=model)
        assert r.status_code in (200, 201)
        if chunk != -1:
            assert not (server.root / "up.bin").exists()
    assert (server.root / "up.bin").read_bytes() == b"".join(pieces)
    assert [p.name for p in server.root.iterdir() if p.name.startswith(".~")] == []
    model = {"type": "file", "format": "text", "content": "x", "chunk": 3}
    assert (await api.put("/api/contents/other.bin", json=model)).status_code == 400
    model["chunk"] = "1"
    assert (await api.put("/api/contents/other.bin", json=model)).status_code == 400


async def test_rename(api: httpx.AsyncClient, server: Server) -> None:
    r = await api.patch("/api/contents/a.txt", json={"path": "sub/renamed.txt"})
    assert r.status_code == 200 and r.json()["path"] == "sub/renamed.txt"
    assert not (server.root / "a.txt").exists()
    assert (server.root / "sub" / "renamed.txt").read_text() == "hello\n"
    r = await api.patch("/api/contents/sub/renamed.txt", json={"path": "sub/b.txt"})
    assert r.status_code == 409
    r = await api.patch("/api/contents/sub", json={"path": "sub/inner"})
    assert r.status_code == 400  # a folder into itself
    r = await api.patch("/api/contents/sub", json={"path": "moved"})
    assert r.status_code == 200 and (server.root / "moved" / "b.txt").exists()
    for body in ({}, {"path": 3}, {"path": ""}):
        assert (await api.patch("/api/contents/moved", json=body)).status_code in (400, 403), body


async def test_rename_takes_the_checkpoint_along(api: httpx.AsyncClient, server: Server) -> None:
    await api.post("/api/contents/a.txt/checkpoints")
    await api.patch("/api/contents/a.txt", json={"path": "sub/c.txt"})
    assert (
        server.root / "sub" / ".ipynb_checkpoints" / "c-checkpoint.txt"
    ).read_text() == "hello\n"
    assert len((await api.get("/api/contents/sub/c.txt/checkpoints")).json()) == 1


async def test_delete(api: httpx.AsyncClient, server: Server) -> None:
    await api.post("/api/contents/a.txt/checkpoints")
    assert (await api.delete("/api/contents/a.txt")).status_code == 204
    assert not (server.root / "a.txt").exists()
    assert not (server.root / ".ipynb_checkpoints" / "a-checkpoint.txt").exists()
    r = await api.delete("/api/contents/sub")
    assert r.status_code == 409 and (server.root / "sub" / "b.txt").exists()
    assert (await api.delete("/api/contents/sub", params={"recursive": "1"})).status_code == 204
    assert not (server.root / "sub").exists()
    (server.root / "empty" / ".ipynb_checkpoints").mkdir(parents=True)
    assert (await api.delete("/api/contents/empty")).status_code == 204


async def test_delete_a_symlink_removes_only_the_link(
    api: httpx.AsyncClient, server: Server
) -> None:
    assert (await api.delete("/api/contents/inside_link.txt")).status_code == 204
    assert (server.root / "a.txt").read_text() == "hello\n"
    target = server.root / "sub" / "b.txt"
    (server.root / "folder").mkdir()
    (server.root / "folder" / "link").symlink_to(target)
    (server.root / "folder" / "out").symlink_to(server.outside)
    assert (
        await api.delete("/api/contents/folder", params={"recursive": "true"})
    ).status_code == 204
    assert target.exists() and (server.outside / "secret.txt").exists()


async def test_the_root_cannot_be_deleted_renamed_or_overwritten(
    api: httpx.AsyncClient, server: Server
) -> None:
    assert (await api.delete("/api/contents", params={"recursive": "1"})).status_code == 403
    assert (await api.patch("/api/contents", json={"path": "x"})).status_code == 403
    r = await api.put("/api/contents", json={"type": "file", "format": "text", "content": ""})
    assert r.status_code == 403
    assert (server.root / "a.txt").exists()


async def test_checkpoints(api: httpx.AsyncClient, server: Server) -> None:
    assert (await api.get("/api/contents/a.txt/checkpoints")).json() == []
    r = await api.post("/api/contents/a.txt/checkpoints")
    assert r.status_code == 201 and r.json()["id"] == "checkpoint"
    listed = (await api.get("/api/contents/a.txt/checkpoints")).json()
    assert listed == [r.json()]
    (server.root / "a.txt").write_text("changed")
    assert (await api.post("/api/contents/a.txt/checkpoints/checkpoint")).status_code == 204
    assert (server.root / "a.txt").read_text() == "hello\n"
    assert (await api.post("/api/contents/a.txt/checkpoints/other")).status_code == 404
    assert (await api.delete("/api/contents/a.txt/checkpoints/checkpoint")).status_code == 204
    assert (await api.get("/api/contents/a.txt/checkpoints")).json() == []
    assert (await api.delete("/api/contents/a.txt/checkpoints/checkpoint")).status_code == 404
    assert (await api.post("/api/contents/a.txt/checkpoints/checkpoint")).status_code == 404
    assert (await api.post("/api/contents/sub/checkpoints")).status_code == 400
    assert (await api.get("/api/contents/nope/checkpoints")).status_code == 404


async def test_download_is_an_attachment_in_a_sandbox(
    api: httpx.AsyncClient, server: Server
) -> None:
    (server.root / "page.html").write_text("<script>alert(1)</script>")
    r = await api.get("/files/page.html")
    assert r.status_code == 200 and r.text == "<script>alert(1)</script>"
    assert r.headers["content-disposition"] == 'attachment; filename="page.html"'
    assert r.headers["content-security-policy"] == SANDBOX_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    r = await api.get("/files/sub/b.txt")
    assert r.text == "in sub\n"
    assert (await api.get("/files/sub")).status_code == 404
    assert (await api.get("/files/nope")).status_code == 404


async def test_api_responses_carry_the_security_headers(api: httpx.AsyncClient) -> None:
    r = await api.get("/api/contents")
    assert r.headers["content-security-policy"] == API_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    r = await api.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["reason"] == "not_found"
    assert r.headers["content-security-policy"] == API_CSP
    r = await api.request("PUT", "/api/kernelspecs")
    assert r.status_code == 405 and r.json()["reason"] == "method_not_allowed"


def write_spec(folder: Path, name: str, **extra: object) -> None:
    (folder / name).mkdir(parents=True)
    spec = {
        "argv": ["python", "-m", "k", "-f", "{connection_file}"],
        "display_name": name.title(),
        "language": "python",
    }
    spec.update(extra)
    (folder / name / "kernel.json").write_text(json.dumps(spec))


async def test_kernelspecs_never_show_env(api: httpx.AsyncClient, server: Server) -> None:
    kernels = server.root.parent / "kernels"
    write_spec(kernels, "python3", env={"API_KEY": "hunter2"})
    write_spec(kernels, "other", language="r")
    r = await api.get("/api/kernelspecs")
    assert r.status_code == 200
    body = r.json()
    assert body["default"] == "python3"
    assert set(body["kernelspecs"]) == {"python3", "other"}
    spec = body["kernelspecs"]["python3"]
    assert spec["name"] == "python3"
    assert spec["spec"]["display_name"] == "Python3" and spec["spec"]["language"] == "python"
    assert body["kernelspecs"]["other"]["spec"]["language"] == "r"
    assert "hunter2" not in r.text and "env" not in spec["spec"]


async def test_a_named_pipe_cannot_hang_the_server(api: httpx.AsyncClient, server: Server) -> None:
    os.mkfifo(server.root / "pipe")
    assert (await api.get("/api/contents/pipe")).status_code == 400
    assert (await api.get("/files/pipe")).status_code == 404
    assert (await api.post("/api/contents", json={"copy_from": "pipe"})).status_code == 400
    assert (await api.get("/api/contents")).status_code == 200


async def test_a_notebook_nested_absurdly_deep_is_a_clear_400(
    api: httpx.AsyncClient, server: Server
) -> None:
    for depth in (800, 2000):  # past the validator's stack, and past the JSON decoder's
        text = deeply_nested_notebook(depth)
        (server.root / f"deep{depth}.ipynb").write_text(text)
        r = await api.get(f"/api/contents/deep{depth}.ipynb")
        assert r.status_code == 400, depth
        assert "nested more than 200 levels" in r.json()["message"]
        # The same notebook sent to be saved: refused the same way, nothing written.
        body = '{"type": "notebook", "content": ' + text + "}"
        r = await api.put(
            "/api/contents/copy.ipynb", content=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400, depth
        assert "nested" in r.json()["message"]
        assert not (server.root / "copy.ipynb").exists()
