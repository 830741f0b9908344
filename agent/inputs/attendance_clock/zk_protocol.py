"""The packets of the ZK standalone-terminal protocol (ZKTeco attendance clocks, port 4370).

A packet is an 8-byte header (command or reply code, checksum, session id, reply number, all
little-endian 16-bit) followed by command data. Over UDP one datagram carries one packet; over TCP each
packet is preceded by ``50 50 82 7d`` and its length as a little-endian 32-bit integer. The device hands
out the session id in its reply to CONNECT; every reply echoes the reply number of its request.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

__all__ = [
    "TCP_START",
    "Command",
    "FreeSizes",
    "Packet",
    "ProtocolError",
    "Reply",
    "checksum",
    "comm_key_token",
    "decode",
    "decode_time",
    "encode",
    "encode_time",
    "tcp_frame",
    "tcp_payload_length",
]

TCP_START = b"\x50\x50\x82\x7d"
_HEADER = struct.Struct("<4H")
_TCP_HEADER = struct.Struct("<4sI")
# The device's own limit: a reply longer than this is not one of the replies the client asks for.
MAX_PACKET_BYTES = 65536


class Command(enum.IntEnum):
    OPTIONS_RRQ = 11
    GET_FREE_SIZES = 50
    GET_TIME = 201
    SET_TIME = 202
    CONNECT = 1000
    EXIT = 1001
    GET_VERSION = 1100
    AUTH = 1102


class Reply(enum.IntEnum):
    ACK_OK = 2000
    ACK_ERROR = 2001
    ACK_UNAUTH = 2005
    ACK_UNKNOWN = 0xFFFF


class ProtocolError(Exception):
    """The peer answered, but not as a ZK device does."""


class Packet(NamedTuple):
    command: int
    session_id: int
    reply_id: int
    data: bytes = b""


def checksum(payload: bytes) -> int:
    """Ones' complement of the ones' complement sum of the little-endian 16-bit words of ``payload``."""
    if len(payload) % 2:
        payload += b"\x00"
    total = sum(word for (word,) in struct.iter_unpack("<H", payload))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total ^ 0xFFFF


def encode(packet: Packet) -> bytes:
    unsummed = _HEADER.pack(packet.command, 0, packet.session_id, packet.reply_id) + packet.data
    return _HEADER.pack(packet.command, checksum(unsummed), packet.session_id, packet.reply_id) + packet.data


def decode(raw: bytes) -> Packet:
    if len(raw) < _HEADER.size:
        raise ProtocolError(f"got {len(raw)} bytes, shorter than a ZK packet header")
    command, received_checksum, session_id, reply_id = _HEADER.unpack_from(raw)
    data = raw[_HEADER.size:]
    expected = checksum(_HEADER.pack(command, 0, session_id, reply_id) + data)
    if received_checksum != expected:
        raise ProtocolError(f"bad checksum {received_checksum:#06x} (expected {expected:#06x}): not a ZK packet")
    return Packet(command, session_id, reply_id, data)


def tcp_frame(payload: bytes) -> bytes:
    return _TCP_HEADER.pack(TCP_START, len(payload)) + payload


def tcp_payload_length(header: bytes) -> int:
    """The length announced by an 8-byte TCP header."""
    start, length = _TCP_HEADER.unpack(header)
    if start != TCP_START:
        raise ProtocolError(f"TCP frame starts with {start.hex()}, not {TCP_START.hex()}: not a ZK device")
    if not _HEADER.size <= length <= MAX_PACKET_BYTES:
        raise ProtocolError(f"TCP frame announces {length} bytes: not a ZK packet")
    return length


def encode_time(wall: datetime) -> int:
    """The device's clock format: seconds in a calendar of 31-day months and 12-month years since 2000."""
    days = ((wall.year % 100) * 12 + wall.month - 1) * 31 + wall.day - 1
    return ((days * 24 + wall.hour) * 60 + wall.minute) * 60 + wall.second


def decode_time(value: int) -> datetime:
    minutes, second = divmod(value, 60)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    months, day = divmod(days, 31)
    years, month = divmod(months, 12)
    return datetime(2000 + years, month + 1, day + 1, hour, minute, second)


def comm_key_token(comm_key: int, session_id: int, ticks: int = 50) -> bytes:
    """The CMD_AUTH data proving the comm key: the key's bits reversed, plus the session id, scrambled
    with ``ZKSO`` and ``ticks`` (sent in the clear in byte 2, so the device can undo it)."""
    reversed_key = int(f"{comm_key & 0xFFFFFFFF:032b}"[::-1], 2)
    salted = ((reversed_key + session_id) & 0xFFFFFFFF).to_bytes(4, "little")
    scrambled = bytes(byte ^ mask for byte, mask in zip(salted, b"ZKSO"))
    swapped = scrambled[2:] + scrambled[:2]
    return bytes((swapped[0] ^ ticks, swapped[1] ^ ticks, ticks, swapped[3] ^ ticks))


# CMD_GET_FREE_SIZES answers 20 little-endian int32 counters, then 3 about faces on devices that have them.
_SIZES = struct.Struct("<20i")
_FACE_SIZES = struct.Struct("<3i")
_USERS, _FINGERPRINTS, _RECORDS = 4, 6, 8
_FINGERPRINTS_CAPACITY, _USERS_CAPACITY, _RECORDS_CAPACITY = 14, 15, 16
_FACES, _FACES_CAPACITY = 0, 2


@dataclass(frozen=True)
class FreeSizes:
    """What the device stores and how much it can store; a capacity of 0 means the device has no such store."""

    users: int
    users_capacity: int
    fingerprints: int
    fingerprints_capacity: int
    records: int
    records_capacity: int
    faces: int = 0
    faces_capacity: int = 0

    @classmethod
    def decode(cls, data: bytes) -> FreeSizes:
        if len(data) < _SIZES.size:
            raise ProtocolError(f"free sizes reply has {len(data)} bytes, expected at least {_SIZES.size}")
        fields = _SIZES.unpack_from(data)
        faces = _FACE_SIZES.unpack_from(data, _SIZES.size) if len(data) >= _SIZES.size + _FACE_SIZES.size else (0, 0, 0)
        return cls(
            users=fields[_USERS], users_capacity=fields[_USERS_CAPACITY],
            fingerprints=fields[_FINGERPRINTS], fingerprints_capacity=fields[_FINGERPRINTS_CAPACITY],
            records=fields[_RECORDS], records_capacity=fields[_RECORDS_CAPACITY],
            faces=faces[_FACES], faces_capacity=faces[_FACES_CAPACITY],
        )

    def encode(self) -> bytes:
        fields = [0] * 20
        fields[_USERS], fields[_USERS_CAPACITY] = self.users, self.users_capacity
        fields[_FINGERPRINTS], fields[_FINGERPRINTS_CAPACITY] = self.fingerprints, self.fingerprints_capacity
        fields[_RECORDS], fields[_RECORDS_CAPACITY] = self.records, self.records_capacity
        # The three counters after the capacities are what is still free.
        fields[17] = self.fingerprints_capacity - self.fingerprints
        fields[18] = self.users_capacity - self.users
        fields[19] = self.records_capacity - self.records
        return _SIZES.pack(*fields) + _FACE_SIZES.pack(self.faces, 0, self.faces_capacity)
