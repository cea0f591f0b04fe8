"""The files under the server's root: path confinement, atomic writes, checkpoints and
Jupyter contents models. No HTTP here; `notewire.server.web.contents_api` serves it."""

from .contents import CHECKPOINT_ID, Contents, Model
from .errors import Conflict, ContentsError, Invalid, NotFound, PathRefused
from .files import DiskStamp, write_atomic
from .paths import resolve

__all__ = [
    "CHECKPOINT_ID",
    "Conflict",
    "Contents",
    "ContentsError",
    "DiskStamp",
    "Invalid",
    "Model",
    "NotFound",
    "PathRefused",
    "resolve",
    "write_atomic",
]
