"""The collector's own metrics, exported on /metrics. The registry is passed in so tests can use their own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["CollectorMetrics", "REJECT_REASON_UNAUTHENTICATED", "REJECT_REASON_OVERLOADED", "REJECT_REASON_UNDECODABLE",
           "REJECT_REASON_FORGED_IDENTITY"]

REJECT_REASON_UNAUTHENTICATED = "unauthenticated"
REJECT_REASON_OVERLOADED = "overloaded"
REJECT_REASON_UNDECODABLE = "undecodable"
REJECT_REASON_FORGED_IDENTITY = "forged_identity"

_LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class CollectorMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.batches_ingested = Counter(
            "itops_collector_batches_ingested", "Batches accepted and durably stored (replays included).",
            registry=registry)
        self.samples_ingested = Counter(
            "itops_collector_samples_ingested", "Samples accepted and durably stored (replays that were duplicates excluded).",
            registry=registry)
        self.duplicate_batches = Counter(
            "itops_collector_duplicate_batches", "Batches acknowledged without storing because they had been stored before.",
            registry=registry)
        self.batches_rejected = Counter(
            "itops_collector_batches_rejected", "Batches rejected, by reason.", ["reason"], registry=registry)
        self.ingest_duration = Histogram(
            "itops_collector_ingest_duration_seconds", "Time from receiving a batch to acknowledging it.",
            buckets=_LATENCY_BUCKETS_S, registry=registry)
        self.storage_write_duration = Histogram(
            "itops_collector_storage_write_duration_seconds", "Duration of one durable storage commit (a group of batches).",
            buckets=_LATENCY_BUCKETS_S, registry=registry)
        self.connected_agents = Gauge(
            "itops_collector_connected_agents", "Agents heard from within offline_after.", registry=registry)
        self.known_agents = Gauge("itops_collector_known_agents", "Agents in the register.", registry=registry)
        self.audit_entries_dropped = Counter(
            "itops_collector_audit_entries_dropped", "Audit entries of anonymous requests not written: the client "
            "sent more than auth.audit_anonymous_per_client within auth.audit_anonymous_window.", registry=registry)
        self.pending_samples = Gauge(
            "itops_collector_pending_samples", "Samples accepted and waiting for a durable commit.", registry=registry)
        self.calls_over_limit = Counter(
            "itops_collector_calls_over_limit", "Agents' gRPC calls refused with RESOURCE_EXHAUSTED, by the grpc cap they "
            "would have passed (max_calls_per_agent, max_calls_in_flight, max_bytes_per_agent, max_bytes_in_flight).",
            ["limit"], registry=registry)
        self.calls_in_flight = Gauge(
            "itops_collector_calls_in_flight", "Agents' authenticated gRPC calls admitted and not yet answered.",
            registry=registry)
        self.request_bytes_in_flight = Gauge(
            "itops_collector_request_bytes_in_flight", "Bytes of the request messages of calls not yet answered.",
            registry=registry)
