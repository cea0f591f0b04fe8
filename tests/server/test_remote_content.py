"""Media and frames from other sites: `https:` ones load by default, as in JupyterLab;
`block_remote_content` (`--block-remote-content`) refuses them all. The policy as
strings, then the headers and the page a real server sends."""

from __future__ import annotations

from pathlib import Path

import httpx

from notewire.server.web.security import output_frame_csp, page_csp

from .notebook_server import running_server


def directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


REMOTE = ("img-src", "media-src", "frame-src")


def test_the_page_policy_allows_https_media_unless_blocked() -> None:
    allowed = directives(page_csp())
    for name in REMOTE:
        assert "https:" in allowed[name], name
        assert "http:" not in allowed[name] and "*" not in allowed[name], name
    # Scripts still come from our own files only; plugins from nowhere.
    assert "script-src" not in allowed and allowed["default-src"] == ["'self'"]
    assert allowed["object-src"] == ["'none'"]
    blocked = directives(page_csp(block_remote_content=True))
    assert blocked["img-src"] == ["'self'", "data:", "blob:"]
    assert blocked["media-src"] == ["'self'", "data:", "blob:"]
    assert blocked["frame-src"] == ["'self'"]


def test_the_output_frame_policy_allows_https_media_unless_blocked() -> None:
    for blob in (False, True):
        allowed = directives(output_frame_csp(blob_scripts=blob))
        for name in REMOTE:
            assert "https:" in allowed[name], name
        # Still an opaque origin that reaches no server with scripts.
        assert allowed["sandbox"] == ["allow-scripts"] and allowed["connect-src"] == ["'none'"]
        assert ("blob:" in allowed["script-src"]) is blob
        blocked = directives(output_frame_csp(block_remote_content=True, blob_scripts=blob))
        for name in REMOTE:
            assert "https:" not in blocked[name], name
        assert blocked["frame-src"] == ["'none'"]


async def test_a_real_server_sends_the_policy_it_was_given(tmp_path: Path) -> None:
    for block in (False, True):
        root = tmp_path / f"root-{block}"
        root.mkdir()
        async with running_server(root, tmp_path, block_remote_content=block) as server:
            auth = {"Authorization": f"token {server.token}"}
            async with httpx.AsyncClient(base_url=server.url) as http:
                page = await http.get("/notebooks/x.ipynb", headers=auth)
                login = await http.get("/login")
                frame = await http.get("/static/sandbox.html")
                widgets = await http.get("/static/widgets.html")
        assert page.status_code == login.status_code == frame.status_code == 200
        for response in (page, login, frame, widgets):
            csp = directives(response.headers["content-security-policy"])
            for name in REMOTE:
                assert ("https:" in csp[name]) is not block, (response.url, name)
        # The notebook page's sanitizer reads the setting from the page itself.
        want = "block" if block else "allow"
        assert f'<meta name="notewire-remote-content" content="{want}">' in page.text
