"""The tcp_connect input against real sockets on 127.0.0.1: listening, closed, and with a full backlog."""

from __future__ import annotations

import socket

import pytest

from itops.agent.batcher import GatherResult
from itops.agent.inputs.tcp_connect.config import TcpConnectConfig
from itops.agent.inputs.tcp_connect.tcp_connect import TcpConnectInput
from itops.common.yaml_config import ConfigError, load_text

STATUS_NAMES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]


@pytest.fixture
def listening_port():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unanswered_port():
    """A port whose accept queue is full: Linux drops further SYNs, so a connect hangs until its timeout."""
    with socket.socket() as server, socket.socket() as queued:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        queued.connect(server.getsockname())
        yield server.getsockname()[1]


def gather(*targets: str, connect_timeout: float = 2.0) -> GatherResult:
    acc = GatherResult({})
    TcpConnectInput(TcpConnectConfig(targets=list(targets), connect_timeout=connect_timeout)).gather(acc)
    return acc


def checks(acc: GatherResult) -> list[tuple[str, str, str]]:
    return [(result.target, STATUS_NAMES[result.status], result.message) for result in acc.checks]


def latencies(acc: GatherResult) -> dict[str, float]:
    return {labels["target"]: value for name, labels, value, _ in acc.samples if name == "itops_tcp_connect_duration_seconds"}


def test_listening_port_is_ok_with_its_connect_latency(listening_port):
    target = f"127.0.0.1:{listening_port}"
    acc = gather(target)
    assert checks(acc) == [(target, "OK", "connection accepted")]
    assert 0 < latencies(acc)[target] < 1


def test_closed_port_is_critical_connection_refused(closed_port):
    target = f"127.0.0.1:{closed_port}"
    acc = gather(target)
    assert checks(acc) == [(target, "CRITICAL", "connection refused: nothing listens on the port")]
    assert latencies(acc) == {}


def test_unanswered_port_is_critical_timed_out(unanswered_port):
    target = f"127.0.0.1:{unanswered_port}"
    acc = gather(target, connect_timeout=0.2)
    assert checks(acc) == [(target, "CRITICAL", "timed out: no answer within 0.2s")]
    (result,) = acc.checks
    assert 0.2 <= result.duration_seconds < 1


def test_unresolvable_host_is_critical():
    (check,) = checks(gather("no-such-host.invalid:80"))
    assert check[:2] == ("no-such-host.invalid:80", "CRITICAL")
    assert check[2].startswith("cannot resolve the host name: ")


def test_ipv6_target_in_brackets():
    with socket.socket(socket.AF_INET6) as server:
        server.bind(("::1", 0))
        server.listen(1)
        target = f"[::1]:{server.getsockname()[1]}"
        assert checks(gather(target)) == [(target, "OK", "connection accepted")]


def test_every_target_is_checked_in_order(listening_port, closed_port):
    statuses = [status for _, status, _ in checks(gather(f"127.0.0.1:{closed_port}", f"localhost:{listening_port}"))]
    assert statuses == ["CRITICAL", "OK"]


@pytest.mark.parametrize("target", ["db", "db:", ":5432", "db:http", "db:70000"])
def test_target_without_host_and_port_is_a_config_error(target):
    with pytest.raises(ConfigError, match=rf"agent.yaml:1: targets: '{target}' is not host:port"):
        load_text(f"{{type: tcp_connect, targets: ['{target}']}}", TcpConnectConfig, "agent.yaml")
