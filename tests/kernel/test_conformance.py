"""The public conformance suite, jupyter_kernel_test, against the installed notewire
kernelspec, with every sample filled in."""

from __future__ import annotations

import unittest

import jupyter_kernel_test


class NotewireKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "notewire"
    language_name = "python"
    file_extension = ".py"

    code_hello_world = "print('hello, world')"
    code_stderr = "import sys; print('oops', file=sys.stderr)"

    completion_samples = [
        {"text": "zi", "matches": {"zip"}},
        {"text": "import itertool", "matches": {"itertools"}},
        {"text": "str.isdeci", "matches": {"isdecimal"}},
    ]
    complete_code_samples = ["1", "print('hello, world')", "def f(x):\n  return x*2\n\n\n"]
    incomplete_code_samples = ["print('''hello", "def f(x):\n  x*2", "for i in range(3):"]
    invalid_code_samples = ["import = 7q", "1 +* 2"]

    code_page_something = "print?"

    code_generate_error = "raise ValueError('boom')"

    code_execute_result = [
        {"code": "1+2+3", "result": "6"},
        {"code": "[n*n for n in range(3)]", "result": "[0, 1, 4]"},
        {
            "code": "from IPython.display import HTML; HTML('<b>x</b>')",
            "result": "<b>x</b>",
            "mime": "text/html",
        },
    ]
    code_display_data = [
        {
            "code": "from IPython.display import HTML, display; display(HTML('<b>test</b>'))",
            "mime": "text/html",
        },
        {
            "code": "from IPython.display import Math, display; display(Math(r'\\frac{1}{2}'))",
            "mime": "text/latex",
        },
        {
            "code": "from IPython.display import JSON, display; display(JSON({'a': 1}))",
            "mime": "application/json",
        },
    ]

    code_history_pattern = "1?2*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "zip"

    code_clear_output = "from IPython.display import clear_output; clear_output()"


class NotewireIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    kernel_name = "notewire"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
