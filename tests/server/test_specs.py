"""Kernelspec discovery on a temporary JUPYTER_PATH; no processes."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from notewire.server.kernels import (
    InvalidKernelSpec,
    NoSuchKernelSpec,
    find_kernel_specs,
    get_kernel_spec,
    kernel_dirs,
    load_kernel_spec,
)
from notewire.server.kernels.specs import data_paths, python_argv


def write_spec(root: Path, name: str, body: object) -> Path:
    folder = root / "kernels" / name
    folder.mkdir(parents=True)
    text = body if isinstance(body, str) else json.dumps(body)
    (folder / "kernel.json").write_text(text)
    return folder


FAKE = {
    "argv": ["python", "-m", "fake_kernel", "-f", "{connection_file}"],
    "display_name": "Fake",
    "language": "fakelang",
    "interrupt_mode": "message",
    "env": {"FAKE_HOME": "${HOME}/fake"},
    "metadata": {"debugger": False},
}


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """Two JUPYTER_PATH entries and a user data dir, all empty and private to the test."""
    first, second, user = tmp_path / "first", tmp_path / "second", tmp_path / "user"
    monkeypatch.setenv("JUPYTER_PATH", f"{first}:{second}")
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(user))
    monkeypatch.delenv("JUPYTER_PREFER_ENV_PATH", raising=False)
    return first, second, user


def test_search_order_matches_jupyter_client(paths: tuple[Path, Path, Path]) -> None:
    first, second, user = paths
    assert data_paths()[:5] == [
        first,
        second,
        user,
        Path(sys.prefix) / "share" / "jupyter",
        Path("/usr/local/share/jupyter"),
    ]
    assert data_paths()[-1] == Path("/usr/share/jupyter")
    assert kernel_dirs()[0] == first / "kernels"


def test_prefer_env_path_puts_sys_prefix_before_user(
    paths: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "1")
    _, second, user = paths
    assert data_paths()[2:4] == [Path(sys.prefix) / "share" / "jupyter", user]


def test_finds_fake_spec_with_all_fields(paths: tuple[Path, Path, Path]) -> None:
    first, _, _ = paths
    folder = write_spec(first, "Fake-1.0_x", FAKE)
    specs = find_kernel_specs()
    spec = specs["fake-1.0_x"]  # names are matched case-insensitively, stored lowercase
    assert spec.argv == tuple(FAKE["argv"])  # type: ignore[arg-type]
    assert (spec.display_name, spec.language, spec.interrupt_mode) == (
        "Fake",
        "fakelang",
        "message",
    )
    assert spec.env == {"FAKE_HOME": "${HOME}/fake"}  # expanded at launch, not here
    assert spec.metadata == {"debugger": False}
    assert spec.resource_dir == folder
    assert get_kernel_spec("FAKE-1.0_X") == spec
    # The real installs are still found behind the temporary folders.
    assert "python3" in specs


def test_first_folder_wins(paths: tuple[Path, Path, Path]) -> None:
    first, second, user = paths
    write_spec(second, "dup", {**FAKE, "display_name": "second"})
    write_spec(user, "dup", {**FAKE, "display_name": "user"})
    assert get_kernel_spec("dup").display_name == "second"
    write_spec(first, "DUP", {**FAKE, "display_name": "first"})
    assert get_kernel_spec("dup").display_name == "first"


def test_broken_kernel_json_is_skipped_with_a_warning(
    paths: tuple[Path, Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    first, second, _ = paths
    write_spec(first, "good", FAKE)
    write_spec(first, "notjson", "{ this is not json")
    write_spec(first, "noargv", {"display_name": "x", "language": "y"})
    write_spec(first, "badmode", {**FAKE, "interrupt_mode": "carrier-pigeon"})
    write_spec(first, "badenv", {**FAKE, "env": {"A": 1}})
    (first / "kernels" / "no-json-here").mkdir()
    write_spec(first, "bad name!", FAKE)
    # A broken spec shadows a good one of the same name lower down: the user meant it.
    write_spec(second, "notjson", FAKE)
    with caplog.at_level(logging.WARNING, logger="notewire.server.kernels.specs"):
        specs = find_kernel_specs()
    assert "good" in specs
    for bad in ("notjson", "noargv", "badmode", "badenv", "no-json-here", "bad name!"):
        assert bad not in specs
    warned = caplog.text
    for bad in ("notjson", "noargv", "badmode", "badenv", "bad name!"):
        assert bad in warned
    assert "carrier-pigeon" in warned


def test_missing_spec_is_a_named_error(paths: tuple[Path, Path, Path]) -> None:
    with pytest.raises(NoSuchKernelSpec, match="no-such-kernel"):
        get_kernel_spec("no-such-kernel")


def test_load_kernel_spec_names_the_problem(tmp_path: Path) -> None:
    folder = write_spec(tmp_path, "k", {"argv": []})
    with pytest.raises(InvalidKernelSpec, match="argv"):
        load_kernel_spec(folder)
    with pytest.raises(InvalidKernelSpec, match="cannot read"):
        load_kernel_spec(tmp_path / "missing")


def test_defaults_for_optional_fields(tmp_path: Path) -> None:
    spec = load_kernel_spec(write_spec(tmp_path, "Minimal", {"argv": ["k", "{connection_file}"]}))
    assert (spec.name, spec.display_name, spec.language) == ("minimal", "minimal", "")
    assert spec.interrupt_mode == "signal"
    assert spec.to_dict()["argv"] == ["k", "{connection_file}"]


def test_python_argv_uses_this_interpreter() -> None:
    major, minor = sys.version_info[:2]
    for name in ("python", f"python{major}", f"python{major}.{minor}"):
        assert python_argv([name, "-m", "x"]) == [sys.executable, "-m", "x"]
    assert python_argv(["python2.7", "-m", "x"])[0] == "python2.7"
    assert python_argv(["/opt/python", "x"])[0] == "/opt/python"
