"""The ``tcp_connect`` input: connect to each target, report the latency, close at once."""

from __future__ import annotations

import socket
import time

from itops.agent.checks import CheckMessage, CheckStatus, MessagePart, report_check
from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.tcp_connect.config import TcpConnectConfig, split_host_port

__all__ = ["TcpConnectInput", "describe_connection_error"]

CHECK = "tcp_connect"
ACCEPTED = CheckMessage("tcp_connect.accepted", "connection accepted")
UNRESOLVED = CheckMessage("connect.unresolved", "cannot resolve the host name: {error}")
REFUSED = CheckMessage("connect.refused", "connection refused: nothing listens on the port")
TIMED_OUT = CheckMessage("connect.timed_out", "timed out: no answer within {timeout_s:g}s")
FAILED = CheckMessage("connect.failed", "cannot connect: {error}")


class TcpConnectInput(Input[TcpConnectConfig]):
    name = "tcp_connect"
    config_model = TcpConnectConfig

    def gather(self, acc: Accumulator) -> None:
        for target in self.config.targets:
            self._check(acc, target)

    def _check(self, acc: Accumulator, target: str) -> None:
        timeout_s = self.config.connect_timeout
        started = time.monotonic()
        try:
            socket.create_connection(split_host_port(target), timeout=timeout_s).close()
        except OSError as exc:
            status, message = CheckStatus.CRITICAL, describe_connection_error(exc, timeout_s)
        else:
            status, message = CheckStatus.OK, ACCEPTED()
        duration_s = time.monotonic() - started
        if status is CheckStatus.OK:
            acc.add_sample("itops_tcp_connect_duration_seconds", duration_s, {"target": target})
        report_check(acc, CHECK, target, status, message, duration_s)


def describe_connection_error(exc: OSError, timeout_s: float) -> MessagePart:
    """What went wrong, in words an operator can act on: a refusal and a timeout mean different things."""
    if isinstance(exc, socket.gaierror):
        return UNRESOLVED(error=exc.strerror)
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED()
    if isinstance(exc, TimeoutError):
        return TIMED_OUT(timeout_s=timeout_s)
    return FAILED(error=exc.strerror or exc)
