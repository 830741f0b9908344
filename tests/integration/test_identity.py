"""A credential decides whose data a batch is, and a duplicate stores nothing: against a real collector
with two agents, A and B, each with its own token."""

import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from itops.collector.ingest.agent_credentials import new_token
from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import CollectorProcess

pytestmark = pytest.mark.integration

NOW_MS = int(time.time() * 1000)


@pytest.fixture
def tokens() -> dict[str, str]:
    return {"agent-a": new_token(), "agent-b": new_token()}


@pytest.fixture
def two_agent_collector(tmp_path, tls_dir, tokens):
    process = CollectorProcess(tmp_path, tls_dir, tokens).start()
    yield process
    process.stop()


@pytest.fixture
def stubs(two_agent_collector, tls_dir, tokens):
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    channel = grpc.secure_channel(two_agent_collector.grpc_address, credentials,
                                  options=[("grpc.ssl_target_name_override", "localhost")])
    ingest = ingest_pb2_grpc.IngestStub(channel)

    class Agent:
        def __init__(self, token):
            self.metadata = (("authorization", f"Bearer {token}"),)

        def hello(self, hostname):
            return ingest.Hello(ingest_pb2.AgentHello(hostname=hostname, agent_version="test"),
                                metadata=self.metadata, timeout=10)

        def push(self, batch):
            return ingest.Push(batch, metadata=self.metadata, timeout=10)

    agents = {"a": Agent(tokens["agent-a"]), "b": Agent(tokens["agent-b"])}
    agents["a"].hello("host-a")
    agents["b"].hello("host-b")
    yield agents
    channel.close()


def _batch(sequence, *keys, checks=()):
    return ingest_pb2.Batch(sequence=sequence, checks=list(checks), samples=ingest_pb2.SampleBlock(
        series=list(keys), series_index=list(range(len(keys))), timestamps_ms=[NOW_MS] * len(keys),
        values=[1.0] * len(keys)))


def _check(target):
    return ingest_pb2.CheckResult(check="tcp_connect", target=target, status=ingest_pb2.CHECK_STATUS_CRITICAL,
                                  timestamp_ms=NOW_MS)


def _refusal(push, batch_or_hello) -> str:
    with pytest.raises(grpc.RpcError) as error:
        push(batch_or_hello)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED, error.value.details()
    return error.value.details()


def _series_keys(collector) -> set[tuple[str, tuple]]:
    return {(s["name"], tuple(sorted(s["labels"].items()))) for s in collector.get("/api/v1/series")["series"]}


def _check_targets(collector) -> list[str]:
    return sorted(c["target"] for c in collector.get("/api/v1/checks")["checks"])


def test_sample_labelled_with_another_agents_host_is_refused_and_nothing_stored(stubs, two_agent_collector):
    assert not stubs["a"].push(_batch(1, 'itops_host_load1{host="host-a"}')).duplicate, "its own host still works"
    message = _refusal(stubs["a"].push, _batch(2, 'itops_fresh_metric{host="host-a"}', 'itops_disk_full{host="host-b"}',
                                               checks=[_check("forged")]))
    assert "samples.series[1]" in message and "label host" in message and "'host-b'" in message and "host-a" in message
    names = {name for name, _ in _series_keys(two_agent_collector)}
    assert "itops_fresh_metric" not in names and "itops_disk_full" not in names
    assert "forged" not in _check_targets(two_agent_collector)


def test_check_labelled_with_another_agents_host_is_refused(stubs):
    check = _check("db:5432")
    check.labels.add(name="host", value="host-b")
    message = _refusal(stubs["a"].push, _batch(3, checks=[check]))
    assert "checks[0].labels" in message and "label host" in message


def test_forged_agent_id_label_is_refused(stubs, two_agent_collector):
    message = _refusal(stubs["a"].push, _batch(4, 'itops_x{agent_id="agent-b",host="host-a"}'))
    assert "label agent_id" in message and "'agent-b'" in message
    assert "itops_x" not in {name for name, _ in _series_keys(two_agent_collector)}


def test_hello_with_another_agents_hostname_adds_no_second_host(stubs, two_agent_collector):
    message = _refusal(stubs["a"].hello, "host-b")
    assert "hostname" in message and "host-a" in message
    hosts = [(a["agent_id"], a["hostname"]) for a in two_agent_collector.get("/api/v1/agents")["agents"]]
    assert sorted(hosts) == [("agent-a", "host-a"), ("agent-b", "host-b")]


def test_device_polled_by_one_agent_is_refused_to_another(stubs, two_agent_collector):
    assert not stubs["a"].push(_batch(5, 'itops_snmp_up{device="printer-1",host="host-a"}')).duplicate
    message = _refusal(stubs["b"].push, _batch(1, 'itops_snmp_up{device="printer-1",host="host-b"}'))
    assert "label device" in message and "'printer-1'" in message and "agent 'agent-a'" in message
    owners = {dict(labels)["agent"] for name, labels in _series_keys(two_agent_collector) if name == "itops_snmp_up"}
    assert owners == {"agent-a"}


def test_duplicate_batch_with_a_new_series_and_check_stores_nothing(stubs, two_agent_collector):
    assert not stubs["a"].push(_batch(7, 'itops_host_load1{host="host-a"}', checks=[_check("first")])).duplicate
    series_before, checks_before = _series_keys(two_agent_collector), _check_targets(two_agent_collector)
    replay = _batch(7, 'itops_host_load1{host="host-a"}', 'itops_brand_new{host="host-a"}',
                    checks=[_check("first"), _check("second")])
    assert stubs["a"].push(replay).duplicate
    assert _series_keys(two_agent_collector) == series_before
    assert _check_targets(two_agent_collector) == checks_before


def test_concurrent_pushes_of_one_sequence_store_one_of_them(stubs, two_agent_collector):
    batches = [_batch(8, f'itops_racer_{i}{{host="host-a"}}', checks=[_check(f"racer-{i}")]) for i in range(4)]  # grpc.max_calls_per_agent: 4
    with ThreadPoolExecutor(len(batches)) as pool:
        acks = list(pool.map(stubs["a"].push, batches))
    stored = [i for i, ack in enumerate(acks) if not ack.duplicate]
    assert len(stored) == 1
    names = {name for name, _ in _series_keys(two_agent_collector) if name.startswith("itops_racer_")}
    assert names == {f"itops_racer_{stored[0]}"}
    assert [t for t in _check_targets(two_agent_collector) if t.startswith("racer-")] == [f"racer-{stored[0]}"]
