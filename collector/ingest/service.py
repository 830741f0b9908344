"""The agents' gRPC endpoint: authenticate, validate, store durably, then acknowledge.

A batch is rejected whole (INVALID_ARGUMENT naming the field, PERMISSION_DENIED when it speaks for another
host, agent or device) or stored whole. The ack for a batch is sent only after the storage backend committed
it; a replayed batch is acknowledged as a duplicate and nothing of it is stored or looked at beyond its
sequence. Of one (agent, sequence) one batch at a time gets past the duplicate test.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping

import grpc
from google.protobuf.message import DecodeError

from itops.collector.ingest.admission import admitted_agent
from itops.collector.ingest.assignments import AssignmentsFile
from itops.collector.ingest.identity import Claims, IdentityRefused, IdentityRegister
from itops.collector.ingest.self_metrics import (
    REJECT_REASON_FORGED_IDENTITY,
    REJECT_REASON_OVERLOADED,
    REJECT_REASON_UNDECODABLE,
    CollectorMetrics,
)
from itops.collector.ingest.validation import BatchRejected, BatchValidator, ValidBatch
from itops.collector.records.agent_register import AgentRegister
from itops.collector.storage.base import SampleWrite, StorageBackend
from itops.common.clock import Clock, epoch_ms, utc_now
from itops.v1 import ingest_pb2

__all__ = ["IngestService", "StoredBatchListener", "add_ingest_service", "tell_listeners"]

log = logging.getLogger("itops.collector.ingest.service")

StoredBatchListener = Callable[[str, ValidBatch], None]
"""Told of each batch once it is stored, with the agent it came from: the coverage ledger, rule evaluation."""


class IngestService:
    def __init__(
        self,
        validator: BatchValidator,
        storage: StorageBackend,
        state: AgentRegister,
        metrics: CollectorMetrics,
        max_pending_samples: int,
        max_batch_samples: int,
        assignments: AssignmentsFile,
        identity: IdentityRegister,
        listeners: Mapping[str, StoredBatchListener] | None = None,
        clock: Clock = utc_now,
    ):
        self.validator = validator
        self.storage = storage
        self.state = state
        self.metrics = metrics
        self.max_pending_samples = max_pending_samples
        self.max_batch_samples = max_batch_samples
        self.assignments = assignments
        self.listeners = dict(listeners or {})  # by what each does, for the log
        self.clock = clock
        self.identity = identity
        self.pending_samples = 0
        self._in_flight: dict[tuple[str, int], asyncio.Event] = {}

    async def _authenticate(self, _context: grpc.aio.ServicerContext) -> str:
        """The agent IngestAdmission found the call's bearer token to belong to; it refused the call, before
        reading its message, if the token belongs to none."""
        return admitted_agent()

    async def Hello(self, request: ingest_pb2.AgentHello, context: grpc.aio.ServicerContext) -> ingest_pb2.HelloReply:
        agent_id = await self._authenticate(context)
        try:
            self.validator.validate_hello(request)
        except BatchRejected as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        await self._claimed(context, agent_id, lambda: self.identity.check_hello(agent_id, request.hostname))
        now_ms = epoch_ms(self.clock)
        await asyncio.to_thread(self.state.record_hello, agent_id, request, context.peer(), now_ms)
        log.info("agent %s (%s, %s) said hello from %s", agent_id, request.hostname, request.agent_version, context.peer())
        return ingest_pb2.HelloReply(server_time_unix_ms=now_ms, max_batch_samples=self.max_batch_samples)

    async def Push(self, raw_request: bytes, context: grpc.aio.ServicerContext) -> ingest_pb2.PushAck:
        received = time.perf_counter()
        agent_id = await self._authenticate(context)
        request = await self._decode(raw_request, context)
        try:
            valid = self.validator.validate(request)
        except BatchRejected as exc:
            self.metrics.batches_rejected.labels(exc.reason).inc()
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        sample_count = len(valid.values)
        if self.pending_samples + sample_count > self.max_pending_samples:
            self.metrics.batches_rejected.labels(REJECT_REASON_OVERLOADED).inc()
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "collector is behind on storage; retry later")
        async with self._one_at_a_time(agent_id, request.sequence):
            if await self.storage.is_stored(agent_id, request.sequence):
                duplicate = True
            else:
                claims = await self._claimed(
                    context, agent_id, lambda: self.identity.check_batch(agent_id, valid, self.validator.labels_of))
                duplicate = await self._store(agent_id, request, valid, claims)
        if not duplicate:
            self.state.touch(agent_id, context.peer(), epoch_ms(self.clock))
            tell_listeners(self.listeners, agent_id, valid)
        self._count(duplicate, sample_count, received)
        return ingest_pb2.PushAck(sequence=request.sequence, duplicate=duplicate)

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, agent_id: str, sequence: int) -> AsyncIterator[None]:
        """A second push of a sequence waits until the first is stored (or failed), then sees its verdict."""
        key = (agent_id, sequence)
        while (busy := self._in_flight.get(key)) is not None:
            await busy.wait()
        done = self._in_flight[key] = asyncio.Event()
        try:
            yield
        finally:
            del self._in_flight[key]
            done.set()

    async def _claimed(self, context: grpc.aio.ServicerContext, agent_id: str, check: Callable[[], Claims]) -> Claims:
        """The first claims ``check()`` finds, persisted; PERMISSION_DENIED when they are another agent's."""
        try:
            claims = check()
        except IdentityRefused as exc:
            self.metrics.batches_rejected.labels(REJECT_REASON_FORGED_IDENTITY).inc()
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, str(exc))
        if claims:
            await asyncio.to_thread(self.state.record_claims, agent_id, claims.hostname, claims.devices,
                                    epoch_ms(self.clock))
        return claims

    async def _store(self, agent_id: str, request: ingest_pb2.Batch, valid: ValidBatch, claims: Claims) -> bool:
        """Store a batch not stored before: check results and inventory first (idempotent, so a crash before the
        samples' commit loses nothing on replay), then the samples, whose commit marks the sequence stored."""
        if request.checks or request.HasField("inventory"):
            await asyncio.to_thread(self.state.write_batch_records, agent_id, request)
        series_ids = self.storage.resolve_series(agent_id, valid.keys, self.validator.labels_of)
        write = SampleWrite(agent_id, request.sequence, series_ids[valid.series_index], valid.timestamps_ms, valid.values)
        self.pending_samples += len(valid.values)
        try:
            result = await self.storage.write(write)
        finally:
            self.pending_samples -= len(valid.values)
        if result.duplicate:  # cannot happen while one push per sequence passes is_stored; storage has the last word
            log.error("batch %d of %s was stored meanwhile by another push", request.sequence, agent_id)
        return result.duplicate

    async def GetAssignedInputs(self, request: ingest_pb2.AssignedInputsRequest,
                                context: grpc.aio.ServicerContext) -> ingest_pb2.AssignedInputs:
        agent_id = await self._authenticate(context)
        assigned = await asyncio.to_thread(self.assignments.inputs_for, agent_id)
        if assigned.version == request.known_version:
            return ingest_pb2.AssignedInputs(version=assigned.version, unchanged=True)
        return ingest_pb2.AssignedInputs(version=assigned.version, inputs_yaml=assigned.inputs_yaml)

    async def _decode(self, raw_request: bytes, context: grpc.aio.ServicerContext) -> ingest_pb2.Batch:
        try:
            return ingest_pb2.Batch.FromString(raw_request)
        except DecodeError as exc:
            self.metrics.batches_rejected.labels(REJECT_REASON_UNDECODABLE).inc()
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                f"the request is not a valid itops.v1.Batch message ({len(raw_request)} bytes): {exc}")

    def _count(self, duplicate: bool, sample_count: int, received: float) -> None:
        self.metrics.batches_ingested.inc()
        if duplicate:
            self.metrics.duplicate_batches.inc()
        else:
            self.metrics.samples_ingested.inc(sample_count)
        self.metrics.ingest_duration.observe(time.perf_counter() - received)


def tell_listeners(listeners: Mapping[str, StoredBatchListener], agent_id: str, valid: ValidBatch) -> None:
    """Each listener (by what it does) sees a stored batch; a failure in one never costs the agent its ack, nor the
    other listeners their look."""
    for does, listener in listeners.items():
        try:
            listener(agent_id, valid)
        except Exception:
            log.exception("%s of a batch from %s failed", does, agent_id)


def add_ingest_service(service: IngestService, server: grpc.aio.Server) -> None:
    """Like the generated ``add_IngestServicer_to_server``, but Push receives the raw bytes so that an
    undecodable batch gets INVALID_ARGUMENT with a clear message instead of gRPC's generic UNKNOWN.
    The server must have been made with an IngestAdmission interceptor, which authenticates every call."""
    handlers = {
        "Hello": grpc.unary_unary_rpc_method_handler(
            service.Hello, request_deserializer=ingest_pb2.AgentHello.FromString,
            response_serializer=ingest_pb2.HelloReply.SerializeToString),
        "Push": grpc.unary_unary_rpc_method_handler(
            service.Push, request_deserializer=None, response_serializer=ingest_pb2.PushAck.SerializeToString),
        "GetAssignedInputs": grpc.unary_unary_rpc_method_handler(
            service.GetAssignedInputs, request_deserializer=ingest_pb2.AssignedInputsRequest.FromString,
            response_serializer=ingest_pb2.AssignedInputs.SerializeToString),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("itops.v1.Ingest", handlers),))
