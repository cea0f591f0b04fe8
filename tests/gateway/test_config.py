"""Where the gateway's URL and token come from, and that the token stays out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from notewire.cli import main
from notewire.server.kernels.gateway import GatewayConfig, gateway_from_env


def test_options_win_over_the_environment_and_jupyter_names_are_read() -> None:
    env = {
        "JUPYTER_GATEWAY_URL": "http://jupyter:8888",
        "JUPYTER_GATEWAY_AUTH_TOKEN": "jt",
        "NOTEWIRE_GATEWAY_AUTH_TOKEN": "nt",
    }
    assert gateway_from_env(None, None, {}) is None
    config = gateway_from_env(None, None, env)
    assert config == GatewayConfig(url="http://jupyter:8888", token="nt")
    config = gateway_from_env("https://gw/prefix", "opt", env)
    assert config is not None and (config.url, config.token) == ("https://gw/prefix", "opt")
    assert config.base == "https://gw/prefix/" and config.ws_base == "wss://gw/prefix/"
    assert config.headers == {"Authorization": "token opt"}


def test_the_token_is_not_in_the_repr() -> None:
    config = GatewayConfig(url="http://gw:8888", token="s3cret-token")
    assert "s3cret-token" not in repr(config)


@pytest.mark.parametrize("url", ["gw:8888", "ftp://gw", "http://", "/api"])
def test_a_bad_url_is_refused_by_name(url: str) -> None:
    with pytest.raises(ValueError, match="gateway URL"):
        GatewayConfig(url=url)


def test_the_command_refuses_a_bad_gateway_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path), "--no-browser", "--gateway-url", "gateway:8888"]) == 2
    assert "gateway URL" in capsys.readouterr().err
