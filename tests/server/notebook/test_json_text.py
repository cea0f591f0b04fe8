"""json_text.indented writes what nbformat's json.dumps writes, to the byte."""

from __future__ import annotations

import enum
import json
import random
from pathlib import Path
from typing import Any

import pytest

from notewire.server.notebook.ipynb import serialize_notebook
from notewire.server.notebook.json_text import indented

REPO = Path(__file__).resolve().parents[3]


def nbformat_text(value: Any) -> str:
    return json.dumps(
        value,
        indent=1,
        sort_keys=True,
        separators=(",", ": "),
        ensure_ascii=False,
        default=as_text,
    )


def as_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


SCALARS: list[Any] = [
    None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e300, 3.0, float("nan"), float("inf"),
    float("-inf"), "", "héllo\n\"\\\u2028\x00\U0001f600", b"YWJj", Level.HIGH, Name("n"),
]  # fmt: skip


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 5 or roll < 0.4:
        return rng.choice(SCALARS)
    if roll < 0.7:
        items = [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
        return tuple(items) if rng.random() < 0.2 else items
    keys = ["a", "b", "é", "", "z\n", "IPY_MODEL_1"]
    return {
        rng.choice(keys) + str(rng.randint(0, 9)): random_value(rng, depth + 1)
        for _ in range(rng.randint(0, 4))
    }


def test_random_values_are_written_as_json_dumps_writes_them() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        value = random_value(rng)
        assert indented(value, as_text) == nbformat_text(value)


@pytest.mark.parametrize(
    "value",
    [{1: "a", 2.5: "b", -1: "c"}, {True: 1}, {None: 2}, {Level.HIGH: 0}, "s", 5, [], {}, ()],
)
def test_keys_and_top_level_values_as_json_dumps(value: Any) -> None:
    assert indented(value, as_text) == nbformat_text(value)


def test_what_json_refuses_is_refused() -> None:
    with pytest.raises(TypeError, match="keys must be str"):
        indented({(1, 2): 0}, as_text)
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        indented({"a": {1}}, as_text)


def test_the_repositorys_notebooks_are_written_as_nbformat_writes_them() -> None:
    import nbformat

    paths = sorted(REPO.glob("examples/*.ipynb"))
    assert paths
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        assert indented(notebook, as_text) == nbformat_text(notebook)
        node = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        assert serialize_notebook(notebook).decode() == nbformat.writes(node) + "\n"
