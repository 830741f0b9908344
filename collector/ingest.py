"""The agents' gRPC endpoint: authenticate, validate, store durably, then acknowledge.

A batch is rejected whole (INVALID_ARGUMENT naming the field) or stored whole. The ack for a batch is
sent only after the storage backend committed it; a replayed batch is acknowledged as a duplicate and
not stored again.
"""

from __future__ import annotations

import asyncio
import logging
import time

import grpc

from itops.collector.auth import TokenAuthenticator
from itops.collector.self_metrics import REJECT_REASON_OVERLOADED, REJECT_REASON_UNAUTHENTICATED, CollectorMetrics
from itops.collector.state import StateStore
from itops.collector.storage.base import SampleWrite, StorageBackend
from itops.collector.validation import BatchRejected, BatchValidator
from itops.v1 import ingest_pb2, ingest_pb2_grpc

__all__ = ["IngestService"]

log = logging.getLogger("itops.collector.ingest")


class IngestService(ingest_pb2_grpc.IngestServicer):
    def __init__(
        self,
        authenticator: TokenAuthenticator,
        validator: BatchValidator,
        storage: StorageBackend,
        state: StateStore,
        metrics: CollectorMetrics,
        max_pending_samples: int,
        max_batch_samples: int,
    ):
        self.authenticator = authenticator
        self.validator = validator
        self.storage = storage
        self.state = state
        self.metrics = metrics
        self.max_pending_samples = max_pending_samples
        self.max_batch_samples = max_batch_samples
        self.pending_samples = 0

    async def _authenticate(self, context: grpc.aio.ServicerContext) -> str:
        agent_id = self.authenticator.agent_for(context.invocation_metadata())
        if agent_id is None:
            self.metrics.batches_rejected.labels(REJECT_REASON_UNAUTHENTICATED).inc()
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "unknown or missing bearer token")
        return agent_id

    async def Hello(self, request: ingest_pb2.AgentHello, context: grpc.aio.ServicerContext) -> ingest_pb2.HelloReply:
        agent_id = await self._authenticate(context)
        now_ms = int(time.time() * 1000)
        await asyncio.to_thread(self.state.record_hello, agent_id, request, context.peer(), now_ms)
        log.info("agent %s (%s, %s) said hello from %s", agent_id, request.hostname, request.agent_version, context.peer())
        return ingest_pb2.HelloReply(server_time_unix_ms=now_ms, max_batch_samples=self.max_batch_samples)

    async def Push(self, request: ingest_pb2.Batch, context: grpc.aio.ServicerContext) -> ingest_pb2.PushAck:
        received = time.perf_counter()
        agent_id = await self._authenticate(context)
        try:
            valid = self.validator.validate(request)
        except BatchRejected as exc:
            self.metrics.batches_rejected.labels(exc.reason).inc()
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        sample_count = len(valid.values)
        if self.pending_samples + sample_count > self.max_pending_samples:
            self.metrics.batches_rejected.labels(REJECT_REASON_OVERLOADED).inc()
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "collector is behind on storage; retry later")
        series_ids = self.storage.resolve_series(agent_id, valid.keys, self.validator.labels_of)
        write = SampleWrite(agent_id, request.sequence, series_ids[valid.series_index], valid.timestamps_ms, valid.values)
        self.pending_samples += sample_count
        try:
            result = await self.storage.write(write)
        finally:
            self.pending_samples -= sample_count
        if request.checks or request.HasField("inventory"):
            await asyncio.to_thread(self.state.write_batch_records, agent_id, request)
        self.state.touch(agent_id, context.peer(), int(time.time() * 1000))
        self._count(result.duplicate, sample_count, received)
        return ingest_pb2.PushAck(sequence=request.sequence, duplicate=result.duplicate)

    def _count(self, duplicate: bool, sample_count: int, received: float) -> None:
        self.metrics.batches_ingested.inc()
        if duplicate:
            self.metrics.duplicate_batches.inc()
        else:
            self.metrics.samples_ingested.inc(sample_count)
        self.metrics.ingest_duration.observe(time.perf_counter() - received)
