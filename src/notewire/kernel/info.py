"""What the kernel says about itself in kernel_info_reply.

Free of IPython imports: the start-up phase (boot.py) answers kernel_info before
IPython has loaded, and both phases must give the same answer.
"""

from __future__ import annotations

import sys

import notewire
from notewire.protocol import PROTOCOL_VERSION
from notewire.protocol import content as c

LANGUAGE_INFO = {
    "name": "python",
    "version": ".".join(map(str, sys.version_info[:3])),
    "mimetype": "text/x-python",
    "file_extension": ".py",
    "pygments_lexer": "ipython3",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "nbconvert_exporter": "python",
}

BANNER = (
    f"Python {sys.version}\n"
    "Type 'copyright', 'credits' or 'license' for more information\n"
    f"notewire {notewire.__version__} kernel: IPython, an enhanced Interactive Python. "
    "Type '?' for help.\n"
)


def kernel_info_reply() -> c.KernelInfoReply:
    return c.KernelInfoReply(
        protocol_version=PROTOCOL_VERSION,
        implementation="notewire",
        implementation_version=notewire.__version__,
        language_info=LANGUAGE_INFO,
        banner=BANNER,
        help_links=[
            {"text": "Python Reference", "url": "https://docs.python.org/3/"},
            {"text": "IPython Reference", "url": "https://ipython.readthedocs.io/"},
        ],
        supported_features=[],
    )
