"""A real agent sends this machine's metrics to a real collector; the API, CLI and /metrics show them."""

import re
import shutil
import subprocess
import sys

import grpc
import pytest

from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import BIN, wait_until

pytestmark = pytest.mark.integration


def _uptime_series(collector):
    return collector.get("/api/v1/series", [("name", "itops_host_uptime_seconds")])["series"]


def test_host_metrics_arrive_with_agent_and_host_labels(collector, make_agent):
    make_agent().start()
    series = wait_until(lambda: _uptime_series(collector), 20, "host metrics at the collector")
    assert series[0]["labels"] == {"agent": "agent-a", "host": "agent-a-host"}
    result = collector.get("/api/v1/points", [("name", "itops_host_memory_usage_ratio"), ("since", "5m"), ("step", "1s")])
    points = result["series"][0]["points"]
    assert points and all(0 < value < 1 for _, value in points)
    cpu = wait_until(lambda: collector.get("/api/v1/series", [("name", "itops_host_cpu_usage_ratio"), ("label", "cpu=total")])["series"],
                     20, "CPU usage, which needs two gathers")
    assert len(cpu) == 1


def test_agent_register_shows_identity_and_status(collector, make_agent):
    make_agent().start()
    agents = wait_until(lambda: collector.get("/api/v1/agents")["agents"], 20, "the agent in the register")
    agent = agents[0]
    assert agent["agent_id"] == "agent-a" and agent["hostname"] == "agent-a-host"
    assert agent["online"] is True
    assert agent["agent_version"] and agent["os"] and agent["platform"]
    assert agent["source_address"].startswith("ipv4:127.0.0.1:")
    assert agent["boot_time_ms"] > 0 and agent["first_seen_ms"] <= agent["last_seen_ms"]


def test_admin_cli_lists_hosts_and_queries_a_metric(collector, make_agent):
    make_agent().start()
    wait_until(lambda: _uptime_series(collector), 20, "host metrics at the collector")
    hosts = subprocess.run([BIN / "itops", "--url", collector.http_url, "hosts"], capture_output=True, text=True, check=True)
    assert "agent-a-host" in hosts.stdout and "online" in hosts.stdout
    query = subprocess.run([BIN / "itops", "--url", collector.http_url, "query", "itops_host_uptime_seconds",
                            "--host", "agent-a-host", "--since", "5m", "--step", "1s"], capture_output=True, text=True, check=True)
    lines = query.stdout.splitlines()
    assert lines[:2] == ["times in Asia/Shanghai", 'itops_host_uptime_seconds{agent="agent-a",host="agent-a-host"}  运行时长']
    assert re.fullmatch(r"  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  \d+ (天|小时|分|秒)( \d+ (小时|分|秒))?", lines[2]), lines[2]


def test_self_metrics_pass_promtool(collector, make_agent):
    promtool = shutil.which("promtool")
    assert promtool, "promtool is required (Debian package prometheus; .ci/run installs it)"
    make_agent().start()
    wait_until(lambda: _uptime_series(collector), 20, "host metrics at the collector")
    text = collector.metrics_text()
    assert "itops_collector_samples_ingested_total" in text and "itops_collector_ingest_duration_seconds_bucket" in text
    assert "itops_collector_connected_agents 1.0" in text
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.strip() == "" and check.stderr.strip() == "", check.stdout + check.stderr


def test_wrong_token_is_unauthenticated_and_counted(collector, tls_dir):
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    with grpc.secure_channel(collector.grpc_address, credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        stub = ingest_pb2_grpc.IngestStub(channel)
        with pytest.raises(grpc.RpcError) as error:
            stub.Push(ingest_pb2.Batch(sequence=1), metadata=(("authorization", "Bearer wrong"),), timeout=5)
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert 'itops_collector_batches_rejected_total{reason="unauthenticated"} 1.0' in collector.metrics_text()


def test_plaintext_client_cannot_talk_to_the_tls_endpoint(collector, agent_token):
    with grpc.insecure_channel(collector.grpc_address) as channel:
        with pytest.raises(grpc.RpcError) as error:
            ingest_pb2_grpc.IngestStub(channel).Push(
                ingest_pb2.Batch(sequence=1), metadata=(("authorization", f"Bearer {agent_token}"),), timeout=5)
    assert error.value.code() == grpc.StatusCode.UNAVAILABLE


def test_agent_exits_zero_on_sigterm(collector, make_agent):
    agent = make_agent().start()
    wait_until(lambda: _uptime_series(collector), 20, "host metrics at the collector")
    assert agent.stop() == 0
    assert "agent stopped" in agent.log_text()


def test_agent_once_prints_what_would_be_sent(tmp_path, collector, make_agent):
    agent = make_agent()
    result = subprocess.run([BIN / "itops-agent", "once", "-c", agent.config_path], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'itops_host_cpu_usage_ratio{cpu="total",host="agent-a-host"}' in result.stdout
    assert "itops_host_network_" in result.stdout or "itops_host_disk_" in result.stdout


def test_check_config_names_file_line_and_field(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text("collector:\n  address: 127.0.0.1:1\n  token: t\ninputs:\n  - type: host\n    interval: soon\n")
    result = subprocess.run([BIN / "itops-agent", "check-config", "-c", config], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"itops-agent: {config}:6: inputs[0].interval: expected a duration such as 15s, 5m or 2h, got 'soon'"
    )


def test_collector_check_config_names_the_field(tmp_path):
    config = tmp_path / "collector.yaml"
    config.write_text("storage:\n  type: sqlite\n  path: /tmp/x\ngrpc:\n  insecure: true\n  max_pending_samples: 10\n")
    result = subprocess.run([sys.executable, "-m", "itops.collector.cli.collector_command", "check-config", "-c", config], capture_output=True, text=True)
    assert result.returncode == 2
    assert f"{config}:6: grpc.max_pending_samples:" in result.stderr and ">= 1000" in result.stderr
