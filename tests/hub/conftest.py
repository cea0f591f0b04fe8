"""One real JupyterHub per test module (starting one takes 10-20 s on a loaded
machine), spawning `notewire singleuser` from this checkout; the session's Chromium
from the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.frontend.conftest import browser, playwright  # noqa: F401 (fixtures)

from .jupyterhub import Hub, running_hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    folder = tmp_path_factory.mktemp("jupyterhub")
    # Activity reports every second, so a test sees one within its time.
    with running_hub(folder, environment={"JUPYTERHUB_ACTIVITY_INTERVAL": "1"}) as running:
        yield running
        print(f"\nJupyterHub's log: {running.log}")
