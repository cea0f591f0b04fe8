"""Third-party widget JavaScript comes from the server's installed nbextensions, one
package's index.js by name, and nothing else (server/web/widget_modules.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from notewire.server.web.widget_modules import find_module, route


def install(root: Path, package: str, text: str) -> Path:
    folder = root / "nbextensions" / package
    folder.mkdir(parents=True)
    (folder / "index.js").write_text(text)
    (folder / "secret.txt").write_text("not served")
    return folder / "index.js"


def test_the_first_root_that_has_the_package_wins(tmp_path: Path) -> None:
    user, env = tmp_path / "user", tmp_path / "env"
    install(env, "jupyter-matplotlib", "env")
    assert (
        find_module("jupyter-matplotlib", [user, env])
        == env / "nbextensions/jupyter-matplotlib/index.js"
    )
    mine = install(user, "jupyter-matplotlib", "user")
    assert find_module("jupyter-matplotlib", [user, env]) == mine
    assert find_module("bqplot", [user, env]) is None


@pytest.mark.parametrize("name", ["..", ".hidden", "a/b", "", "x" * 300, "a\\b"])
def test_names_that_could_leave_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "nbextensions").mkdir()
    (tmp_path / "index.js").write_text("outside")
    assert find_module(name, [tmp_path / "nbextensions", tmp_path]) is None


async def test_the_route_serves_index_js_as_javascript_and_nothing_else(tmp_path: Path) -> None:
    install(tmp_path, "ipyfoo", "define([], () => ({}))")
    app = Starlette(routes=[route(lambda: [tmp_path])])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        ok = await http.get("/static/nbextensions/ipyfoo/index.js")
        missing = await http.get("/static/nbextensions/ipybar/index.js")
        other = await http.get("/static/nbextensions/ipyfoo/secret.txt")
        up = await http.get("/static/nbextensions/%2E%2E/index.js")
    assert ok.status_code == 200 and ok.text == "define([], () => ({}))"
    assert ok.headers["content-type"].startswith("text/javascript")
    assert missing.status_code == 404 and other.status_code == 404 and up.status_code == 404
