"""Framing and signing: to_frames / from_frames, Signer, ReplayGuard."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notewire.protocol import (
    DELIMITER,
    Header,
    InvalidSignature,
    MalformedMessage,
    Message,
    ProtocolError,
    ReplayedMessage,
    ReplayGuard,
    Signer,
    from_frames,
    make_message,
    to_frames,
)

SCHEMES = ["hmac-sha256", "hmac-sha512", "hmac-md5"]
KEY = b"a0436f6c-1916-498b-8eb9-e81ab9368e84"

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_leaves,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=4)
idents_st = st.lists(st.binary(max_size=8).filter(lambda b: b != DELIMITER), max_size=3)
buffers_st = st.lists(
    st.one_of(st.binary(max_size=16), st.binary(max_size=16).map(memoryview)), max_size=3
)
signers = st.one_of(
    st.just(Signer(b"")),
    st.builds(Signer, st.binary(min_size=1, max_size=40), st.sampled_from(SCHEMES)),
)
parents = st.one_of(
    st.none(),
    st.builds(
        Header,
        msg_id=st.text(min_size=1, max_size=10),
        msg_type=st.text(min_size=1, max_size=10),
        session=st.text(max_size=10),
        date=st.text(max_size=10),
        extra=st.dictionaries(st.sampled_from(["subshell_id", "x-extension"]), json_values),
    ),
)


def _msg(**kw) -> Message:
    kw.setdefault("session", "sess")
    return make_message(
        kw.pop("msg_type", "execute_request"), kw.pop("content", {"code": "1"}), **kw
    )


def _signed(parts: list[bytes], signer: Signer, idents: list[bytes] = ()) -> list[bytes]:
    """Frames around arbitrary (possibly malformed) JSON parts, correctly signed."""
    return [*idents, DELIMITER, signer.sign(parts), *parts]


def _good_parts() -> list[bytes]:
    return to_frames(_msg(), Signer(b""))[2:6]


# --- round trips ------------------------------------------------------------------------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    signer=signers,
    idents=idents_st,
    content=json_objects,
    metadata=json_objects,
    parent=parents,
    buffers=buffers_st,
    msg_type=st.text(min_size=1, max_size=20),
    username=st.text(min_size=1, max_size=10),
)
def test_round_trip(signer, idents, content, metadata, parent, buffers, msg_type, username) -> None:
    msg = make_message(
        msg_type,
        content,
        session="s",
        parent=parent,
        metadata=metadata,
        buffers=buffers,
        username=username,
    )
    frames = to_frames(msg, signer, idents)
    assert frames[len(idents)] == DELIMITER
    got_idents, got = from_frames(frames, signer)
    assert got_idents == idents
    assert all(type(i) is bytes for i in got_idents)
    assert got == msg
    # buffers travel uncopied both ways
    assert len(got.buffers) == len(buffers)
    for sent, received in zip(buffers, got.buffers, strict=True):
        assert received is sent


@pytest.mark.parametrize("scheme", SCHEMES)
def test_signature_is_hex_hmac_of_the_four_json_frames(scheme: str) -> None:
    msg = _msg(parent=_msg().header, metadata={"a": 1}, buffers=[b"not signed"])
    frames = to_frames(msg, Signer(KEY, scheme), [b"id0", b"id1"])
    assert frames[:2] == [b"id0", b"id1"]
    assert frames[2] == DELIMITER
    digest = scheme.removeprefix("hmac-")
    expected = hmac.new(KEY, b"".join(frames[4:8]), getattr(hashlib, digest)).hexdigest()
    assert frames[3] == expected.encode("ascii")
    assert frames[8:] == [b"not signed"]
    # the JSON frames are exactly header, parent, metadata, content
    assert json.loads(frames[4]) == msg.header.to_dict()
    assert json.loads(frames[5]) == msg.parent_header.to_dict()
    assert json.loads(frames[6]) == {"a": 1}
    assert json.loads(frames[7]) == {"code": "1"}


def test_unsigned_messages_have_an_empty_signature_frame() -> None:
    frames = to_frames(_msg(), Signer(b""))
    assert frames[0] == DELIMITER
    assert frames[1] == b""
    assert frames[3] == b"{}"  # no parent travels as an empty object
    _, got = from_frames(frames, Signer(b""))
    assert got.parent_header is None


def test_memoryview_frames_are_accepted() -> None:
    signer = Signer(KEY)
    msg = _msg(buffers=[b"x"])
    frames = [memoryview(f) for f in to_frames(msg, signer, [b"route"])]
    idents, got = from_frames(frames, signer)
    assert idents == [b"route"]
    assert type(idents[0]) is bytes
    assert got == msg


def test_parent_header_extra_fields_survive_the_wire() -> None:
    parent = Header(
        msg_id="p", msg_type="execute_request", session="c", extra={"subshell_id": "s1"}
    )
    msg = _msg(msg_type="execute_reply", content={"status": "ok"}, parent=parent)
    _, got = from_frames(to_frames(msg, Signer(KEY)), Signer(KEY))
    assert got.parent_header == parent
    assert got.parent_header.extra == {"subshell_id": "s1"}


# --- interop with jupyter_client -------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_interop_with_jupyter_client_session(scheme: str) -> None:
    session_mod = pytest.importorskip("jupyter_client.session")
    theirs = session_mod.Session(key=KEY, signature_scheme=scheme, username="jc")
    ours = Signer(KEY, scheme)

    # theirs -> ours
    jc_msg = theirs.msg("execute_request", content={"code": "print(1)"}, metadata={"m": 1})
    jc_frames = theirs.serialize(jc_msg, ident=[b"client"])
    idents, got = from_frames(jc_frames, ours)
    assert idents == [b"client"]
    assert got.msg_type == "execute_request"
    assert got.msg_id == jc_msg["header"]["msg_id"]
    assert got.header.username == "jc"
    assert got.content == {"code": "print(1)"}
    assert got.metadata == {"m": 1}

    # ours -> theirs
    reply = make_message(
        "execute_reply",
        {"status": "ok", "execution_count": 1},
        session="k",
        parent=got.header,
        buffers=[b"buf"],
    )
    frames = to_frames(reply, ours, idents)
    jc_idents, rest = theirs.feed_identities(frames, copy=True)
    assert jc_idents == [b"client"]
    decoded = theirs.deserialize(rest, content=True, copy=True)
    assert decoded["header"]["msg_id"] == reply.msg_id
    assert decoded["parent_header"]["msg_id"] == jc_msg["header"]["msg_id"]
    assert decoded["content"] == {"status": "ok", "execution_count": 1}
    assert [bytes(b) for b in decoded["buffers"]] == [b"buf"]


# --- tampering ----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_flipping_any_signed_byte_is_detected(scheme: str, data: st.DataObject) -> None:
    signer = Signer(KEY, scheme)
    msg = _msg(parent=_msg().header, metadata={"k": "v"}, content={"code": "x = 1"})
    frames = to_frames(msg, signer, [b"ident"])
    # 2: signature, 3: header, 4: parent, 5: metadata, 6: content
    index = data.draw(st.integers(min_value=2, max_value=6), label="frame")
    frame = bytearray(frames[index])
    pos = data.draw(st.integers(min_value=0, max_value=len(frame) - 1), label="pos")
    frame[pos] ^= data.draw(st.integers(min_value=1, max_value=255), label="xor")
    frames[index] = bytes(frame)
    with pytest.raises(InvalidSignature) as info:
        from_frames(frames, signer)
    assert type(info.value) is InvalidSignature


@pytest.mark.parametrize("index", [3, 4, 5, 6])
def test_truncating_or_extending_a_signed_frame_is_detected(index: int) -> None:
    signer = Signer(KEY)
    frames = to_frames(_msg(parent=_msg().header), signer, [b"ident"])
    for changed in (frames[index][:-1], frames[index] + b" ", b" " + frames[index]):
        tampered = list(frames)
        tampered[index] = changed
        with pytest.raises(InvalidSignature):
            from_frames(tampered, signer)


def test_swapping_json_frames_is_detected() -> None:
    signer = Signer(KEY)
    frames = to_frames(_msg(metadata={"a": 1}, content={"a": 1, "code": "2"}), signer)
    frames[4], frames[5] = frames[5], frames[4]  # metadata <-> content
    with pytest.raises(InvalidSignature):
        from_frames(frames, signer)


def test_signature_is_checked_before_json_is_parsed() -> None:
    signer = Signer(KEY)
    frames = [DELIMITER, b"0" * 64, b"not json", b"\xff", b"[]", b"NaN"]
    with pytest.raises(InvalidSignature):
        from_frames(frames, signer)


def test_buffers_are_not_signed() -> None:
    signer = Signer(KEY)
    msg = _msg(buffers=[b"original", b"second"])
    frames = to_frames(msg, signer)
    frames[-2] = b"changed!"
    frames.append(b"an extra buffer")
    _, got = from_frames(frames, signer)
    assert got.buffers == (b"changed!", b"second", b"an extra buffer")
    assert got.content == msg.content


def test_changing_idents_does_not_break_the_signature() -> None:
    signer = Signer(KEY)
    frames = to_frames(_msg(), signer, [b"a"])
    idents, _ = from_frames([b"b", b"c", *frames[1:]], signer)
    assert idents == [b"b", b"c"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_wrong_key_is_rejected(scheme: str) -> None:
    frames = to_frames(_msg(), Signer(KEY, scheme))
    with pytest.raises(InvalidSignature, match="does not match"):
        from_frames(frames, Signer(KEY + b"x", scheme))
    with pytest.raises(InvalidSignature):
        from_frames(frames, Signer(KEY[:-1], scheme))


def test_wrong_scheme_is_rejected() -> None:
    frames = to_frames(_msg(), Signer(KEY, "hmac-sha256"))
    for scheme in ("hmac-sha512", "hmac-md5", "hmac-sha1"):
        with pytest.raises(InvalidSignature):
            from_frames(frames, Signer(KEY, scheme))


def test_unsigned_message_is_rejected_by_a_signed_receiver() -> None:
    frames = to_frames(_msg(), Signer(b""))
    assert frames[1] == b""
    with pytest.raises(InvalidSignature):
        from_frames(frames, Signer(KEY))


def test_uppercase_hex_signature_is_rejected() -> None:
    signer = Signer(KEY)
    frames = to_frames(_msg(), signer)
    frames[1] = frames[1].upper()
    assert frames[1] != to_frames(_msg(), signer)[1]
    with pytest.raises(InvalidSignature):
        from_frames(frames, signer)


def test_receiver_without_key_ignores_signatures() -> None:
    frames = to_frames(_msg(), Signer(KEY))
    frames[1] = b"whatever"
    _, got = from_frames(frames, Signer(b""))
    assert got.content == {"code": "1"}


def test_verify_uses_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    import notewire.protocol.wire as wire

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(wire.hmac, "compare_digest", spy)
    signer = Signer(KEY)
    frames = to_frames(_msg(), signer)
    from_frames(frames, signer)
    assert calls == [(frames[1], frames[1])]


@settings(max_examples=100, deadline=None)
@given(cut=st.lists(st.integers(min_value=0, max_value=10_000), min_size=3, max_size=3))
def test_moving_frame_boundaries_never_yields_a_different_message(cut: list[int]) -> None:
    """The HMAC covers the concatenation of the four frames (as the spec says), so a
    re-split keeps the signature valid; compact JSON objects admit only one split."""
    signer = Signer(KEY)
    msg = _msg(parent=_msg().header, metadata={"m": "}{"}, content={"code": '"}{"'})
    frames = to_frames(msg, signer)
    joined = b"".join(frames[2:6])
    points = sorted(c % (len(joined) + 1) for c in cut)
    parts = [
        joined[: points[0]],
        joined[points[0] : points[1]],
        joined[points[1] : points[2]],
        joined[points[2] :],
    ]
    try:
        _, got = from_frames([DELIMITER, frames[1], *parts], signer)
    except MalformedMessage:
        return
    assert parts == frames[2:6]
    assert got == msg


# --- replay --------------------------------------------------------------------------------


def test_replayed_frames_are_refused() -> None:
    signer = Signer(KEY)
    guard = ReplayGuard()
    frames = to_frames(_msg(), signer, [b"id"])
    from_frames(frames, signer, guard)
    with pytest.raises(ReplayedMessage, match="seen before"):
        from_frames(frames, signer, guard)
    # the same frames with different routing idents are still a replay
    with pytest.raises(ReplayedMessage):
        from_frames([b"other", *frames[1:]], signer, guard)
    # a ReplayedMessage is an InvalidSignature
    assert issubclass(ReplayedMessage, InvalidSignature)
    # a fresh message is fine
    from_frames(to_frames(_msg(), signer), signer, guard)


def test_replay_guard_is_bounded_and_forgets_the_oldest() -> None:
    signer = Signer(KEY)
    guard = ReplayGuard(capacity=3)
    msgs = [to_frames(_msg(), signer) for _ in range(4)]
    for frames in msgs:
        from_frames(frames, signer, guard)
    # capacity 3: the first was forgotten, the last three are remembered
    assert len(guard._seen) == 3
    for frames in msgs[1:]:
        with pytest.raises(ReplayedMessage):
            from_frames(frames, signer, guard)
    from_frames(msgs[0], signer, guard)  # forgotten, so accepted (and remembered again)
    with pytest.raises(ReplayedMessage):
        from_frames(msgs[0], signer, guard)
    # remembering msgs[0] again pushed out msgs[1], the oldest at that point
    from_frames(msgs[1], signer, guard)
    assert len(guard._seen) == 3


def test_replay_guard_check_directly() -> None:
    guard = ReplayGuard(capacity=2)
    guard.check(b"a")
    guard.check(b"b")
    with pytest.raises(ReplayedMessage):
        guard.check(b"a")
    guard.check(b"c")  # evicts a
    guard.check(b"a")  # evicts b
    with pytest.raises(ReplayedMessage):
        guard.check(b"c")
    guard.check(b"b")


def test_replay_guard_ignores_unsigned_messages() -> None:
    signer = Signer(b"")
    guard = ReplayGuard()
    frames = to_frames(_msg(), signer)
    for _ in range(3):
        from_frames(frames, signer, guard)
    assert len(guard._seen) == 0


def test_forged_message_does_not_poison_the_replay_guard() -> None:
    signer = Signer(KEY)
    guard = ReplayGuard()
    frames = to_frames(_msg(), signer)
    forged = list(frames)
    forged[5] = b'{"code":"evil"}'
    with pytest.raises(InvalidSignature) as info:
        from_frames(forged, signer, guard)
    assert not isinstance(info.value, ReplayedMessage)
    _, got = from_frames(frames, signer, guard)  # the genuine one still gets through
    assert got.content == {"code": "1"}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=4), min_size=1, max_size=30), st.integers(1, 5))
def test_replay_guard_model(signatures: list[bytes], capacity: int) -> None:
    guard = ReplayGuard(capacity=capacity)
    remembered: list[bytes] = []
    for sig in signatures:
        if sig in remembered:
            with pytest.raises(ReplayedMessage):
                guard.check(sig)
        else:
            guard.check(sig)
            remembered.append(sig)
            if len(remembered) > capacity:
                remembered.pop(0)
        assert list(guard._seen) == remembered


# --- malformed frames ------------------------------------------------------------------


@pytest.mark.parametrize("signer", [Signer(b""), Signer(KEY)], ids=["unsigned", "signed"])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_too_few_frames_after_the_delimiter(signer: Signer, n: int) -> None:
    frames = to_frames(_msg(), signer, [b"id"])[: 2 + n]
    with pytest.raises(MalformedMessage, match=f"at least 5 frames .* got {n}"):
        from_frames(frames, signer)


@pytest.mark.parametrize(
    "frames",
    [[], [b"a"], [b"<IDS|MSG"], [b"<ids|msg>", b"", b"{}", b"{}", b"{}", b"{}"], [b"x"] * 10],
)
def test_no_delimiter(frames: list[bytes]) -> None:
    with pytest.raises(MalformedMessage, match="delimiter"):
        from_frames(frames, Signer(b""))


def _header(**kw) -> bytes:
    d = {
        "msg_id": "m",
        "msg_type": "status",
        "session": "s",
        "username": "u",
        "date": "",
        "version": "5.3",
    }
    d.update(kw)
    return json.dumps({k: v for k, v in d.items() if v is not ...}).encode()


BAD_PARTS = [
    # (header, parent, metadata, content), expected words in the error
    ((b"\xff\xfe", b"{}", b"{}", b"{}"), "not UTF-8"),
    ((_header(), b"{}", b"{}", b"\xc3\x28"), "not UTF-8"),
    ((b"{not json", b"{}", b"{}", b"{}"), "not JSON"),
    ((_header(), b"{}", b"{}", b""), "not JSON"),
    ((b"[]", b"{}", b"{}", b"{}"), "header must be a JSON object, got list"),
    ((_header(), b"5", b"{}", b"{}"), "parent_header must be a JSON object, got int"),
    ((_header(), b"{}", b'"s"', b"{}"), "metadata must be a JSON object, got str"),
    ((_header(), b"{}", b"{}", b"null"), "content must be a JSON object, got NoneType"),
    ((_header(), b"{}", b"{}", b'{"x": NaN}'), "NaN"),
    ((_header(), b"{}", b'{"x": Infinity}', b"{}"), "Infinity"),
    ((_header(), b"{}", b"{}", b'{"x": [-Infinity]}'), "-Infinity"),
    ((_header(), b"{}", b"{}", b'{"x": 1e999}'), "out of range"),
    ((_header(msg_id=...), b"{}", b"{}", b"{}"), "'msg_id'"),
    ((_header(msg_type=...), b"{}", b"{}", b"{}"), "'msg_type'"),
    ((_header(msg_id=""), b"{}", b"{}", b"{}"), "'msg_id'"),
    ((_header(msg_type=7), b"{}", b"{}", b"{}"), "'msg_type'"),
    ((_header(session=1), b"{}", b"{}", b"{}"), "'session'"),
    (
        (_header(), b'{"session": "x"}', b"{}", b"{}"),
        "parent_header needs a non-empty string 'msg_id'",
    ),
    ((_header(), _header(date=None), b"{}", b"{}"), "parent_header field 'date'"),
    ((b"[" * 100_000, b"{}", b"{}", b"{}"), "nested too deeply"),
]


@pytest.mark.parametrize(
    "signer", [Signer(b""), Signer(KEY, "hmac-sha512")], ids=["unsigned", "signed"]
)
@pytest.mark.parametrize(("parts", "words"), BAD_PARTS)
def test_malformed_parts_raise_malformed_message(signer: Signer, parts, words: str) -> None:
    frames = _signed(list(parts), signer, [b"ident"])
    with pytest.raises(MalformedMessage) as info:
        from_frames(frames, signer)
    assert type(info.value) is MalformedMessage
    assert words in str(info.value)


def test_empty_parent_header_means_no_parent() -> None:
    parts = [_header(), b"{}", b"{}", b"{}"]
    _, msg = from_frames(_signed(parts, Signer(KEY)), Signer(KEY))
    assert msg.parent_header is None
    assert msg.parent_id is None


def test_unknown_msg_type_is_fine_at_the_envelope_level() -> None:
    parts = [_header(msg_type="x_future_message"), b"{}", b"{}", b'{"anything": [1]}']
    _, msg = from_frames(_signed(parts, Signer(KEY)), Signer(KEY))
    assert msg.msg_type == "x_future_message"
    assert msg.content == {"anything": [1]}


# --- fuzzing: from_frames raises only ProtocolError ------------------------------------

json_fragments = st.sampled_from(
    [b"{}", b"[]", b"null", b"NaN", b"Infinity", b"1e999", b'{"a":', b"\xff", b"", b'"\\ud800"']
)
_short = st.text(min_size=1, max_size=6)
mostly_strings = st.one_of(_short, _short, _short, _short, json_values)
header_dicts = st.fixed_dictionaries(
    {"msg_id": mostly_strings, "msg_type": mostly_strings},
    optional={
        "session": mostly_strings,
        "username": mostly_strings,
        "date": mostly_strings,
        "version": mostly_strings,
        "subshell_id": json_values,
    },
).map(lambda d: json.dumps(d).encode())
object_frames = st.one_of(
    st.just(b"{}"), json_objects.map(lambda d: json.dumps(d).encode()), header_dicts
)
frame_st = st.one_of(
    st.binary(max_size=40),
    json_fragments,
    json_values.map(lambda v: json.dumps(v).encode()),
    object_frames,
    st.just(DELIMITER),
)
# header, parent, metadata, content: often valid, sometimes anything
parts_st = st.tuples(
    st.one_of(header_dicts, header_dicts, frame_st),
    st.one_of(st.just(b"{}"), header_dicts, frame_st),
    st.one_of(object_frames, frame_st),
    st.one_of(object_frames, frame_st),
).map(list)
frame_lists = st.one_of(
    st.lists(frame_st, max_size=10),
    st.tuples(idents_st, st.lists(frame_st, max_size=8)).map(lambda t: [*t[0], DELIMITER, *t[1]]),
    st.tuples(
        idents_st, st.binary(max_size=4), parts_st, st.lists(st.binary(max_size=4), max_size=2)
    ).map(lambda t: [*t[0], DELIMITER, t[1], *t[2], *t[3]]),
)


def _check_only_protocol_errors(frames: list[bytes], signer: Signer) -> None:
    try:
        idents, msg = from_frames(frames, signer)
    except ProtocolError:
        return
    assert isinstance(msg, Message)
    assert DELIMITER in frames
    assert all(type(i) is bytes for i in idents)
    # whatever was accepted can be sent on again
    again = from_frames(to_frames(msg, signer, idents), signer)
    assert again == (idents, msg)


@settings(max_examples=200, deadline=None)
@given(frames=frame_lists)
def test_arbitrary_frames_unsigned(frames: list[bytes]) -> None:
    _check_only_protocol_errors(frames, Signer(b""))


@settings(max_examples=100, deadline=None)
@given(frames=frame_lists)
def test_arbitrary_frames_signed(frames: list[bytes]) -> None:
    _check_only_protocol_errors(frames, Signer(KEY))


@settings(max_examples=150, deadline=None)
@given(
    idents=idents_st,
    parts=parts_st,
    buffers=st.lists(st.binary(max_size=8), max_size=2),
    scheme=st.sampled_from(SCHEMES),
)
def test_arbitrary_but_correctly_signed_parts(idents, parts, buffers, scheme) -> None:
    """Past the signature check, bad JSON still raises only MalformedMessage."""
    signer = Signer(KEY, scheme)
    frames = [*_signed(parts, signer, idents), *buffers]
    try:
        got_idents, msg = from_frames(frames, signer)
    except MalformedMessage:
        return  # anything else (InvalidSignature included) fails the test
    assert got_idents == idents
    assert msg.buffers == tuple(buffers)


@settings(max_examples=150, deadline=None)
@given(
    where=st.sampled_from([0, 1]),  # header or parent_header
    field=st.sampled_from(
        ["msg_id", "msg_type", "session", "username", "date", "version", "subshell_id"]
    ),
    value=json_values,
)
def test_one_bad_header_field(where: int, field: str, value: object) -> None:
    """A header with one field set to any JSON value either decodes (and keeps it) or
    raises MalformedMessage naming that field and that header."""
    good = make_message("status", {}, session="s").header.to_dict()
    headers = [dict(good), dict(good, msg_id="parent")]
    headers[where][field] = value
    parts = [json.dumps(headers[0]).encode(), json.dumps(headers[1]).encode(), b"{}", b"{}"]
    signer = Signer(KEY)
    frames = _signed(parts, signer)
    try:
        _, msg = from_frames(frames, signer)
    except MalformedMessage:
        expected = "^" + ("parent_header " if where else "header ") + ".*" + repr(field)
        with pytest.raises(MalformedMessage, match=expected) as info:
            from_frames(frames, signer)
        assert type(info.value) is MalformedMessage
        return
    header = (msg.header, msg.parent_header)[where]
    if field == "subshell_id":
        assert header.extra == {"subshell_id": value}
    elif value:  # empty username/version fall back to defaults
        assert getattr(header, field) == value
    else:
        assert value == ""
        assert field in ("session", "username", "date", "version")


# --- Signer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheme",
    ["sha256", "hmac_sha256", "", "hmac-", "hmac-nonsense", "hmac-shake_128", "HMAC-sha256"],
)
def test_signer_refuses_bad_schemes(scheme: str) -> None:
    with pytest.raises(InvalidSignature, match="scheme"):
        Signer(KEY, scheme)


def test_signer_with_empty_key_signs_nothing() -> None:
    signer = Signer(b"", "hmac-sha512")
    assert signer.sign([b"a", b"b"]) == b""
    signer.verify(b"anything", [b"a"])  # no-op


def test_signer_is_reusable_and_deterministic() -> None:
    signer = Signer(KEY)
    a = signer.sign([b"one", b"two"])
    signer.sign([b"other"])
    assert signer.sign([b"one", b"two"]) == a
    assert signer.sign([b"one", memoryview(b"two")]) == a
    assert a == hmac.new(KEY, b"onetwo", hashlib.sha256).hexdigest().encode()
    signer.verify(a, [b"one", b"two"])
    signer.verify(memoryview(a), [b"one", b"two"])
    with pytest.raises(InvalidSignature):
        signer.verify(a, [b"one", b"three"])
