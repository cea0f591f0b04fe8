"""The single-user server's parts that need no hub: reading the environment, the
scope check, the OAuth callback refusing what it did not start, and the command
failing clearly outside a hub."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from notewire.server.hub.api import HubApi
from notewire.server.hub.env import HubEnv, HubEnvError
from notewire.server.web.app import ServerConfig, create_app
from notewire.server.web.hub_auth import HubAuth, has_access
from notewire.server.web.serve import serve

from .jupyterhub import SRC

ENV = {
    "JUPYTERHUB_USER": "alice",
    "JUPYTERHUB_API_URL": "http://127.0.0.1:1/hub/api",
    "JUPYTERHUB_API_TOKEN": "s3cret-api-token",
    "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:43149/user/alice/",
    "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/",
    "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '["access:servers!server=alice/", "access:servers!user=alice"]',
    "JUPYTERHUB_PUBLIC_URL": "https://hub.example.org/",
}


def test_the_environment_gives_address_prefix_client_and_scopes() -> None:
    env = HubEnv.from_environ(ENV)
    assert (env.ip, env.port, env.prefix) == ("127.0.0.1", 43149, "/user/alice/")
    assert env.client_id == "jupyterhub-user-alice"
    assert env.callback_url == "/user/alice/oauth_callback"
    assert env.authorize_url == "/hub/api/oauth2/authorize"
    assert env.public_hosts == ("hub.example.org",)
    assert "s3cret" not in repr(env)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JUPYTERHUB_API_TOKEN", ""),
        ("JUPYTERHUB_SERVICE_URL", "unix:/x"),
        ("JUPYTERHUB_OAUTH_ACCESS_SCOPES", "not json"),
        ("JUPYTERHUB_ACTIVITY_INTERVAL", "soon"),
    ],
)
def test_a_bad_environment_is_named(name: str, value: str) -> None:
    with pytest.raises(HubEnvError, match=name):
        HubEnv.from_environ({**ENV, name: value})


def test_access_needs_one_of_the_scopes_or_the_unfiltered_one() -> None:
    need = HubEnv.from_environ(ENV).access_scopes
    assert has_access(need, ["access:servers!user=alice", "read:users:name!user=alice"])
    assert has_access(need, ["access:servers"])
    assert not has_access(need, ["access:servers!user=bob", "access:servers!server=alice/x"])
    assert not has_access(need, [])


@pytest_asyncio.fixture
async def origin(tmp_path: Path) -> AsyncIterator[str]:
    env = HubEnv.from_environ(ENV)
    config = ServerConfig(
        root=tmp_path,
        base_url=env.prefix,
        public_paths=("/login", "/oauth_callback", "/static/"),
    )
    app = create_app(config, auth=HubAuth(env, HubApi(env, timeout=2)))
    async with serve(app) as url:
        yield url


async def test_login_goes_to_the_hub_and_a_foreign_callback_is_refused(origin: str) -> None:
    async with httpx.AsyncClient(base_url=origin) as client:
        r = await client.get("/user/alice/tree/")
        assert r.status_code == 303 and r.headers["location"].startswith("/user/alice/login?")
        r = await client.get(r.headers["location"])
        assert r.status_code == 302
        target = httpx.URL(r.headers["location"])
        assert target.path == "/hub/api/oauth2/authorize"
        assert target.params["client_id"] == "jupyterhub-user-alice"
        assert target.params["code_challenge_method"] == "S256"
        state = target.params["state"]
        assert client.cookies["jupyterhub-user-alice-oauth-state"] == state
        # A code with a state this server never made (a login started elsewhere).
        r = await client.get("/user/alice/oauth_callback", params={"code": "c", "state": "x"})
        assert r.status_code == 400
        assert not any(c.startswith("notewire-session") for c in client.cookies)
        # A hub token that cannot be checked (no hub) lets nobody in.
        r = await client.get(
            "/user/alice/api/contents/", headers={"Authorization": "token whatever"}
        )
        assert r.status_code == 401


def test_singleuser_outside_a_hub_says_what_is_missing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "notewire", "singleuser"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "JUPYTERHUB_USER is not set" in done.stderr


def test_singleuser_takes_its_kernels_gateway_from_the_spawners_environment() -> None:
    # A hub whose users' kernels run near the data sets the gateway in the spawner's
    # environment; a wrong one stops the server with the reason, before it binds.
    done = subprocess.run(
        [sys.executable, "-m", "notewire", "singleuser"],
        env={
            **ENV,
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(SRC),
            "NOTEWIRE_GATEWAY_URL": "ftp://gateway.example.org",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "a gateway URL must be http(s)://" in done.stderr
    assert "ftp://gateway.example.org" in done.stderr
