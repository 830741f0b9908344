"""A ZKTeco-style attendance clock on 127.0.0.1, speaking the ZK protocol over UDP and TCP on one port.

States: ``normal``; ``offline`` (nothing listens on the port); ``silent`` (the port is bound and accepts
TCP connections but nothing answers, like a hung firmware); ``clock_off_10min`` (the device's clock is
ten minutes fast); ``records_95pct`` (attendance record storage 95 % full). The device keeps its wall
time in the host's local time zone, as a clock set by hand would.

In tests: ``with ZKClockSimulator(state="normal") as sim: ... sim.port``. As a script:
``python tests/simulators/zk_clock.py --port 4370 --state normal`` prints ``zk_clock ready port=N``.
"""

from __future__ import annotations

import argparse
import itertools
import signal
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Self

from itops.agent.inputs.attendance_clock.zk_protocol import (
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

STATES = ("normal", "offline", "silent", "clock_off_10min", "records_95pct")
NORMAL_SIZES = FreeSizes(users=120, users_capacity=3000, fingerprints=230, fingerprints_capacity=3000,
                         records=12000, records_capacity=100000, faces=80, faces_capacity=400)
CLOCK_OFF_S = 600
SHUTDOWN_POLL_S = 0.02  # how often the servers look for stop(): tests start and stop dozens of clocks


@dataclass
class DeviceIdentity:
    serial_number: str = "CKJU201960042"
    model: str = "MB460"
    platform: str = "ZMM220_TFT"
    firmware: str = "Ver 6.60 Apr 13 2022"


class ZKClockSimulator:
    """One simulated clock. ``clock`` is the true time (seconds since the epoch) the device's clock drifts from."""

    def __init__(self, state: str = "normal", port: int = 0, comm_key: int = 0,
                 clock: Callable[[], float] = time.time, identity: DeviceIdentity | None = None):
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}; expected one of {', '.join(STATES)}")
        self.state = state
        self.port = port
        self.comm_key = comm_key
        self.clock = clock
        self.identity = identity or DeviceIdentity()
        self.offset_s = CLOCK_OFF_S if state == "clock_off_10min" else 0.0
        self.sizes = replace(NORMAL_SIZES, records=95000) if state == "records_95pct" else NORMAL_SIZES
        self.time_corrections = 0
        self._sessions: dict[int, bool] = {}  # session id → authenticated
        self._session_ids = itertools.count(0x5A17)
        self._lock = threading.Lock()
        self._servers: list[socketserver.BaseServer] = []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> Self:
        if self.state == "offline":
            if not self.port:
                self.port = _unused_port()
            return self
        tcp = _TCPServer(("127.0.0.1", self.port), _TCPHandler)
        self.port = tcp.server_address[1]
        udp = _UDPServer(("127.0.0.1", self.port), _UDPHandler)
        for server in (tcp, udp):
            server.device = self
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_S,), name=f"zk-clock-{server.socket_type}",
                             daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def device_wall_time(self) -> datetime:
        return datetime.fromtimestamp(int(self.clock() + self.offset_s))

    def answer(self, raw: bytes) -> bytes | None:
        """The encoded reply to one request packet; None for packets a device ignores."""
        if self.state == "silent":
            return None
        try:
            request = decode(raw)
        except ProtocolError:
            return None
        with self._lock:
            code, session_id, data = self._execute(request)
        return encode(Packet(code, session_id, request.reply_id, data))

    def _execute(self, request: Packet) -> tuple[int, int, bytes]:
        if request.command == Command.CONNECT:
            session_id = next(self._session_ids)
            self._sessions[session_id] = self.comm_key == 0
            return (Reply.ACK_OK if self.comm_key == 0 else Reply.ACK_UNAUTH), session_id, b""
        session_id = request.session_id
        if session_id not in self._sessions:
            return Reply.ACK_UNAUTH, session_id, b""
        if request.command == Command.AUTH:
            accepted = len(request.data) == 4 and request.data == comm_key_token(self.comm_key, session_id, request.data[2])
            self._sessions[session_id] = accepted
            return (Reply.ACK_OK if accepted else Reply.ACK_UNAUTH), session_id, b""
        if not self._sessions[session_id]:
            return Reply.ACK_UNAUTH, session_id, b""
        code, data = self._command(request, session_id)
        return code, session_id, data

    def _command(self, request: Packet, session_id: int) -> tuple[int, bytes]:
        if request.command == Command.EXIT:
            del self._sessions[session_id]
            return Reply.ACK_OK, b""
        if request.command == Command.GET_TIME:
            return Reply.ACK_OK, encode_time(self.device_wall_time()).to_bytes(4, "little")
        if request.command == Command.SET_TIME and len(request.data) == 4:
            wall = decode_time(int.from_bytes(request.data, "little"))
            self.offset_s = wall.timestamp() - self.clock()
            self.time_corrections += 1
            return Reply.ACK_OK, b""
        if request.command == Command.GET_FREE_SIZES:
            return Reply.ACK_OK, self.sizes.encode()
        if request.command == Command.GET_VERSION:
            return Reply.ACK_OK, self.identity.firmware.encode() + b"\x00"
        if request.command == Command.OPTIONS_RRQ:
            return self._option(request.data.partition(b"\x00")[0].decode("ascii", errors="replace"))
        return Reply.ACK_UNKNOWN, b""

    def _option(self, name: str) -> tuple[int, bytes]:
        options = {"~SerialNumber": self.identity.serial_number, "~DeviceName": self.identity.model,
                   "~Platform": self.identity.platform}
        if name not in options:
            return Reply.ACK_ERROR, b""
        return Reply.ACK_OK, f"{name}={options[name]}".encode() + b"\x00"


class _TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    device: ZKClockSimulator


class _UDPServer(socketserver.UDPServer):
    allow_reuse_address = True
    device: ZKClockSimulator


class _TCPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while True:
            header = _read_exactly(self.request, 8)
            if header is None:
                return
            try:
                payload = _read_exactly(self.request, tcp_payload_length(header))
            except ProtocolError:
                return  # a device drops a connection that does not frame its packets
            if payload is None:
                return
            reply = self.server.device.answer(payload)
            if reply is not None:
                self.request.sendall(tcp_frame(reply))


class _UDPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.device.answer(data)
        if reply is not None:
            sock.sendto(reply, self.client_address)


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    """``size`` bytes, or None when the client closed the connection first."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A simulated ZKTeco attendance clock on 127.0.0.1 (UDP and TCP).")
    parser.add_argument("--port", type=int, default=4370, help="port for both UDP and TCP; 0 picks a free one")
    parser.add_argument("--state", choices=STATES, default="normal")
    parser.add_argument("--comm-key", type=int, default=0, help="the device's comm key; 0 for none")
    args = parser.parse_args(argv)
    # Blocked before the server threads start (they inherit the mask) and then waited for: an Event set from
    # a signal handler can deadlock when the signal lands while the main thread holds the Event's lock.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    with ZKClockSimulator(args.state, args.port, args.comm_key) as simulator:
        print(f"zk_clock ready port={simulator.port} state={args.state}", flush=True)
        signal.sigwait(stop_signals)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
