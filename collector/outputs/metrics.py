"""The outputs' own metrics, on the collector's /metrics. One set of families for all outputs, each series
labelled ``output`` with the output's name; the registry is passed in so tests can use their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["DropReason", "FailureReason", "OutputMetrics", "OutputSeries"]

_WRITE_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class DropReason(StrEnum):
    QUEUE_FULL = "queue_full"  # pushed out of the queue by newer samples
    REJECTED = "rejected"  # the destination refused them (HTTP 400: a type conflict, a malformed line)
    NOT_FINITE = "not_finite"  # NaN or ±Inf, which line protocol cannot carry


class FailureReason(StrEnum):
    CONNECTION = "connection"
    TIMEOUT = "timeout"
    THROTTLED = "throttled"  # HTTP 429
    SERVER_ERROR = "server_error"  # HTTP 5xx
    UNAUTHORIZED = "unauthorized"  # HTTP 401, 403
    REJECTED = "rejected"  # other HTTP 4xx
    TOO_LARGE = "too_large"  # HTTP 413: the batch is split


class OutputMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.queued_samples = Gauge(
            "itops_output_queued_samples", "Samples in the output's local queue, not yet written.", ["output"],
            registry=registry)
        self.queued_bytes = Gauge(
            "itops_output_queued_bytes", "Bytes of line protocol in the output's local queue.", ["output"],
            registry=registry)
        self.queue_limit_bytes = Gauge(
            "itops_output_queue_limit_bytes", "The bound of the output's local queue (outbox_limit).", ["output"],
            registry=registry)
        self.oldest_queued_age_seconds = Gauge(
            "itops_output_oldest_queued_age_seconds", "How long the oldest queued sample has waited (0 when the "
            "queue is empty).", ["output"], registry=registry)
        self.written_samples = Counter(
            "itops_output_written_samples", "Samples the destination accepted.", ["output"], registry=registry)
        self.dropped_samples = Counter(
            "itops_output_dropped_samples", "Samples that will never be written, by reason (queue_full, rejected, "
            "not_finite).", ["output", "reason"], registry=registry)
        self.write_failures = Counter(
            "itops_output_write_failures", "Write requests that failed, by reason (connection, timeout, throttled, "
            "server_error, unauthorized, rejected, too_large).", ["output", "reason"], registry=registry)
        self.up = Gauge(
            "itops_output_up", "1 when the output's last write succeeded, 0 when it failed.", ["output"],
            registry=registry)
        self.write_duration_seconds = Histogram(
            "itops_output_write_duration_seconds", "Duration of one write request, failed ones included.", ["output"],
            buckets=_WRITE_BUCKETS_S, registry=registry)

    def series(self, output: str) -> OutputSeries:
        """The series of one output, every reason's counter at 0 from the start (so rate() sees the first one)."""
        series = OutputSeries(
            written=self.written_samples.labels(output).inc,
            dropped={reason: self.dropped_samples.labels(output, reason).inc for reason in DropReason},
            failed={reason: self.write_failures.labels(output, reason).inc for reason in FailureReason},
            up=self.up.labels(output).set,
            write_duration=self.write_duration_seconds.labels(output).observe,
        )
        self.up.labels(output).set(1)
        return series

    def watch_queue(self, output: str, samples: Callable[[], float], size_bytes: Callable[[], float],
                    limit_bytes: int, oldest_age_s: Callable[[], float]) -> None:
        self.queued_samples.labels(output).set_function(samples)
        self.queued_bytes.labels(output).set_function(size_bytes)
        self.queue_limit_bytes.labels(output).set(limit_bytes)
        self.oldest_queued_age_seconds.labels(output).set_function(oldest_age_s)


@dataclass(frozen=True)
class OutputSeries:
    """One output's counters and gauges, bound to its name."""

    written: Callable[[float], None]
    dropped: dict[DropReason, Callable[[float], None]]
    failed: dict[FailureReason, Callable[[float], None]]
    up: Callable[[float], None]
    write_duration: Callable[[float], None]
