"""notewire with its kernels on a real Jupyter Kernel Gateway (issue 14, section 3):
the document, interrupts, restarts and live figures work as with local kernels; the
kernel is deleted on the gateway when its notebook closes; a lost gateway is reported
like a dead kernel and reconnected."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from PIL import Image

from notewire.client import NotebookClient
from notewire.server.kernels import GatewayConfig
from notewire.server.kernels.gateway.kernel import GatewayKernel
from tests.canvas.test_server_canvas import PLOT, next_frame, say
from tests.server.notebook_server import Server, running_server, write_notebook

from .kernel_gateway import KernelGateway, kernel_gateway
from .relay import Relay, relay

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(90)]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[KernelGateway]:
    async with kernel_gateway(tmp_path_factory.mktemp("gateway")) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def network(gateway: KernelGateway) -> AsyncIterator[Relay]:
    """The server reaches the gateway through this relay, which can drop connections."""
    async with relay(gateway.port) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(
    gateway: KernelGateway, network: Relay, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    tmp = tmp_path_factory.mktemp("server")
    (tmp / "root").mkdir()
    config = GatewayConfig(
        url=network.url, token=gateway.token, reconnect_delays=(0.2, 0.5, *[1.0] * 30)
    )
    # A pool is asked for, and must stay off: nothing may start on the gateway unasked.
    async with running_server(tmp / "root", tmp, gateway=config, pool_size=1) as running:
        yield running


async def gateway_kernels(gateway: KernelGateway) -> list[str]:
    async with httpx.AsyncClient(base_url=gateway.url, headers=gateway.headers) as http:
        response = await http.get("/api/kernels")
        response.raise_for_status()
        return [k["id"] for k in response.json()]


def kernel_of(server: Server, path: str) -> GatewayKernel:
    handle = server.app.state.notebooks.get(path).kernel.handle
    assert isinstance(handle, GatewayKernel)
    return handle


def saw_kernel(nb: NotebookClient, state: str, cause: str = "") -> dict[str, Any] | None:
    """The first kernel status `state` whose cause holds `cause`, among all received."""
    return next(
        (
            m
            for m in nb.messages
            if m["type"] in ("kernel", "hello")
            and (m.get("kernel") or m)["state"] == state
            and cause in ((m.get("kernel") or m).get("cause") or "")
        ),
        None,
    )


async def test_a_cell_runs_on_the_gateway_and_closing_deletes_its_kernel(
    server: Server, gateway: KernelGateway
) -> None:
    assert await gateway_kernels(gateway) == []  # no pool on a gateway
    auth = {"Authorization": f"token {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=auth) as http:
        specs = (await http.get("/api/kernelspecs")).json()
        assert specs["kernelspecs"]["notewire"]["spec"]["display_name"].endswith("gateway)")

        write_notebook(server.root / "run.ipynb")
        async with server.client("run.ipynb") as nb:
            cell = nb.add_cell("import os\nprint(6 * 7, os.environ.get('KERNEL_WORKING_DIR'))")
            await nb.run_and_wait([cell])
            assert nb.output_text(cell) == f"42 {server.root}\n"
            kernel = kernel_of(server, "run.ipynb")
            assert kernel.client.binary  # the v1 subprotocol: buffers stay binary
            assert await gateway_kernels(gateway) == [kernel.remote_id]

        response = await http.delete(f"/api/kernels/{kernel.id}")
        assert response.status_code == 204
    assert await gateway_kernels(gateway) == []


async def test_input_interrupt_and_restart(server: Server) -> None:
    write_notebook(server.root / "int.ipynb")
    async with server.client("int.ipynb") as nb:
        define = nb.add_cell("x = input('x? ')")
        loop = nb.add_cell("print('start', flush=True)\nwhile True:\n    pass")
        await nb.run([define])
        request = await nb.next_message("input_request")
        await nb.send({"type": "input_reply", "request": request["request"], "value": "1"})
        await nb.wait_until(lambda: nb.run_state(define) == "done")
        await nb.run([loop])
        await nb.wait_until(lambda: "start" in nb.output_text(loop))
        await nb.send({"type": "interrupt"})
        await nb.wait_until(lambda: nb.run_state(loop) == "error")
        assert nb.outputs(loop)[-1]["ename"] == "KeyboardInterrupt"
        await nb.send({"type": "restart"})
        await nb.wait_until(lambda: nb.kernel["state"] == "restarting")
        await nb.wait_until(lambda: nb.kernel["state"] == "idle", within=60)
        check = nb.add_cell("'x' in globals()")
        await nb.run_and_wait([check])
        assert nb.outputs(check)[0]["data"]["text/plain"] == "False"


async def test_live_figure_frames_arrive_as_binary(server: Server) -> None:
    write_notebook(server.root / "fig.ipynb", cells=[PLOT])
    async with server.client("fig.ipynb") as nb:
        await nb.run_and_wait([nb.cells[0]["id"]])
        opened = await nb.next_message("comm_open")
        comm_id = opened["content"]["comm_id"]
        await say(nb, comm_id, {"type": "view", "view": "a", "visible": True, "ratio": 1})
        _, frame, image = await next_frame(nb, comm_id)
        assert frame["key"]
        with Image.open(io.BytesIO(image)) as picture:
            assert picture.size == (300, 200)
        [output] = [o for o in nb.outputs(nb.cells[0]["id"]) if o["output_type"] == "display_data"]
        assert base64.b64decode(output["data"]["image/png"]).startswith(b"\x89PNG")


async def test_a_dropped_connection_is_reconnected_and_the_kernel_kept(
    server: Server, network: Relay
) -> None:
    write_notebook(server.root / "drop.ipynb")
    async with server.client("drop.ipynb") as nb:
        define = nb.add_cell("x = 41")
        await nb.run_and_wait([define])
        network.cut()
        await nb.wait_until(lambda: saw_kernel(nb, "dead", "reconnecting"))
        await nb.wait_until(lambda: nb.kernel["state"] == "idle")
        check = nb.add_cell("print(x + 1)")
        await nb.run_and_wait([check])
        assert nb.output_text(check) == "42\n"


async def test_a_kernel_that_dies_on_the_gateway_is_reported_and_comes_back(
    server: Server,
) -> None:
    write_notebook(server.root / "die.ipynb")
    async with server.client("die.ipynb") as nb:
        die = nb.add_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
        await nb.run([die])
        # The gateway restarts it; the document says it died, and then that it is back.
        await nb.wait_until(lambda: saw_kernel(nb, "dead", "died on the gateway"))
        await nb.wait_until(lambda: nb.run_state(die) == "error")
        await nb.wait_until(lambda: nb.kernel["state"] == "idle", within=60)
        check = nb.add_cell("print('back')")
        await nb.run_and_wait([check])
        assert nb.output_text(check) == "back\n"


async def test_a_killed_gateway_is_reported_and_a_restart_starts_anew(
    server: Server, gateway: KernelGateway
) -> None:
    write_notebook(server.root / "kill.ipynb")
    async with server.client("kill.ipynb") as nb:
        await nb.run_and_wait([nb.add_cell("x = 1")])
        lost = kernel_of(server, "kill.ipynb").remote_id
        await gateway.kill()
        await nb.wait_until(lambda: saw_kernel(nb, "dead", "reconnecting"))
        await gateway.start()
        # The new gateway answers without our kernel: the loss is final, and says why.
        await nb.wait_until(lambda: saw_kernel(nb, "dead", "gone from the gateway"), within=60)
        await nb.send({"type": "restart"})
        await nb.wait_until(lambda: nb.kernel["state"] == "idle", within=60)
        check = nb.add_cell("print('x' in globals())")
        await nb.run_and_wait([check])
        assert nb.output_text(check) == "False\n"
        replacement = kernel_of(server, "kill.ipynb").remote_id
        assert replacement != lost
        assert await gateway_kernels(gateway) == [replacement]
