"""What a new user sees first from the real programs: the agent's log at its default level, its stop and its
``once``, and the ``itops`` CLI writing into a pipe that closes early."""

from __future__ import annotations

import subprocess
import time

import grpc
import pytest

from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import BIN, AgentProcess, wait_until
from .test_snmp_poller import free_udp_port, snmpsim  # noqa: F401 - snmpsim is a fixture

pytestmark = pytest.mark.integration

NOISE = ("apscheduler", "ERROR", "Traceback", "Task was destroyed")


def _snmp_inputs(snmpsim_port: int, unplugged: bool = False, interval: str = "2s") -> str:
    """The demo's printer and UPS; with ``unplugged``, also a device that never answers, so that a gather is
    running at most moments."""
    devices = [f"{{name: printer-3f, address: '127.0.0.1:{snmpsim_port}', community: printers/brother}}",
               f"{{name: ups-1, address: '127.0.0.1:{snmpsim_port}', community: ups/apc_smart1500}}"]
    if unplugged:
        devices.append(f"{{name: unplugged, address: '127.0.0.1:{free_udp_port()}', community: public, timeout: 1, retries: 1}}")
    return f"  - type: snmp\n    interval: {interval}\n    devices:\n" + "".join(f"      - {device}\n" for device in devices)


def _snmp_up(collector) -> bool:
    return bool(collector.get("/api/v1/series", [("name", "itops_snmp_up")])["series"])


def test_agent_at_its_default_log_level_says_only_that_it_started_and_stopped(collector, make_agent, snmpsim):
    agent = make_agent(log_level="info", extra_inputs=_snmp_inputs(snmpsim, interval="10s")).start()
    wait_until(lambda: _snmp_up(collector), 30, "SNMP samples at the collector")
    assert agent.stop() == 0
    log = agent.log_text()
    assert [word for word in NOISE if word in log] == [], log
    assert " started: 2 inputs" in log and "agent stopped" in log


@pytest.mark.parametrize("after_s", [0.2, 1.5])
def test_sigterm_during_a_gather_stops_the_agent_without_an_error(collector, make_agent, snmpsim, after_s):
    agent = make_agent(log_level="info", extra_inputs=_snmp_inputs(snmpsim, unplugged=True)).start()
    time.sleep(after_s)  # the unplugged device keeps the SNMP gather running for seconds
    assert agent.stop() == 0
    log = agent.log_text()
    assert [word for word in NOISE if word in log] == [], log
    assert "agent stopped" in log


def test_agent_once_closes_its_inputs_and_leaves_no_pending_task(collector, make_agent, snmpsim):
    agent = make_agent(extra_inputs=_snmp_inputs(snmpsim, unplugged=True, interval="10s"))
    result = subprocess.run([BIN / "itops-agent", "once", "-c", agent.config_path], capture_output=True, text=True,
                            timeout=60)
    assert 'itops_snmp_up{device="printer-3f"' in result.stdout
    assert [word for word in NOISE if word in result.stderr] == [], result.stderr


def _with_stdout_closed_early(command: list) -> subprocess.CompletedProcess:
    """``command | head -0``: the reader of its output is gone before it writes."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    stderr = process.stderr.read()
    return subprocess.CompletedProcess(command, process.wait(30), None, stderr)


def test_every_command_ends_quietly_when_its_reader_goes_away(tmp_path, make_agent):
    agent_config = make_agent().config_path
    for command in (["itops", "rules", "check", "alerting/rules/pack"], ["itops-collector", "new-token", "pc-1"],
                    ["itops-agent", "check-config", "-c", agent_config]):
        result = _with_stdout_closed_early([BIN / command[0], *command[1:]])
        assert (result.returncode, result.stderr) == (141, ""), command
    for program in ("itops", "itops-collector", "itops-agent"):  # argparse ignores the failed write of --help
        result = _with_stdout_closed_early([BIN / program, "--help"])
        assert (result.returncode, result.stderr) in ((0, ""), (141, "")), program


def test_hosts_into_a_closed_pipe_ends_quietly(collector, make_agent):
    make_agent().start()
    wait_until(lambda: collector.get("/api/v1/agents")["agents"], 20, "the agent at the collector")
    result = _with_stdout_closed_early([BIN / "itops", "--url", collector.http_url, "hosts"])
    assert (result.returncode, result.stderr) == (141, "")


def test_hosts_watch_into_a_pipe_writes_views_without_screen_codes(collector, make_agent):
    make_agent().start()
    wait_until(lambda: collector.get("/api/v1/agents")["agents"], 20, "the agent at the collector")
    watch = subprocess.Popen([BIN / "itops", "--url", collector.http_url, "hosts", "--watch", "0.2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    views = ""
    while views.count("itops hosts — ") < 3:
        views += watch.stdout.readline()
    watch.stdout.close()  # like `| head`: the reader stops
    assert watch.wait(30) == 141 and watch.stderr.read() == ""
    assert "\x1b" not in views
    assert views.count("times in Asia/Shanghai") >= 2 and "agent-a" in views


def test_a_refused_api_token_is_named_as_the_reason(collector):
    result = subprocess.run([BIN / "itops", "--url", collector.http_url, "incidents", "list", "--token", "itops_wrong"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "HTTP 401" in result.stderr
    assert "the collector refused the API token given (unknown or revoked): check $ITOPS_TOKEN or --token" in result.stderr


def test_unauthenticated_names_the_agent_the_token_was_tried_for_and_the_agent_logs_it(collector, tls_dir, tmp_path):
    refused = AgentProcess(tmp_path, tls_dir, "agent-b", "itops_not-agent-bs-token", collector.grpc_address,
                           log_level="info").start()
    try:
        wait_until(lambda: "UNAUTHENTICATED" in refused.log_text(), 20, "the refusal in the agent's log")
    finally:
        refused.stop()
    assert "UNAUTHENTICATED: token refused for agent 'agent-b': compare the agent's collector.token_file" in refused.log_text()


@pytest.mark.parametrize("metadata, refusal", [
    ((("x-itops-agent-id", "pc-7"),), "no bearer token for agent 'pc-7'"),
    ((("authorization", "Bearer itops_guess"), ("x-itops-agent-id", "agent-a")), "token refused for agent 'agent-a'"),
    ((("authorization", "Bearer itops_guess"),), "token refused; the call named no agent id (x-itops-agent-id)"),
])
def test_a_refusal_reads_the_same_for_known_and_unknown_agents(collector, tls_dir, metadata, refusal):
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    with grpc.secure_channel(collector.grpc_address, credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        with pytest.raises(grpc.RpcError) as error:
            ingest_pb2_grpc.IngestStub(channel).Push(ingest_pb2.Batch(sequence=1), metadata=metadata, timeout=5)
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.value.details().startswith(refusal)
