"""Libraries written for ipykernel (ipywidgets, tqdm) find what they probe for, over
real ZeroMQ with jupyter_client as the client."""

from __future__ import annotations

import json
import uuid

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from tests.kernel.helpers import execute, iopub_until_idle, shell_request


def _printed_json(kc: BlockingKernelClient, code: str) -> tuple[str, dict]:
    """Run `code`, which prints one JSON object last; returns the request's msg_id and it."""
    run = execute(kc, code)
    assert run.content["status"] == "ok", run.content
    return run.reply["parent_header"]["msg_id"], json.loads(run.stdout().splitlines()[-1])


def test_kernel_answers_what_ipykernel_code_asks(
    shared_kernel: tuple[KernelManager, BlockingKernelClient],
) -> None:
    km, kc = shared_kernel
    msg_id, seen = _printed_json(
        kc,
        "import comm, json\n"
        "k = get_ipython().kernel\n"
        "parent = k.get_parent()\n"
        "print(json.dumps({\n"
        "    'keys': sorted(parent),\n"
        "    'msg_id': parent['header']['msg_id'],\n"
        "    'shell_msg_id': k.get_parent(channel='shell')['header']['msg_id'],\n"
        "    'old_style': k._parent_header['header']['msg_id'],\n"
        "    'code': parent['content']['code'][:6],\n"
        "    'session': k.session.session,\n"
        "    'username': k.session.username,\n"
        "    'same_manager': k.comm_manager is comm.get_comm_manager(),\n"
        "    'same_shell': k.shell is get_ipython(),\n"
        "    'config': get_ipython().config['IPKernelApp']['connection_file'],\n"
        "}))",
    )
    assert {"header", "parent_header", "metadata", "content"} <= set(seen["keys"])
    assert seen["msg_id"] == seen["shell_msg_id"] == seen["old_style"] == msg_id
    assert seen["code"] == "import"
    assert seen["same_manager"] and seen["same_shell"]
    assert seen["config"] == km.connection_file  # 'IPKernelApp' in config, as ipykernel's

    # The session id and user name are those on the kernel's own messages.
    run = execute(
        kc,
        "k = get_ipython().kernel\n"
        "k.session.send(k.iopub_socket, 'display_data',"
        " {'data': {'text/plain': 'sent by hand'}, 'metadata': {}}, parent=k.get_parent())",
    )
    by_hand = [m for m in run.iopub if m["msg_type"] == "display_data"]
    assert [m["content"]["data"] for m in by_hand] == [{"text/plain": "sent by hand"}]
    assert by_hand[0]["parent_header"]["msg_id"] == run.reply["parent_header"]["msg_id"]
    assert by_hand[0]["header"]["session"] == seen["session"]
    assert by_hand[0]["header"]["username"] == seen["username"]


def test_output_widget_captures_under_its_msg_id(kc: BlockingKernelClient) -> None:
    run = execute(
        kc,
        "import ipywidgets\nout = ipywidgets.Output()\nwith out:\n    print('captured')\n",
    )
    assert run.content["status"] == "ok"
    # ipywidgets tells the frontend which msg_id to capture, then prints under it.
    capture_ids = [
        m["content"]["data"]["state"]["msg_id"]
        for m in run.iopub
        if m["msg_type"] == "comm_msg" and "msg_id" in m["content"]["data"].get("state", {})
    ]
    assert capture_ids[0] == run.reply["parent_header"]["msg_id"]
    assert capture_ids[-1] == ""  # and stops capturing when the block ends
    printed = [m for m in run.iopub if m["msg_type"] == "stream"]
    assert [m["content"]["text"] for m in printed] == ["captured\n"]
    assert printed[0]["parent_header"]["msg_id"] == capture_ids[0]


def test_interact_output_follows_the_comm_message(kc: BlockingKernelClient) -> None:
    _, ids = _printed_json(
        kc,
        "import json\nfrom ipywidgets import IntSlider, interactive\n"
        "slider = IntSlider(value=1)\n"
        "ui = interactive(lambda x: print('x is', x), x=slider)\n"
        "print(json.dumps({'slider': slider.model_id, 'out': ui.out.model_id}))",
    )
    # The frontend moves the slider: a comm_msg from the client, as the page sends it.
    moved = shell_request(
        kc,
        "comm_msg",
        {
            "comm_id": ids["slider"],
            "data": {"method": "update", "state": {"value": 5}, "buffer_paths": []},
        },
    )
    seen = iopub_until_idle(kc, moved)
    printed = [m["content"]["text"] for m in seen if m["msg_type"] == "stream"]
    assert printed == ["x is 5\n"]
    # The interact's Output widget captured under the comm message's own id.
    captures = [
        m["content"]["data"]["state"]["msg_id"]
        for m in seen
        if m["msg_type"] == "comm_msg"
        and m["content"]["comm_id"] == ids["out"]
        and "msg_id" in m["content"]["data"].get("state", {})
    ]
    assert captures[0] == moved


def test_widget_control_comm_answers_request_states(kc: BlockingKernelClient) -> None:
    _, ids = _printed_json(
        kc,
        "import json, ipywidgets\ncontrolled = ipywidgets.IntSlider(value=7)\n"
        "print(json.dumps({'model': controlled.model_id}))",
    )
    control = uuid.uuid4().hex
    opened = iopub_until_idle(
        kc,
        shell_request(
            kc,
            "comm_open",
            {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
            metadata={"version": "1.0.0"},  # what @jupyter-widgets/base sends
        ),
    )
    assert "comm_close" not in [m["msg_type"] for m in opened]  # the target is registered
    asked = iopub_until_idle(
        kc,
        shell_request(kc, "comm_msg", {"comm_id": control, "data": {"method": "request_states"}}),
    )
    answers = [
        m["content"]
        for m in asked
        if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == control
    ]
    assert answers[0]["data"]["method"] == "update_states"
    assert answers[0]["data"]["states"][ids["model"]]["state"]["value"] == 7


def test_notebook_probes_find_a_notebook_kernel(kc: BlockingKernelClient) -> None:
    # tqdm.auto (tqdm's autonotebook) looks for ipykernel's shell module, rich and
    # plotly for its shell class name.
    code = (
        "import warnings\n"
        "warnings.simplefilter('ignore')\n"
        "import tqdm.auto, tqdm.notebook, rich.console\n"
        "print(issubclass(tqdm.auto.tqdm, tqdm.notebook.tqdm), rich.console._is_jupyter())\n"
        "import ipykernel.zmqshell as z\n"
        "print(z.ZMQInteractiveShell is type(get_ipython()))\n"
        "try:\n    z.ZMQDisplayPublisher\nexcept AttributeError as e:\n    print('clear:', 'marks' in str(e))"
    )
    run = execute(kc, code)
    assert run.stdout() == "True True\nTrue\nclear: True\n"
