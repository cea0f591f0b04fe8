"""Execution semantics the conformance suite does not check."""

from __future__ import annotations

import base64

from jupyter_client.blocking.client import BlockingKernelClient

from tests.kernel.helpers import TIMEOUT, collect, execute, plain, shell_request


def test_iopub_order_and_parent(kc: BlockingKernelClient) -> None:
    run = execute(kc, "print('a'); 41 + 1")
    assert run.types == ["status", "execute_input", "stream", "execute_result", "status"]
    assert run.iopub[0]["content"]["execution_state"] == "busy"
    assert run.of_type("execute_result")[0]["data"]["text/plain"] == "42"
    assert run.content["status"] == "ok"


def test_silent_produces_no_output_at_all(kc: BlockingKernelClient) -> None:
    before = execute(kc, "pass").content["execution_count"]
    run = execute(kc, "print('hidden'); import sys; print('x', file=sys.stderr); 5", silent=True)
    assert run.types == ["status", "status"]  # only busy and idle
    assert run.content["status"] == "ok"
    assert run.content["execution_count"] == before
    # and output routing comes back for the next request
    assert execute(kc, "print('shown')").stdout() == "shown\n"


def test_store_history_false_keeps_the_counter(kc: BlockingKernelClient) -> None:
    n = execute(kc, "pass").content["execution_count"]
    run = execute(kc, "1", store_history=False)
    assert run.content["execution_count"] == n
    assert run.of_type("execute_input")[0]["execution_count"] == n
    assert execute(kc, "pass").content["execution_count"] == n + 1


def test_user_expressions(kc: BlockingKernelClient) -> None:
    execute(kc, "x = 6")
    run = execute(kc, "y = 7", user_expressions={"prod": "x * y", "bad": "1/0"})
    expr = run.content["user_expressions"]
    assert expr["prod"]["status"] == "ok"
    assert expr["prod"]["data"]["text/plain"] == "42"
    assert expr["bad"]["status"] == "error"
    assert expr["bad"]["ename"] == "ZeroDivisionError"


def test_error_reply_has_count_and_traceback(kc: BlockingKernelClient) -> None:
    run = execute(kc, "def f():\n    raise KeyError('k')\nf()")
    c = run.content
    assert c["status"] == "error"
    assert c["ename"] == "KeyError"
    assert isinstance(c["execution_count"], int)
    assert "raise KeyError" in plain("".join(c["traceback"]))
    assert run.of_type("error")[0]["ename"] == "KeyError"


def test_syntax_error(kc: BlockingKernelClient) -> None:
    run = execute(kc, "def (:")
    assert run.content["status"] == "error"
    assert run.content["ename"] == "SyntaxError"
    assert "execution_count" in run.content


def test_display_update_and_clear(kc: BlockingKernelClient) -> None:
    code = (
        "from IPython.display import display, clear_output\n"
        "h = display('first', display_id='d1')\n"
        "h.update('second')\n"
        "clear_output(wait=True)\n"
    )
    run = execute(kc, code)
    assert run.types[2:-1] == ["display_data", "update_display_data", "clear_output"]
    shown, updated, cleared = (m["content"] for m in run.iopub[2:-1])
    assert shown["transient"] == {"display_id": "d1"}
    assert updated["transient"] == {"display_id": "d1"}
    assert updated["data"]["text/plain"] == "'second'"
    assert cleared == {"wait": True}


def test_print_then_display_keeps_order(kc: BlockingKernelClient) -> None:
    run = execute(kc, "print('before')\ndisplay('mid')\nprint('after')")
    assert run.types[2:-1] == ["stream", "display_data", "stream"]
    assert [c.get("text") for c in (m["content"] for m in run.iopub[2:-1])] == [
        "before\n",
        None,
        "after\n",
    ]


def test_magics_shell_and_pager(kc: BlockingKernelClient) -> None:
    assert execute(kc, "%time 1").content["status"] == "ok"
    assert "hi-from-shell" in execute(kc, "!echo hi-from-shell").stdout()
    page = execute(kc, "zip??").content["payload"]
    assert page[0]["source"] == "page"
    assert "zip" in page[0]["data"]["text/plain"]


def test_top_level_await(kc: BlockingKernelClient) -> None:
    run = execute(kc, "import asyncio\nawait asyncio.sleep(0.01)\n'awaited'")
    assert run.of_type("execute_result")[0]["data"]["text/plain"] == "'awaited'"


def test_stop_on_error_aborts_queued_requests(kc: BlockingKernelClient) -> None:
    first = kc.execute("import time; time.sleep(0.3); raise RuntimeError('first fails')")
    queued = [kc.execute("print('must not run')") for _ in range(3)]
    assert collect(kc, first).content["ename"] == "RuntimeError"
    for msg_id in queued:
        run = collect(kc, msg_id)
        assert run.content["status"] == "error"
        assert run.content["ename"] == "ExecutionAborted"
        assert isinstance(run.content["execution_count"], int)
        assert run.types == ["status", "status"]  # busy, idle: nothing ran
    assert execute(kc, "print('runs again')").stdout() == "runs again\n"


def test_stop_on_error_false_runs_the_next(kc: BlockingKernelClient) -> None:
    first = kc.execute("import time; time.sleep(0.2); 1/0", stop_on_error=False)
    second = kc.execute("print('still runs')")
    assert collect(kc, first).content["status"] == "error"
    assert collect(kc, second).stdout() == "still runs\n"


def test_a_malformed_execute_request_aborts_nothing(kc: BlockingKernelClient) -> None:
    """It never ran, so it cannot have failed: only a failing cell may skip the queue."""
    # The kernel waits in input() while the requests below queue up behind it.
    holder = kc.execute("input('hold')", allow_stdin=True)
    kc.get_stdin_msg(timeout=TIMEOUT)
    malformed = shell_request(kc, "execute_request", {"code": 42})
    queued = [
        kc.execute(f"print('queued {i}')", stop_on_error=stop)
        for i, stop in enumerate([False, True])
    ]
    kc.input("go")
    assert collect(kc, holder).content["status"] == "ok"
    assert collect(kc, malformed).content["ename"] == "MalformedMessage"
    assert [collect(kc, msg_id).stdout() for msg_id in queued] == ["queued 0\n", "queued 1\n"]


def test_output_from_a_thread_is_delivered(kc: BlockingKernelClient) -> None:
    code = (
        "import threading\n"
        "t = threading.Thread(target=lambda: print('from thread'))\n"
        "t.start(); t.join()\n"
    )
    assert execute(kc, code).stdout() == "from thread\n"


def test_large_output_is_complete(kc: BlockingKernelClient) -> None:
    run = execute(kc, "for i in range(200000): print(i)", timeout=60)
    assert run.stdout() == "".join(f"{i}\n" for i in range(200000))
    assert len(run.of_type("stream")) < 200  # coalesced, not one message per line


def test_stdout_and_stderr_arrive_in_the_order_they_were_written(kc: BlockingKernelClient) -> None:
    # stdout holds the loop's tail for a moment (coalescing) when stderr is written.
    code = (
        "import sys\n"
        "for i in range(3000): print(i)\n"
        "print('err', file=sys.stderr)\n"
        "print('half', end='')\n"
        "print('err2', file=sys.stderr)\n"
        "print(' after')\n"
    )
    run = execute(kc, code)
    streams = [(c["name"], c["text"]) for c in run.of_type("stream")]
    said = [(name, text) for name, text in streams if name == "stderr"]
    assert said == [("stderr", "err\n"), ("stderr", "err2\n")]
    first, second = (streams.index(s) for s in said)
    assert "".join(t for _, t in streams[:first]) == "".join(f"{i}\n" for i in range(3000))
    assert "".join(t for _, t in streams[first + 1 : second]) == "half"
    assert "".join(t for _, t in streams[second + 1 :]) == " after\n"


def test_binary_repr_is_sent_as_base64(kc: BlockingKernelClient) -> None:
    code = (
        "class Blob:\n"
        "    def _repr_png_(self):\n"
        "        return b'\\x89PNG-not-really'\n"
        "display(Blob())\n"
        "Blob()\n"
    )
    run = execute(kc, code)
    assert run.content["status"] == "ok"
    shown = run.of_type("display_data")[0]["data"]["image/png"]
    result = run.of_type("execute_result")[0]["data"]["image/png"]
    assert base64.b64decode(shown) == base64.b64decode(result) == b"\x89PNG-not-really"


def test_a_cell_is_transformed_once_and_code_it_runs_as_usual(kc: BlockingKernelClient) -> None:
    # The kernel transforms a cell to choose how to run it; run_cell reuses that (an
    # input transformer sees the cell once, as under IPython's own terminal), and code
    # the cell runs is transformed as usual.
    execute(
        kc,
        "seen = []\n"
        "def note(lines):\n"
        "    seen.append(''.join(lines))\n"
        "    return lines\n"
        "get_ipython().input_transformers_cleanup.append(note)",
    )
    assert execute(kc, "here = %pwd").content["status"] == "ok"
    execute(kc, "get_ipython().run_cell('there = %pwd')")
    run = execute(
        kc,
        "get_ipython().input_transformers_cleanup.remove(note)\n"
        "(seen.count('here = %pwd\\n'), seen.count('there = %pwd\\n'), here == there)",
    )
    assert run.of_type("execute_result")[0]["data"]["text/plain"] == "(1, 1, True)"
    assert execute(kc, "import asyncio\nawait asyncio.sleep(0)\n'async'").content["status"] == "ok"
