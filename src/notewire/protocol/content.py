"""Typed content for the message types notewire sends and receives.

Each type is a frozen dataclass whose `msg_type` names it on the wire. `decode(msg)`
validates a message's content against its type once, where the message enters a
process; past that point code works with attributes, not dict lookups. Keys the spec
may add later are ignored on input. Optional fields left as None are omitted on output.
"""

# No `from __future__ import annotations`: the field types are read as objects when
# the classes are registered, and evaluating 30 classes' strings costs start-up time.
import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from .errors import MalformedMessage, UnknownMessageType
from .jsonutil import JSONDict
from .messages import Message

Checker = Callable[[Any], bool]


class Content:
    """Base of all typed content. Subclasses are frozen dataclasses.

    Equality, hashing and repr are defined once here from `_fields`, rather than
    generated per class by `dataclass`: compiling them for every message type was a
    fifth of the kernel's start-up.
    """

    __slots__ = ()
    msg_type: ClassVar[str]
    _fields: ClassVar[tuple[tuple[str, Checker, bool, str], ...]]
    _msg_type_is_field: ClassVar[bool] = False  # ErrorReply: one class, many reply types

    def _values(self) -> tuple[Any, ...]:
        values = tuple(getattr(self, name) for name, *_ in self._fields)
        return (self.msg_type, *values) if self._msg_type_is_field else values

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        names = [name for name, *_ in self._fields]
        if self._msg_type_is_field:
            names.insert(0, "msg_type")
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__name__}({args})"

    def to_dict(self) -> JSONDict:
        out: JSONDict = {}
        for name, _check, _required, _type in self._fields:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


C = TypeVar("C", bound=Content)
REGISTRY: dict[str, type[Content]] = {}


def _checker(tp: Any) -> tuple[Checker, str]:
    """Build a cheap isinstance-style check for an annotation, and its name for errors."""
    origin = typing.get_origin(tp)
    if tp is bool:
        return (lambda v: v is True or v is False), "bool"
    if tp is int:
        return (lambda v: isinstance(v, int) and not isinstance(v, bool)), "int"
    if tp is float:
        return (lambda v: isinstance(v, int | float) and not isinstance(v, bool)), "number"
    if tp is str:
        return (lambda v: isinstance(v, str)), "str"
    if origin is dict or tp is dict:
        return (lambda v: isinstance(v, dict)), "object"
    if origin is list or tp is list:
        args = typing.get_args(tp)
        if args and args[0] is str:
            return (
                lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)
            ), "list of str"
        return (lambda v: isinstance(v, list)), "list"
    if origin is Literal:
        allowed = frozenset(typing.get_args(tp))
        return (lambda v: isinstance(v, str) and v in allowed), " | ".join(
            sorted(map(repr, allowed))
        )
    if origin in (typing.Union, types.UnionType):
        parts = [_checker(a) for a in typing.get_args(tp) if a is not type(None)]
        nullable = type(None) in typing.get_args(tp)
        checks = [c for c, _ in parts]

        def check(v: Any) -> bool:
            return (nullable and v is None) or any(c(v) for c in checks)

        return check, " | ".join(n for _, n in parts) + (" | null" if nullable else "")
    if tp is Any:
        return (lambda v: True), "any"
    raise TypeError(f"unsupported content annotation {tp!r}")


def register(cls: type[C]) -> type[C]:
    """Class decorator: make `cls` a frozen dataclass and register it by msg_type."""
    cls = dataclass(frozen=True, slots=True, eq=False, repr=False)(cls)
    specs = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name == "msg_type":
            continue
        check, type_name = _checker(f.type)
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        specs.append((f.name, check, required, type_name))
    cls._fields = tuple(specs)
    cls._msg_type_is_field = any(f.name == "msg_type" for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    msg_type = cls.__dict__.get("msg_type")
    if isinstance(msg_type, str):
        REGISTRY[msg_type] = cls
    return cls


def from_dict(cls: type[C], content: JSONDict, msg_type: str | None = None) -> C:
    """Validate `content` against `cls`. Raises MalformedMessage naming the field."""
    if cls._msg_type_is_field and not msg_type:
        raise TypeError(f"{cls.__name__} serves many reply types: pass msg_type")
    label = msg_type or cls.msg_type
    kwargs: dict[str, Any] = {}
    for name, check, required, type_name in cls._fields:
        if name in content:
            value = content[name]
            if not check(value):
                raise MalformedMessage(
                    f"{label} field {name!r} must be {type_name}, got {value!r:.80}"
                )
            kwargs[name] = value
        elif required:
            raise MalformedMessage(f"{label} content is missing {name!r}")
    if cls._msg_type_is_field:
        kwargs["msg_type"] = label
    return cls(**kwargs)


def decode(msg: Message) -> Content:
    """The typed content of `msg`. Raises UnknownMessageType or MalformedMessage."""
    cls = REGISTRY.get(msg.msg_type)
    if cls is None:
        raise UnknownMessageType(msg.msg_type)
    return from_dict(cls, msg.content)


# --- shell and control requests -------------------------------------------------------


@register
class KernelInfoRequest(Content):
    msg_type = "kernel_info_request"


@register
class ExecuteRequest(Content):
    msg_type = "execute_request"
    code: str
    silent: bool = False
    store_history: bool = True
    user_expressions: dict[str, Any] = field(default_factory=dict)
    allow_stdin: bool = True
    stop_on_error: bool = True


@register
class CompleteRequest(Content):
    msg_type = "complete_request"
    code: str
    cursor_pos: int | None = None  # in Unicode code points; None means the end


@register
class InspectRequest(Content):
    msg_type = "inspect_request"
    code: str
    cursor_pos: int | None = None
    detail_level: int = 0


@register
class IsCompleteRequest(Content):
    msg_type = "is_complete_request"
    code: str


@register
class HistoryRequest(Content):
    msg_type = "history_request"
    hist_access_type: Literal["range", "tail", "search"]
    output: bool = False
    raw: bool = True
    session: int = 0
    start: int = 0
    stop: int | None = None
    n: int | None = None
    pattern: str = "*"
    unique: bool = False


@register
class CommInfoRequest(Content):
    msg_type = "comm_info_request"
    target_name: str | None = None


@register
class ShutdownRequest(Content):
    msg_type = "shutdown_request"
    restart: bool = False


@register
class InterruptRequest(Content):
    msg_type = "interrupt_request"


@register
class InputReply(Content):
    msg_type = "input_reply"
    value: str


@register
class CommOpen(Content):
    msg_type = "comm_open"
    comm_id: str
    target_name: str
    data: dict[str, Any] = field(default_factory=dict)
    target_module: str | None = None


@register
class CommMsg(Content):
    msg_type = "comm_msg"
    comm_id: str
    data: dict[str, Any] = field(default_factory=dict)


@register
class CommClose(Content):
    msg_type = "comm_close"
    comm_id: str
    data: dict[str, Any] = field(default_factory=dict)


# --- replies ---------------------------------------------------------------------------


@register
class KernelInfoReply(Content):
    msg_type = "kernel_info_reply"
    protocol_version: str
    implementation: str
    implementation_version: str
    language_info: dict[str, Any]
    banner: str = ""
    help_links: list[Any] = field(default_factory=list)
    supported_features: list[str] = field(default_factory=list)
    status: str = "ok"


@register
class ExecuteReply(Content):
    msg_type = "execute_reply"
    execution_count: int
    status: str = "ok"
    user_expressions: dict[str, Any] = field(default_factory=dict)
    payload: list[Any] = field(default_factory=list)
    ename: str | None = None
    evalue: str | None = None
    traceback: list[str] | None = None


@register
class CompleteReply(Content):
    msg_type = "complete_reply"
    matches: list[str]
    cursor_start: int
    cursor_end: int
    metadata: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"


@register
class InspectReply(Content):
    msg_type = "inspect_reply"
    found: bool
    data: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"


@register
class IsCompleteReply(Content):
    msg_type = "is_complete_reply"
    status: Literal["complete", "incomplete", "invalid", "unknown"]
    indent: str | None = None  # only when incomplete


@register
class HistoryReply(Content):
    msg_type = "history_reply"
    history: list[Any]
    status: str = "ok"


@register
class CommInfoReply(Content):
    msg_type = "comm_info_reply"
    comms: dict[str, Any]
    status: str = "ok"


@register
class ShutdownReply(Content):
    msg_type = "shutdown_reply"
    restart: bool = False
    status: str = "ok"


@register
class InterruptReply(Content):
    msg_type = "interrupt_reply"
    status: str = "ok"


@register
class ErrorReply(Content):
    """The error form of any reply; `msg_type` is the reply's own type."""

    msg_type: str  # type: ignore[misc]
    ename: str
    evalue: str
    traceback: list[str] = field(default_factory=list)
    execution_count: int | None = None  # execute_reply only
    status: str = "error"


# --- iopub and stdin -------------------------------------------------------------------


@register
class Status(Content):
    msg_type = "status"
    execution_state: Literal["busy", "idle", "starting", "restarting", "dead"]


@register
class ExecuteInput(Content):
    msg_type = "execute_input"
    code: str
    execution_count: int


@register
class Stream(Content):
    msg_type = "stream"
    name: Literal["stdout", "stderr"]
    text: str


@register
class DisplayData(Content):
    msg_type = "display_data"
    data: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    transient: dict[str, Any] | None = None


@register
class UpdateDisplayData(Content):
    msg_type = "update_display_data"
    data: dict[str, Any]
    metadata: dict[str, Any]
    transient: dict[str, Any]  # display_id is required here


@register
class ExecuteResult(Content):
    msg_type = "execute_result"
    execution_count: int
    data: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)


@register
class Error(Content):
    msg_type = "error"
    ename: str
    evalue: str
    traceback: list[str]


@register
class ClearOutput(Content):
    msg_type = "clear_output"
    wait: bool = False


@register
class IopubWelcome(Content):
    msg_type = "iopub_welcome"
    subscription: str = ""


@register
class InputRequest(Content):
    msg_type = "input_request"
    prompt: str = ""
    password: bool = False
