"""Central configuration, hardware change detection and asset fields, with real processes."""

import socket
import subprocess
import time

import grpc
import pytest

from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import BIN, AgentProcess, CollectorProcess, wait_until

pytestmark = pytest.mark.integration


def _checks(collector, name):
    return [c for c in collector.get("/api/v1/checks", [("agent", "agent-a")])["checks"] if c["check"] == name]


def _assign(path, text):
    path.write_text(text)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.timeout(120)
def test_assigned_inputs_are_picked_up_changed_and_broken_edits_rejected(tmp_path, tls_dir, agent_token):
    assignments = tmp_path / "assignments.yaml"
    _assign(assignments, "all: []\n")
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token},
                                 extra_config=f"assignments_file: {assignments}\n").start()
    agent = AgentProcess(tmp_path, tls_dir, "agent-a", agent_token, collector.grpc_address,
                         extra_config="central_config:\n  enabled: true\n  interval: 1s\n")
    try:
        agent.start()
        reachable = f"127.0.0.1:{collector.http_port}"
        _assign(assignments, f"agents:\n  agent-a:\n    - type: tcp_connect\n      targets: ['{reachable}']\n")
        check = wait_until(lambda: _checks(collector, "tcp_connect"), 30, "the assigned check to run")[0]
        assert check["status"] == "OK" and check["target"] == reachable
        assert _checks(collector, "central_config")[0]["status"] == "OK"

        closed = f"127.0.0.1:{_closed_port()}"
        _assign(assignments, f"agents:\n  agent-a:\n    - type: tcp_connect\n      targets: ['{closed}']\n")
        wait_until(lambda: any(c["target"] == closed and c["status"] == "CRITICAL" for c in _checks(collector, "tcp_connect")),
                   30, "the changed check to run without an agent restart")

        _assign(assignments, "agents:\n  agent-a:\n    - type: tcp_connect\n      targets: ['no port here']\n")
        rejected = wait_until(lambda: [c for c in _checks(collector, "central_config") if c["status"] == "CRITICAL"],
                              30, "the broken assignment to be rejected")[0]
        assert ":2: inputs[0]: targets: 'no port here' is not host:port" in rejected["message"]
        assert "still running version" in rejected["message"]
        before = max(c["timestamp_ms"] for c in _checks(collector, "tcp_connect"))
        wait_until(lambda: max(c["timestamp_ms"] for c in _checks(collector, "tcp_connect")) > before, 30,
                   "the previous inputs to keep running")
        assert agent.process.poll() is None
    finally:
        for process in (agent.process, collector.process):
            if process is not None and process.poll() is None:
                process.kill()


def _push_inventory(collector, tls_dir, token, sequence, timestamp_ms, memory_bytes):
    batch = ingest_pb2.Batch(sequence=sequence)
    batch.inventory.CopyFrom(ingest_pb2.InventorySnapshot(
        timestamp_ms=timestamp_ms, cpu_model="Xeon E-2224", cpu_count_logical=4, memory_total_bytes=memory_bytes,
        disks=[ingest_pb2.Disk(name="sda", model="WDC WD10", serial="WD-1", size_bytes=10**12)]))
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    with grpc.secure_channel(collector.grpc_address, credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        ingest_pb2_grpc.IngestStub(channel).Push(batch, metadata=(("authorization", f"Bearer {token}"),), timeout=10)


def test_hardware_change_is_reported_as_a_check_and_kept_in_history(collector, tls_dir, agent_token):
    now_ms = int(time.time() * 1000)
    _push_inventory(collector, tls_dir, agent_token, 1, now_ms - 60_000, 16 * 2**30)
    assert _checks(collector, "hardware_inventory")[0]["message"] == "first inventory of this host"
    _push_inventory(collector, tls_dir, agent_token, 2, now_ms, 8 * 2**30)
    _push_inventory(collector, tls_dir, agent_token, 2, now_ms, 8 * 2**30)  # a replay changes nothing
    check = _checks(collector, "hardware_inventory")[0]
    assert (check["status"], check["message"]) == ("WARNING", "memory changed from 16 GiB to 8 GiB")
    history = collector.get("/api/v1/agents/agent-a/inventory")["inventory"]
    assert [entry["changes"] for entry in history] == ["", "memory changed from 16 GiB to 8 GiB"]


def test_real_agent_inventory_and_asset_fields_reach_the_register(collector, make_agent):
    agent = make_agent(extra_config="asset:\n  asset_number: IT-2024-0117\n  department: Finance\n"
                                    "  location: HQ 3F\n  responsible_person: Wang Li\n",
                       extra_inputs="  - type: inventory\n")
    agent.start()
    history = wait_until(lambda: collector.get("/api/v1/agents/agent-a/inventory")["inventory"], 30, "an inventory")
    assert history[0]["inventory"]["cpuCountLogical"] >= 1 and int(history[0]["inventory"]["memoryTotalBytes"]) > 0
    record = collector.get("/api/v1/agents")["agents"][0]
    assert record["asset"] == {"asset_number": "IT-2024-0117", "department": "Finance", "location": "HQ 3F",
                               "responsible_person": "Wang Li"}
    hosts = subprocess.run([BIN / "itops", "--url", collector.http_url, "hosts"], capture_output=True, text=True, check=True)
    assert "IT-2024-0117" in hosts.stdout and "Wang Li" in hosts.stdout
