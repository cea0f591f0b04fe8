"""Path confinement, without a server: every way out of the root is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from notewire.server.contents import PathRefused
from notewire.server.contents.paths import api_path_of, is_visible, real_root, resolve

from .conftest import make_tree


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    return make_tree(tmp_path)


@pytest.mark.parametrize(
    ("api_path", "expected"),
    [
        ("", ""),
        ("a.txt", "a.txt"),
        ("sub/", "sub"),
        ("sub/b.txt", "sub/b.txt"),
        ("sub/new folder/x y.ipynb", "sub/new folder/x y.ipynb"),
        ("inside_link.txt", "inside_link.txt"),
        ("caf\u00e9.txt", "caf\u00e9.txt"),
        ("a..b.txt", "a..b.txt"),
        ("%2e%2e", "%2e%2e"),  # decoded once by the server; a literal name here
    ],
)
def test_paths_inside_the_root_resolve(
    tree: tuple[Path, Path], api_path: str, expected: str
) -> None:
    root, _ = tree
    path = resolve(root, api_path)
    base = real_root(root)
    assert path == (base.joinpath(*expected.split("/")) if expected else base)
    assert api_path_of(base, path) == expected


@pytest.mark.parametrize(
    ("api_path", "why"),
    [
        ("..", "'.' and '..'"),
        ("../outside/secret.txt", "'.' and '..'"),
        ("sub/../../outside", "'.' and '..'"),
        ("sub/..", "'.' and '..'"),
        ("./a.txt", "'.' and '..'"),
        ("/etc/passwd", "absolute"),
        ("//etc/passwd", "absolute"),
        ("a.txt\x00.ipynb", "NUL"),
        ("a\nb", "control"),
        ("..\\outside\\secret.txt", "backslash"),
        ("sub\\..\\..\\x", "backslash"),
        ("sub//b.txt", "empty component"),
        (".ssh/id_rsa", "hidden"),
        ("sub/.hidden", "hidden"),
        (".ipynb_checkpoints/a-checkpoint.txt", "hidden"),
        ("escape.txt", "outside the root"),
        ("escape_dir", "outside the root"),
        ("escape_dir/secret.txt", "outside the root"),
        ("escape_dir/new.txt", "outside the root"),
        ("prefix_dir/x.txt", "outside the root"),  # /root-secret starts with /root
        ("hidden_link.txt", "hidden file"),
        ("x" * 5000, "too long"),
    ],
)
def test_paths_out_of_the_root_are_refused(
    tree: tuple[Path, Path], api_path: str, why: str
) -> None:
    root, _ = tree
    with pytest.raises(PathRefused, match=why):
        resolve(root, api_path)


def test_a_refusal_is_a_permission_error(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    with pytest.raises(PermissionError):
        resolve(root, "../x")


def test_a_root_given_through_a_symlink_still_confines(tmp_path: Path) -> None:
    root, _ = make_tree(tmp_path)
    alias = tmp_path / "alias"
    alias.symlink_to(root)
    assert resolve(alias, "a.txt") == root / "a.txt"
    with pytest.raises(PathRefused):
        resolve(alias, "escape.txt")


def test_listing_visibility(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    base = real_root(root)
    visible = {p.name for p in base.iterdir() if is_visible(base, p)}
    assert visible == {"a.txt", "sub", "inside_link.txt"}
