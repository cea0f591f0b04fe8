"""Which awareness states (cursors, selections) each browser announced, so that a
browser that goes away can be removed from everyone's view at once rather than after
y-protocols' 30-second timeout.

Awareness updates are relayed as they are; this only reads them. Layout (y-protocols):
varbytes(update), update = varuint n, then n × (varuint client, varuint clock,
varstring JSON state); a state of `null` removes that client.
"""

from __future__ import annotations

import pycrdt


def announced(payload: bytes) -> dict[int, int]:
    """The clients and clocks in an awareness message (without its tag byte). Raises
    ValueError for a malformed one."""
    try:
        update = pycrdt.Decoder(payload).read_message()
        if update is None:
            raise ValueError("empty awareness message")
        decoder = pycrdt.Decoder(update)
        clients = {}
        for _ in range(decoder.read_var_uint()):
            client, clock = decoder.read_var_uint(), decoder.read_var_uint()
            decoder.read_var_string()
            clients[client] = clock
    except (IndexError, RuntimeError) as exc:  # pycrdt's decoder says "Y protocol error"
        raise ValueError(f"malformed awareness message: {exc}") from exc
    return clients


def removal(clients: dict[int, int]) -> bytes:
    """An awareness message (without its tag byte) that removes these clients."""
    update = pycrdt.Encoder()
    update.write_var_uint(len(clients))
    for client, clock in clients.items():
        update.write_var_uint(client)
        update.write_var_uint(clock + 1)
        update.write_var_string("null")
    message = pycrdt.Encoder()
    data = update.to_bytes()
    message.write_var_uint(len(data))
    return message.to_bytes() + data
