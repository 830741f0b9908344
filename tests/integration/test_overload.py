"""A collector that is behind on storage answers RESOURCE_EXHAUSTED (agents back off) and keeps serving."""

import asyncio
import time

import grpc
import pytest

from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import CollectorProcess

pytestmark = pytest.mark.integration


def _batch(sequence: int, now_ms: int) -> ingest_pb2.Batch:
    keys = [f'itops_test_value{{index="{i}"}}' for i in range(1000)]
    return ingest_pb2.Batch(sequence=sequence, samples=ingest_pb2.SampleBlock(
        series=keys, series_index=range(1000), timestamps_ms=[now_ms] * 1000, values=[1.0] * 1000))


def test_pending_samples_over_the_limit_get_resource_exhausted(tmp_path, tls_dir, agent_token):
    # 30 pushes of one agent at once: its calls cap is raised so that only the pending samples refuse them.
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token},
                                 extra_grpc_config="  max_pending_samples: 1000\n  max_calls_per_agent: 30\n").start()

    async def push_all():
        credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
        async with grpc.aio.secure_channel(collector.grpc_address, credentials,
                                           options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
            stub = ingest_pb2_grpc.IngestStub(channel)
            now_ms = int(time.time() * 1000)
            calls = [stub.Push(_batch(i + 1, now_ms), metadata=(("authorization", f"Bearer {agent_token}"),), timeout=10)
                     for i in range(30)]
            return await asyncio.gather(*calls, return_exceptions=True)

    try:
        outcomes = asyncio.run(push_all())
        exhausted = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
        assert exhausted and all(o.code() == grpc.StatusCode.RESOURCE_EXHAUSTED for o in exhausted)
        assert any(isinstance(o, ingest_pb2.PushAck) for o in outcomes)
        metrics = collector.metrics_text()
        assert f'itops_collector_batches_rejected_total{{reason="overloaded"}} {float(len(exhausted))}' in metrics
        assert collector.get("/api/v1/health")["status"] == "ok"
    finally:
        collector.process.kill()
