"""Who may send what, checked before a request is read: callers without a token are refused without the
collector reading their message, and an agent's calls and bytes in flight are capped."""

import asyncio
import threading
import time

import grpc
import pytest

from itops.collector.ingest.batch_size import receive_limit_bytes, worst_case_batch
from itops.collector.ingest.validation import ValidationLimits
from itops.v1 import ingest_pb2

from .conftest import CollectorProcess

pytestmark = pytest.mark.integration

ATTACK_CALLS = 24
ATTACK_MESSAGE_BYTES = 50 * 2**20
RSS_ALLOWANCE_MIB = 256
INGEST_METHODS = ("/itops.v1.Ingest/Push", "/itops.v1.Ingest/Hello", "/itops.v1.Ingest/GetAssignedInputs")


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


class PeakRss:
    """The highest RSS of a process, sampled every 50 ms in a thread while the block runs."""

    def __init__(self, pid: int):
        self.pid, self.peak_mib = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mib = max(self.peak_mib, _rss_mib(self.pid))
            time.sleep(0.05)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


def _channel(collector: CollectorProcess, tls_dir, max_send_bytes: int = 4 * 2**20) -> grpc.aio.Channel:
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    return grpc.aio.secure_channel(collector.grpc_address, credentials, options=[
        ("grpc.ssl_target_name_override", "localhost"), ("grpc.max_send_message_length", max_send_bytes)])


async def _outcomes(calls) -> list:
    return await asyncio.gather(*calls, return_exceptions=True)


def _codes(outcomes) -> list:
    return [o.code() if isinstance(o, grpc.aio.AioRpcError) else o for o in outcomes]


def test_unauthenticated_flood_is_refused_without_being_read(collector, tls_dir):
    pid = collector.process.pid
    idle_mib = _rss_mib(pid)
    payload = b"\x00" * ATTACK_MESSAGE_BYTES

    async def flood():
        async with _channel(collector, tls_dir, max_send_bytes=ATTACK_MESSAGE_BYTES + 2**20) as channel:
            calls = [channel.unary_unary(INGEST_METHODS[i % len(INGEST_METHODS)])(payload, timeout=50)
                     for i in range(ATTACK_CALLS)]
            return await _outcomes(calls)

    started = time.monotonic()
    with PeakRss(pid) as during:
        outcomes = asyncio.run(flood())
        time.sleep(1)
    assert time.monotonic() - started < 60
    after_mib = _rss_mib(pid)
    assert during.peak_mib - idle_mib < RSS_ALLOWANCE_MIB, f"idle {idle_mib:.0f} MiB, peak {during.peak_mib:.0f} MiB"
    assert after_mib - idle_mib < RSS_ALLOWANCE_MIB, f"idle {idle_mib:.0f} MiB, after {after_mib:.0f} MiB"
    assert _codes(outcomes) == [grpc.StatusCode.UNAUTHENTICATED] * ATTACK_CALLS
    metrics = collector.metrics_text()
    assert f'itops_collector_batches_rejected_total{{reason="unauthenticated"}} {float(ATTACK_CALLS)}' in metrics
    assert collector.get("/api/v1/health")["status"] == "ok"


def _push_all(collector: CollectorProcess, tls_dir, token: str, batches: list[ingest_pb2.Batch]) -> list:
    async def push():
        async with _channel(collector, tls_dir, max_send_bytes=64 * 2**20) as channel:
            push_batch = channel.unary_unary(INGEST_METHODS[0], request_serializer=ingest_pb2.Batch.SerializeToString,
                                             response_deserializer=ingest_pb2.PushAck.FromString)
            metadata = (("authorization", f"Bearer {token}"),)
            return await _outcomes([push_batch(batch, metadata=metadata, timeout=50) for batch in batches])

    return asyncio.run(push())


def _refusals(outcomes) -> list[str]:
    return [o.details() for o in outcomes if isinstance(o, grpc.aio.AioRpcError)
            and o.code() == grpc.StatusCode.RESOURCE_EXHAUSTED]


def test_batch_at_max_batch_samples_is_taken_and_a_larger_one_refused_by_the_receive_limit(collector, tls_dir, agent_token):
    limits, now_ms = ValidationLimits(), int(time.time() * 1000)
    largest = worst_case_batch(limits.max_samples_per_batch, limits, sequence=1, now_ms=now_ms)
    [ack] = _push_all(collector, tls_dir, agent_token, [largest])
    assert isinstance(ack, ingest_pb2.PushAck) and ack.sequence == 1, ack
    too_large = worst_case_batch(limits.max_samples_per_batch * 13 // 10, limits, sequence=2, now_ms=now_ms)
    [refusal] = _push_all(collector, tls_dir, agent_token, [too_large])
    assert refusal.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "larger than max" in refusal.details(), refusal
    assert collector.get("/api/v1/health")["status"] == "ok"


def test_calls_over_the_per_agent_cap_get_resource_exhausted(tmp_path, tls_dir, agent_token):
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token},
                                 extra_grpc_config="  max_calls_per_agent: 1\n").start()
    try:
        limits, now_ms = ValidationLimits(), int(time.time() * 1000)
        outcomes = _push_all(collector, tls_dir, agent_token,
                             [worst_case_batch(1000, limits, sequence=i + 1, now_ms=now_ms) for i in range(12)])
        refusals = _refusals(outcomes)
        assert refusals and all("grpc.max_calls_per_agent" in details for details in refusals), outcomes
        assert any(isinstance(o, ingest_pb2.PushAck) for o in outcomes)
        metrics = collector.metrics_text()
        assert f'itops_collector_calls_over_limit_total{{limit="max_calls_per_agent"}} {float(len(refusals))}' in metrics
    finally:
        collector.process.kill()


def test_bytes_over_the_per_agent_cap_get_resource_exhausted(tmp_path, tls_dir, agent_token):
    limits = ValidationLimits(max_samples_per_batch=1000)
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token},
                                 extra_config="validation:\n  max_samples_per_batch: 1000\n",
                                 extra_grpc_config=f"  max_bytes_per_agent: {receive_limit_bytes(limits)}\n").start()
    try:
        now_ms = int(time.time() * 1000)
        outcomes = _push_all(collector, tls_dir, agent_token,
                             [worst_case_batch(1000, limits, sequence=i + 1, now_ms=now_ms) for i in range(4)])
        refusals = _refusals(outcomes)
        assert refusals and all("grpc.max_bytes_per_agent" in details for details in refusals), outcomes
        assert any(isinstance(o, ingest_pb2.PushAck) for o in outcomes)
        assert 'itops_collector_calls_over_limit_total{limit="max_bytes_per_agent"}' in collector.metrics_text()
    finally:
        collector.process.kill()
