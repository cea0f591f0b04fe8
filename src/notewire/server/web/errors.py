"""JSON error bodies, `{"message": ..., "reason": ...}`, and the handlers that turn
exceptions into them. Bodies never hold tracebacks, file-system paths or headers
(CVE-2023-49080, CVE-2022-24757); the traceback of an unexpected error goes to the
server log only."""

from __future__ import annotations

import errno
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ExceptionHandler

from ..contents import ContentsError

__all__ = ["error_response", "exception_handlers"]

log = logging.getLogger(__name__)

_REASONS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    500: "server_error",
}
_OS_STATUS = {
    errno.EACCES: 403,
    errno.EPERM: 403,
    errno.EROFS: 403,
    errno.ENOENT: 404,
    errno.ENOTDIR: 404,
    errno.EEXIST: 409,
    errno.ENOTEMPTY: 409,
    errno.EISDIR: 400,
    errno.ENAMETOOLONG: 400,
    errno.EINVAL: 400,
    errno.EXDEV: 400,
}


def error_response(
    status: int,
    message: str,
    reason: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"message": message, "reason": reason or _REASONS.get(status, "error")}
    return JSONResponse(body, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return error_response(exc.status_code, str(exc.detail), headers=exc.headers)


async def _contents_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ContentsError)
    return error_response(exc.status, exc.message, exc.reason)


async def _os_error(request: Request, exc: Exception) -> Response:
    """An OS refusal the contents layer did not foresee (a read-only folder, a full
    disk). The message is the errno text, without the file name."""
    assert isinstance(exc, OSError)
    status = _OS_STATUS.get(exc.errno or 0, 500)
    if status == 500:
        log.error("%s %s failed: %r", request.method, request.url.path, exc)
    return error_response(status, exc.strerror or "file system error")


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_response(500, "internal server error")


def exception_handlers() -> dict[Any, ExceptionHandler]:
    """For `Starlette(exception_handlers=...)`. ContentsError is looked up before
    OSError (PathRefused and NotFound are both), by the exception's MRO."""
    return {
        HTTPException: _http_error,
        ContentsError: _contents_error,
        OSError: _os_error,
        Exception: _server_error,
    }
