"""Kernels on a Jupyter Kernel Gateway or Enterprise Gateway: kernelspecs listed,
kernels started, interrupted, restarted and deleted over its REST API, and spoken to
over its kernel WebSocket, behind the same seam as local kernels (../backend.py).

    config.py    GatewayConfig: URL, token (never logged), timeouts, reconnect backoff
    rest.py      the REST calls, and GatewayError
    channels.py  a kernel's channels over the WebSocket (v1 binary or legacy JSON)
    kernel.py    one gateway kernel: lifecycle, loss and reconnection
    backend.py   GatewayKernels, the backend the KernelManager uses
"""

# Only the configuration here: the rest needs httpx and websockets (about 80 ms to
# import), which a server whose kernels are local never uses. Import those from their
# modules (backend, kernel, rest) where a gateway is in use.
from .config import GatewayConfig, gateway_from_env

__all__ = ["GatewayConfig", "gateway_from_env"]
