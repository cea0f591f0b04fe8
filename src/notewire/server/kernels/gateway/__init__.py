"""Kernels on a Jupyter Kernel Gateway or Enterprise Gateway: kernelspecs listed,
kernels started, interrupted, restarted and deleted over its REST API, and spoken to
over its kernel WebSocket, behind the same seam as local kernels (../backend.py).

    config.py    GatewayConfig: URL, token (never logged), timeouts, reconnect backoff
    rest.py      the REST calls, and GatewayError
    channels.py  a kernel's channels over the WebSocket (v1 binary or legacy JSON)
    kernel.py    one gateway kernel: lifecycle, loss and reconnection
    backend.py   GatewayKernels, the backend the KernelManager uses
"""

from .backend import GatewayKernels
from .config import GatewayConfig, gateway_from_env
from .kernel import GatewayKernel, GatewayLoss
from .rest import GatewayError, GatewayRefused, GatewayUnreachable

__all__ = [
    "GatewayConfig",
    "GatewayError",
    "GatewayKernel",
    "GatewayKernels",
    "GatewayLoss",
    "GatewayRefused",
    "GatewayUnreachable",
    "gateway_from_env",
]
