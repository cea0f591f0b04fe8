"""The quick validity check (notebook/plain_check.py) must never accept what the
nbformat schema refuses; and the notebooks people have must pass it."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.validator import iter_validate

from notewire.server.notebook import serialize_notebook
from notewire.server.notebook.plain_check import plainly_valid

from .samples import full_notebook, jupyter_bytes
from .test_schema import json_values, notebooks

KEYS = (
    "name tags jupyter collapsed scrolled format execution kernelspec language_info "
    "display_name codemirror_mode orig_nbformat title authors id cell_type source "
    "metadata outputs execution_count output_type text data ename evalue traceback "
    "attachments nbformat nbformat_minor cells text/plain application/json "
    "application/x+json iopub.status.busy".split()
)
VALUES = st.one_of(
    json_values,
    st.sampled_from(
        [True, False, "auto", 0, -1, 4, 5, "", "a\n", "a,b", ["a", "a"], ["a"], {}, [], None]
    ),
    st.sampled_from(["code", "markdown", "raw", "stream", "error", "x" * 65, "é"]),
)


def _schema_valid(nb: dict[str, Any]) -> bool:
    return next(iter(iter_validate(nb)), None) is None


def _containers(value: Any) -> list[Any]:
    found = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            found.append(item)
            stack.extend(item.values() if isinstance(item, dict) else item)
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebooks(), st.data())
def test_it_accepts_nothing_the_schema_refuses(nb: dict[str, Any], data: st.DataObject) -> None:
    disk = json.loads(serialize_notebook(nb))  # the file's form: lines split into lists
    assert plainly_valid(disk) == _schema_valid(disk) or not plainly_valid(disk)
    for _ in range(data.draw(st.integers(1, 3))):
        # An index, not sampled_from over the containers themselves: they are mutated
        # in place, and Hypothesis replays a draw only from a strategy that stays equal.
        containers = _containers(disk)
        target = containers[data.draw(st.integers(0, len(containers) - 1))]
        # A copy: VALUES holds lists and dicts of its own (sampled_from), which a later
        # round could mutate in place, changing what the strategy gives the next test
        # case (FlakyStrategyDefinition).
        value = copy.deepcopy(data.draw(VALUES))
        if isinstance(target, dict):
            if data.draw(st.booleans()) and target:
                del target[data.draw(st.sampled_from(sorted(target)))]
            else:
                target[data.draw(st.sampled_from(KEYS))] = value
        elif target:
            target[data.draw(st.integers(0, len(target) - 1))] = value
        else:
            target.append(value)
    if plainly_valid(disk):
        assert _schema_valid(disk), disk


def test_the_notebooks_people_have_pass_it() -> None:
    nb = json.loads(jupyter_bytes(full_notebook()))
    code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["metadata"]["language_info"] = {"name": "python", "codemirror_mode": {"name": "ipython"}}
    nb["cells"][code]["metadata"].update(tags=["a", "b"], collapsed=True, scrolled="auto")
    nb["cells"][code]["metadata"]["execution"] = {"iopub.status.busy": "2024-01-01T00:00:00Z"}
    assert _schema_valid(nb) and plainly_valid(nb)
    stream = next(
        j for j, o in enumerate(nb["cells"][code]["outputs"]) if o["output_type"] == "stream"
    )
    md = ("cells", code, "metadata")
    for path, value in [
        ((*md, "tags"), ["a", "a"]),
        ((*md, "tags"), ["a,b"]),
        ((*md, "tags"), [""]),
        ((*md, "collapsed"), 1),
        ((*md, "scrolled"), "yes"),
        ((*md, "name"), ""),
        ((*md, "jupyter"), []),
        ((*md, "execution"), {"iopub.status.busy": 1}),
        (("cells", 0, "id"), "no spaces"),
        (("cells", 0, "id"), "x" * 65),
        (("cells", 0, "source"), ["a", 1]),
        (("cells", 0, "extra"), 1),
        (("cells", code, "execution_count"), -1),
        (("cells", code, "outputs", stream, "name"), 1),
        (("cells", code, "outputs", stream, "text"), None),
        (("cells", code, "outputs", stream, "extra"), 1),
        (("metadata", "kernelspec"), {"name": "python3"}),
        (("metadata", "language_info"), {"name": 3}),
        (("metadata", "title"), 1),
        (("nbformat_minor",), 4),
        (("extra",), 1),
    ]:
        broken = copy.deepcopy(nb)
        target = broken
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert not plainly_valid(broken), path
        assert not _schema_valid(broken) or path[0] == "nbformat_minor", path


def test_a_metadata_key_set_to_null_is_refused_as_the_schema_refuses_it() -> None:
    # Found by the property above: `kernelspec: null` passed the plain check.
    base = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for metadata in (
        {"kernelspec": None},
        {"language_info": None},
        {"language_info": {"name": "python", "codemirror_mode": None}},
    ):
        nb = {**base, "metadata": metadata}
        assert not _schema_valid(nb)
        assert not plainly_valid(nb), metadata
