"""The ``tcp_connect`` input: connect to each target, report the latency, close at once."""

from __future__ import annotations

import socket

from itops.agent.checks import CheckMessage, CheckStatus, MessagePart
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.target_check import TargetCheck, Verdict
from itops.agent.inputs.tcp_connect.config import TcpConnectConfig, split_host_port

__all__ = ["TcpConnectInput", "describe_connection_error"]

ACCEPTED = CheckMessage("tcp_connect.accepted", "connection accepted")
UNRESOLVED = CheckMessage("connect.unresolved", "cannot resolve the host name: {error}")
REFUSED = CheckMessage("connect.refused", "connection refused: nothing listens on the port")
TIMED_OUT = CheckMessage("connect.timed_out", "timed out: no answer within {timeout_s:g}s")
FAILED = CheckMessage("connect.failed", "cannot connect: {error}")


class TcpConnectInput(TargetCheck[TcpConnectConfig, str, None]):
    failures = (OSError,)

    def targets(self) -> list[str]:
        return self.config.targets

    def probe(self, target: str) -> None:
        socket.create_connection(split_host_port(target), timeout=self.config.connect_timeout).close()

    def describe_failure(self, failure: OSError) -> Verdict:
        return CheckStatus.CRITICAL, describe_connection_error(failure, self.config.connect_timeout)

    def judge(self, acc: Accumulator, target: str, probed: None, duration_s: float) -> Verdict:
        acc.add_sample("itops_tcp_connect_duration_seconds", duration_s, {"target": target})
        return CheckStatus.OK, ACCEPTED()


def describe_connection_error(exc: OSError, timeout_s: float) -> MessagePart:
    """What went wrong, in words an operator can act on: a refusal and a timeout mean different things."""
    if isinstance(exc, socket.gaierror):
        return UNRESOLVED(error=exc.strerror)
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED()
    if isinstance(exc, TimeoutError):
        return TIMED_OUT(timeout_s=timeout_s)
    return FAILED(error=exc.strerror or exc)
