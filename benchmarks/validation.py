"""Cost of BatchValidator.validate per 1,000-sample batch, in µs (median and best of many runs).

    .venv/bin/python benchmarks/validation.py

Shapes: 1000 series × 1 point and 250 series × 4 points. "warm": the validator has seen the keys before,
the steady state of an agent that sends the same series every interval. "cold": a new validator for every
batch, so every key is parsed and checked. Each batch is decoded from its wire bytes beforehand, as the
gRPC server hands it over, and the decode is not timed.
"""

from __future__ import annotations

import statistics
import time

from itops.collector.ingest.validation import BatchValidator, ValidationLimits
from itops.v1 import ingest_pb2

NOW_MS = 1_700_000_000_000
BATCHES = 300
SHAPES = ((1000, 1), (250, 4))


def encode_batch(series_count: int, points: int, sequence: int) -> bytes:
    batch = ingest_pb2.Batch(sequence=sequence, created_unix_ms=NOW_MS)
    samples = batch.samples
    samples.series.extend(
        f'itops_bench_value{{device="d{index % 50}",host="bench-host-01",index="{index}"}}' for index in range(series_count)
    )
    for point in range(points):
        samples.series_index.extend(range(series_count))
        samples.timestamps_ms.extend([NOW_MS - (points - point) * 15_000] * series_count)
        samples.values.extend(float(index * point) for index in range(series_count))
    return batch.SerializeToString()


def time_batches_us(batches: list[ingest_pb2.Batch], new_validator_per_batch: bool) -> list[float]:
    limits = ValidationLimits()
    validator = BatchValidator(limits, clock=lambda: NOW_MS / 1000)
    validator.validate(batches[0])
    timings_us = []
    for batch in batches:
        if new_validator_per_batch:
            validator = BatchValidator(limits, clock=lambda: NOW_MS / 1000)
        started_ns = time.perf_counter_ns()
        validator.validate(batch)
        timings_us.append((time.perf_counter_ns() - started_ns) / 1000)
    return timings_us


def main() -> None:
    print(f"{'shape':>10} {'cache':>5} {'median µs':>10} {'best µs':>8}")
    for series_count, points in SHAPES:
        batches = [ingest_pb2.Batch.FromString(encode_batch(series_count, points, sequence)) for sequence in range(1, BATCHES + 1)]
        for cache, cold in (("warm", False), ("cold", True)):
            timings_us = time_batches_us(batches, new_validator_per_batch=cold)
            shape = f"{series_count}x{points}"
            print(f"{shape:>10} {cache:>5} {statistics.median(timings_us):>10.0f} {min(timings_us):>8.0f}")


if __name__ == "__main__":
    main()
