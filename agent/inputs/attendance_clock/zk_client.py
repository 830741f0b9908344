"""A small client of the ZK protocol: one session with one clock, the few commands monitoring needs.

Socket errors (refused, timed out, unreachable) propagate as ``OSError``; a peer that answers with
something other than ZK packets raises ``ProtocolError``, a wrong comm key ``CommKeyRefused``.
"""

from __future__ import annotations

import socket
from datetime import datetime
from typing import Literal, Self

from itops.agent.inputs.attendance_clock.zk_protocol import (
    MAX_PACKET_BYTES,
    Command,
    FreeSizes,
    Packet,
    ProtocolError,
    Reply,
    comm_key_token,
    decode,
    decode_time,
    encode,
    encode_time,
    tcp_frame,
    tcp_payload_length,
)

__all__ = ["CommKeyRefused", "ZKClient"]

_TCP_HEADER_BYTES = 8
_REPLY_NAMES = {reply.value: reply.name for reply in Reply}


class CommKeyRefused(ProtocolError):
    """The clock speaks the protocol but did not accept the comm key."""


class ZKClient:
    """``with ZKClient(...) as client: client.connect(comm_key)`` — the session ends (CMD_EXIT) on leaving."""

    def __init__(self, host: str, port: int, protocol: Literal["udp", "tcp"], timeout_s: float):
        self.address = (host, port)
        self.protocol = protocol
        self.timeout_s = timeout_s
        self.session_id = 0
        self.reply_id = 0
        self._sock: socket.socket | None = None
        self._connected = False

    def __enter__(self) -> Self:
        if self.protocol == "tcp":
            self._sock = socket.create_connection(self.address, timeout=self.timeout_s)
        else:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._sock.settimeout(self.timeout_s)
            # A connected UDP socket hears the ICMP "port unreachable" of a closed port as ConnectionRefusedError.
            self._sock.connect(self.address)
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if self._connected and exc_info[0] is None:
                self.request(Command.EXIT)
        finally:
            self._sock.close()

    def connect(self, comm_key: int = 0) -> None:
        reply = self.request(Command.CONNECT)
        self.session_id = reply.session_id
        if reply.command == Reply.ACK_UNAUTH:
            reply = self.request(Command.AUTH, comm_key_token(comm_key, self.session_id))
            if reply.command == Reply.ACK_UNAUTH:
                raise CommKeyRefused("the clock refused the comm key")
        _expect_ok(reply, "CONNECT")
        self._connected = True

    def device_time(self) -> datetime:
        data = _expect_ok(self.request(Command.GET_TIME), "GET_TIME").data
        if len(data) < 4:
            raise ProtocolError(f"GET_TIME answered {len(data)} bytes, expected 4")
        return decode_time(int.from_bytes(data[:4], "little"))

    def set_device_time(self, wall: datetime) -> None:
        _expect_ok(self.request(Command.SET_TIME, encode_time(wall).to_bytes(4, "little")), "SET_TIME")

    def free_sizes(self) -> FreeSizes:
        return FreeSizes.decode(_expect_ok(self.request(Command.GET_FREE_SIZES), "GET_FREE_SIZES").data)

    def option(self, name: str) -> str:
        """A ``name=value`` setting such as ``~SerialNumber``; empty when the clock does not know it."""
        reply = self.request(Command.OPTIONS_RRQ, name.encode("ascii") + b"\x00")
        if reply.command != Reply.ACK_OK:
            return ""
        return _text(reply.data).partition("=")[2]

    def firmware_version(self) -> str:
        return _text(_expect_ok(self.request(Command.GET_VERSION), "GET_VERSION").data)

    def request(self, command: int, data: bytes = b"") -> Packet:
        sent = Packet(command, self.session_id, self.reply_id, data)
        self.reply_id = (self.reply_id + 1) & 0xFFFF
        payload = encode(sent)
        if self.protocol == "tcp":
            self._sock.sendall(tcp_frame(payload))
            reply = decode(self._receive_tcp())
        else:
            self._sock.send(payload)
            reply = decode(self._sock.recv(MAX_PACKET_BYTES))
        if reply.reply_id != sent.reply_id:
            raise ProtocolError(f"answer to request {reply.reply_id} received for request {sent.reply_id}")
        return reply

    def _receive_tcp(self) -> bytes:
        return self._receive_exactly(tcp_payload_length(self._receive_exactly(_TCP_HEADER_BYTES)))

    def _receive_exactly(self, size: int) -> bytes:
        chunks, missing = [], size
        while missing:
            chunk = self._sock.recv(missing)
            if not chunk:
                raise ProtocolError("the clock closed the connection in the middle of an answer")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)


def _expect_ok(reply: Packet, what: str) -> Packet:
    if reply.command != Reply.ACK_OK:
        raise ProtocolError(f"the clock answered {what} with {_REPLY_NAMES.get(reply.command, reply.command)}")
    return reply


def _text(data: bytes) -> str:
    return data.partition(b"\x00")[0].decode("ascii", errors="replace")
