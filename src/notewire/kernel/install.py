"""Write the notewire kernelspec where Jupyter's tools find it."""

from __future__ import annotations

import json
import os
import sys
import sysconfig
from pathlib import Path

KERNEL_NAME = "notewire"


def kernelspec() -> dict[str, object]:
    return {
        "argv": [sys.executable, "-m", "notewire.kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (notewire)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
        "kernel_protocol_version": "5.5",
    }


def user_data_dir() -> Path:
    if os.environ.get("JUPYTER_DATA_DIR"):
        return Path(os.environ["JUPYTER_DATA_DIR"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Jupyter"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "jupyter"


def kernels_dir(*, user: bool = False, sys_prefix: bool = False, prefix: str | None = None) -> Path:
    """The folder a kernelspec goes in, as `jupyter kernelspec install` picks it."""
    if prefix:
        return Path(prefix) / "share" / "jupyter" / "kernels"
    if sys_prefix:
        return Path(sys.prefix) / "share" / "jupyter" / "kernels"
    if user:
        return user_data_dir() / "kernels"
    return (
        Path(sysconfig.get_config_var("prefix") or "/usr/local") / "share" / "jupyter" / "kernels"
    )


def install(
    *,
    user: bool = False,
    sys_prefix: bool = False,
    prefix: str | None = None,
    name: str = KERNEL_NAME,
) -> Path:
    """Write `<kernels_dir>/<name>/kernel.json`; returns the spec folder."""
    folder = kernels_dir(user=user, sys_prefix=sys_prefix, prefix=prefix) / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(kernelspec(), indent=1) + "\n")
    return folder
