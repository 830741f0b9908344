"""The ``ping`` input: ICMP echo through an unprivileged ICMP socket, so the agent needs no root or CAP_NET_RAW.

Linux allows ``socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)`` to processes whose group is within the
``net.ipv4.ping_group_range`` sysctl (IPv6 uses the same setting). The kernel sets the echo identifier
and checksum and hands back only replies to this socket, so replies are told apart by sequence number.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from pathlib import Path

from itops.agent.checks import CheckMessage, CheckStatus, MessagePart
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.ping.config import PingConfig
from itops.agent.inputs.target_check import TargetCheck, Verdict
from itops.agent.inputs.tcp_connect.tcp_connect import UNRESOLVED

__all__ = ["PingInput", "PING_GROUP_RANGE"]

NOT_ALLOWED = CheckMessage(
    "ping.not_allowed",
    "unprivileged ICMP sockets are not allowed for the agent's group (gid {gid}; net.ipv4.ping_group_range is "
    "\"{current}\"): set the sysctl to a range that includes it, e.g. `sysctl -w net.ipv4.ping_group_range=\"0 "
    "2147483647\"` and the same line in /etc/sysctl.d/")
SEND_FAILED = CheckMessage("ping.send_failed", "cannot send echo requests: {error}")
NO_REPLY = CheckMessage("ping.no_reply", "no reply to {count} echo requests within {timeout_s:g}s each")
REPLIES = CheckMessage("ping.replies", "{replies} of {count} replies, average round trip {average_ms:.3f} ms")
LOSS_HIGH = CheckMessage("ping.loss_high", "loss {loss_ratio:.0%} above the tolerated {max_loss_ratio:.0%}")
PING_GROUP_RANGE = Path("/proc/sys/net/ipv4/ping_group_range")
# family -> (socket protocol, echo request type, echo reply type)
_ECHO = {
    socket.AF_INET: (socket.IPPROTO_ICMP, 8, 0),
    socket.AF_INET6: (socket.IPPROTO_ICMPV6, 128, 129),
}
_ECHO_HEADER = struct.Struct("!BBHHH")  # type, code, checksum, identifier, sequence
_PAYLOAD = b"itops-agent-ping"


class PingInput(TargetCheck[PingConfig, str, list[float]]):
    failures = (OSError,)

    def targets(self) -> list[str]:
        return self.config.hosts

    def probe(self, host: str) -> list[float]:
        """Round-trip times of the replies that came back in time, in seconds."""
        family, address = _resolve(host)
        protocol, request_type, reply_type = _ECHO[family]
        round_trips = []
        with socket.socket(family, socket.SOCK_DGRAM, protocol) as sock:
            for sequence in range(self.config.count):
                if sequence:
                    time.sleep(self.config.packet_interval)
                sent = time.monotonic()
                sock.sendto(_ECHO_HEADER.pack(request_type, 0, 0, 0, sequence) + _PAYLOAD, (address, 0))
                if _await_reply(sock, reply_type, sequence, sent + self.config.reply_timeout):
                    round_trips.append(time.monotonic() - sent)
        return round_trips

    def describe_failure(self, failure: OSError) -> Verdict:
        if isinstance(failure, socket.gaierror):
            return CheckStatus.CRITICAL, UNRESOLVED(error=failure.strerror)
        if isinstance(failure, PermissionError):
            return CheckStatus.UNKNOWN, _not_allowed_message()
        return CheckStatus.CRITICAL, SEND_FAILED(error=failure.strerror or failure)

    def judge(self, acc: Accumulator, host: str, round_trips: list[float], duration_s: float) -> Verdict:
        """Loss and average round trip; how long the echo requests took as a whole says nothing more."""
        count = self.config.count
        loss_ratio = 1 - len(round_trips) / count
        acc.add_sample("itops_ping_loss_ratio", loss_ratio, {"target": host})
        if not round_trips:
            return CheckStatus.CRITICAL, [NO_REPLY(count=count, timeout_s=self.config.reply_timeout)]
        average_s = sum(round_trips) / len(round_trips)
        acc.add_sample("itops_ping_rtt_seconds", average_s, {"target": host})
        summary = REPLIES(replies=len(round_trips), count=count, average_ms=average_s * 1000)
        if loss_ratio > self.config.max_loss_ratio:
            return CheckStatus.WARNING, [summary, LOSS_HIGH(loss_ratio=loss_ratio, max_loss_ratio=self.config.max_loss_ratio)]
        return CheckStatus.OK, [summary]


def _resolve(host: str) -> tuple[socket.AddressFamily, str]:
    family, _, _, _, address = socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM)[0]
    return family, address[0]


def _await_reply(sock: socket.socket, reply_type: int, sequence: int, deadline: float) -> bool:
    while (left_s := deadline - time.monotonic()) > 0:
        sock.settimeout(left_s)
        try:
            packet = sock.recv(2048)
        except TimeoutError:
            return False
        if len(packet) >= _ECHO_HEADER.size:
            kind, _, _, _, answered = _ECHO_HEADER.unpack_from(packet)
            if kind == reply_type and answered == sequence:
                return True
    return False


def _not_allowed_message() -> MessagePart:
    try:
        current = " ".join(PING_GROUP_RANGE.read_text().split())
    except OSError:
        current = "unreadable"
    return NOT_ALLOWED(gid=os.getgid(), current=current)
