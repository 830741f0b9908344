"""SIGHUP with a real collector process: a new agent's token works and a removed one stops working without a
restart, bearer tokens switch off, a broken file changes nothing, changes that need a restart are named, and the
collector never dies on it."""

from __future__ import annotations

import signal
import time

import grpc
import pytest

from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import CollectorProcess, free_port, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

FIRST, SECOND = "itops_" + "1" * 43, "itops_" + "2" * 43


def hello(collector: CollectorProcess, tls_dir, token: str) -> grpc.StatusCode:
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    with grpc.secure_channel(collector.grpc_address, credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        try:
            ingest_pb2_grpc.IngestStub(channel).Hello(ingest_pb2.AgentHello(hostname="reload-host"),
                                                      metadata=(("authorization", f"Bearer {token}"),), timeout=5)
        except grpc.RpcError as exc:
            return exc.code()
    return grpc.StatusCode.OK


def reload(collector: CollectorProcess) -> None:
    collector.process.send_signal(signal.SIGHUP)


def test_sighup_reloads_agents_and_never_kills_the_collector(tmp_path, tls_dir):
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-1": FIRST})
    collector.grpc_port, collector.http_port, collector.mtls_port = free_port(), free_port(), free_port()
    collector.start()  # its file names its ports, so a reload sees only the changes the test makes
    try:
        assert hello(collector, tls_dir, SECOND) == grpc.StatusCode.UNAUTHENTICATED
        collector.agent_tokens = {"agent-2": SECOND}
        collector._write_config()
        reload(collector)
        wait_until(lambda: hello(collector, tls_dir, SECOND) == grpc.StatusCode.OK, 5, "the new agent's token to work")
        assert hello(collector, tls_dir, FIRST) == grpc.StatusCode.UNAUTHENTICATED

        collector.extra_enrollment_config = "  bearer_tokens: false\n"
        collector._write_config()
        reload(collector)
        wait_until(lambda: hello(collector, tls_dir, SECOND) == grpc.StatusCode.UNAUTHENTICATED, 5,
                   "bearer tokens to be off")

        (tmp_path / "collector.yaml").write_text("grpc: [not, a, mapping\n")
        reload(collector)
        wait_until(lambda: "SIGHUP: config not reloaded, the running one stays in force" in collector.log_path.read_text(), 5,
                   "the broken file to be reported")

        collector.extra_enrollment_config = ""
        collector.http_port = collector.http_port + 1  # an address: needs a restart
        collector._write_config()
        reload(collector)
        wait_until(lambda: "these changes need a restart: http" in collector.log_path.read_text(), 5,
                   "the restart to be asked for")
        assert collector.log_path.read_text().count("need a restart") == 1
        assert hello(collector, tls_dir, SECOND) == grpc.StatusCode.OK
        time.sleep(0.5)
        assert collector.process.poll() is None
    finally:
        collector.kill()
