"""The kernelspec install command, and a whole session under jupyter_client's own API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel


def test_install_prefix_is_found_by_jupyter(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "notewire.cli",
            "kernel",
            "install",
            "--prefix",
            str(tmp_path),
            "--name",
            "nw-test",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "nw-test" in done.stdout
    spec_file = tmp_path / "share" / "jupyter" / "kernels" / "nw-test" / "kernel.json"
    spec = json.loads(spec_file.read_text())
    assert spec["argv"][1:] == ["-m", "notewire.kernel", "-f", "{connection_file}"]
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "share" / "jupyter" / "kernels")])
    found = ksm.get_kernel_spec("nw-test")
    assert found.language == "python"
    assert found.interrupt_mode == "signal"


def test_install_user_goes_to_the_jupyter_data_dir(tmp_path: Path) -> None:
    env = {"JUPYTER_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "-m", "notewire.cli", "kernel", "install", "--user"],
        env=env,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "kernels" / "notewire" / "kernel.json").is_file()


def test_full_session_with_jupyter_client() -> None:
    km, kc = start_new_kernel(kernel_name="notewire")
    try:
        info = kc.kernel_info(reply=True)["content"]
        assert info["implementation"] == "notewire"
        assert info["language_info"]["name"] == "python"

        outputs: list[dict[str, Any]] = []
        reply = kc.execute_interactive(
            "import sys\nprint('out'); print('err', file=sys.stderr)\ndisplay({'a': 1}, raw=True)\n2 ** 10",
            output_hook=outputs.append,
            timeout=20,
        )
        assert reply["content"]["status"] == "ok"
        kinds = [
            (m["msg_type"], m["content"].get("name")) for m in outputs if m["msg_type"] != "status"
        ]
        assert kinds == [
            ("execute_input", None),
            ("stream", "stdout"),
            ("stream", "stderr"),
            ("display_data", None),
            ("execute_result", None),
        ]

        assert kc.complete("pri", reply=True)["content"]["matches"] == ["print"]
        assert kc.inspect("print", reply=True)["content"]["found"] is True
        kc.is_complete("if x:")
        assert kc.get_shell_msg(timeout=10)["content"]["status"] == "incomplete"
        history = kc.history(hist_access_type="tail", n=1, reply=True)["content"]["history"]
        assert "2 ** 10" in history[-1][2]
        assert kc.comm_info(reply=True)["content"]["comms"] == {}
        assert kc.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    assert not km.is_alive()
