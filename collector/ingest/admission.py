"""Admission to the agents' gRPC endpoint, decided from a call's metadata before its message is read.

gRPC Python reads a unary call's request message before it calls the handler (grpc.aio's
``_handle_unary_unary_rpc`` awaits ``_receive_message`` first), so a unary handler that only aborts still
takes the whole body into memory: 24 concurrent 50 MiB calls without a token held the collector at 2 GiB. A
stream-unary handler gets its requests as an iterator that reads nothing until asked, and on the wire a
unary call is a stream-unary call with one message. So every Ingest method is served through a stream-unary
handler that authenticates the call (its bearer token on the token port, its client certificate on the mTLS port:
``Authenticator``) and checks the in-flight caps first, and only then reads the one message.

The admitted agent's id reaches the service through ``admitted_agent()``: the handler sets it in the
context it awaits the service's method in, so it holds exactly for that call.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

import grpc

from itops.collector.ingest.agent_credentials import TokenAuthenticator
from itops.collector.ingest.in_flight import InFlightLedger, OverLimit
from itops.collector.ingest.self_metrics import REJECT_REASON_UNAUTHENTICATED, CollectorMetrics

__all__ = ["Authenticator", "BearerTokens", "IngestAdmission", "admitted_agent", "claimed_agent"]

AGENT_ID_METADATA = "x-itops-agent-id"  # what the agent says it is (agent/identity.py); the token proves it
MAX_AGENT_ID_SHOWN = 128  # the longest id a credential may have
Metadata = tuple[tuple[str, str | bytes], ...] | None
_ADMITTED_AGENT: contextvars.ContextVar[str] = contextvars.ContextVar("itops_admitted_agent")


def admitted_agent() -> str:
    """The agent whose call is being served; only inside a method served through IngestAdmission."""
    return _ADMITTED_AGENT.get()


class Authenticator(Protocol):
    def authenticate(self, metadata: Metadata, context: grpc.aio.ServicerContext) -> tuple[str | None, str]:
        """(the agent id the call proves, "") or (None, why it is refused)."""


class IngestAdmission(grpc.aio.ServerInterceptor):
    """``open_methods``: methods served without authentication (Enroll, whose message carries its own token)."""

    def __init__(self, authenticator: Authenticator, in_flight: InFlightLedger, metrics: CollectorMetrics,
                 open_methods: frozenset[str] = frozenset()):
        self.authenticator = authenticator
        self.in_flight = in_flight
        self.metrics = metrics
        self.open_methods = open_methods

    async def intercept_service(self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
                                handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None  # gRPC answers UNIMPLEMENTED without reading anything
        if handler_call_details.method in self.open_methods:
            return handler
        return self._admitting_handler(handler_call_details.invocation_metadata, handler)

    def _admitting_handler(self, metadata: Metadata, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """``handler`` (unary-unary, as every Ingest method is) behind authentication and the in-flight caps."""

        async def admit(requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext):
            agent_id, refusal = self.authenticator.authenticate(metadata, context)
            if agent_id is None:
                self.metrics.batches_rejected.labels(REJECT_REASON_UNAUTHENTICATED).inc()
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, refusal)
            try:
                with self.in_flight.call(agent_id) as call:
                    raw_request = await _only_message(requests, context)
                    call.add_bytes(len(raw_request))
                    request = handler.request_deserializer(raw_request) if handler.request_deserializer else raw_request
                    _ADMITTED_AGENT.set(agent_id)
                    return await handler.unary_unary(request, context)
            except OverLimit as exc:
                self.metrics.calls_over_limit.labels(exc.limit).inc()
                await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))

        # Raw bytes in: the handler's own deserializer runs after the size is counted.
        return grpc.stream_unary_rpc_method_handler(admit, response_serializer=handler.response_serializer)


class BearerTokens:
    """The token port's authentication: ``authorization: Bearer …`` of an agent in the config's ``agents``."""

    def __init__(self, tokens: TokenAuthenticator, enabled: bool = True):
        self.tokens = tokens
        self.enabled = enabled

    def authenticate(self, metadata: Metadata, _context: grpc.aio.ServicerContext) -> tuple[str | None, str]:
        if not self.enabled:
            return None, ("bearer tokens are off on this collector (enrollment.bearer_tokens: false): enroll the "
                          "agent (`itops-agent enroll`) and send to the mTLS port")
        agent_id = self.tokens.agent_for(metadata)
        return (agent_id, "") if agent_id is not None else (None, _refusal_text(metadata))


def claimed_agent(metadata: Metadata) -> str | None:
    """The agent id a call says it is (``x-itops-agent-id``)."""
    return next((value for key, value in metadata or () if key == AGENT_ID_METADATA and isinstance(value, str)), None)


def _refusal_text(metadata: Metadata) -> str:
    """Why a call is UNAUTHENTICATED, naming the agent id it claims (``x-itops-agent-id``), so that one of
    two agents on a machine can tell the refusal is its own. The same words whether or not that agent is
    known: the caller learns nothing it did not send."""
    claimed = claimed_agent(metadata)
    has_token = any(key == "authorization" for key, _ in metadata or ())
    what = "token refused" if has_token else "no bearer token"
    if claimed is None:
        return f"{what}; the call named no agent id ({AGENT_ID_METADATA})"
    return (f"{what} for agent {claimed[:MAX_AGENT_ID_SHOWN]!r}: compare the agent's collector.token_file with the "
            "token_sha256 of its entry under the collector's agents (`itops-collector new-token ID` makes both)")


async def _only_message(requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext) -> bytes:
    async for raw_request in requests:
        return raw_request
    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the call carried no request message")
