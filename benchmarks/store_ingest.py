"""Store-only ingest: throughput and durable-ack latency of the SQLite store.

Each writer is one agent with 1,000 series sending 1,000-sample SampleWrites stamped with the current
time, alternating two shapes (1,000 series x 1 point, 250 series x 4 points at 15 s apart), as fast as
acks come back.

    .venv/bin/python benchmarks/store_ingest.py --writers 1,10,100 --seconds 10 --paced-rates 400000,800000
    .venv/bin/python benchmarks/store_ingest.py --preload-samples 50000000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from itops.collector.storage.base import SampleWrite
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage

SERIES_PER_AGENT = 1000
SAMPLES_PER_WRITE = 1000
INTERVAL_MS = 15_000
PRELOAD_SERIES = 10_000
PRELOAD_SAMPLES_PER_WRITE = 200_000
COMMITS: list[tuple[float, int, int]] = []  # (seconds, batches, samples) per group commit


def labels_of(key: str) -> tuple[str, dict[str, str]]:
    metric, _, instance = key.partition("/")
    return metric, {"instance": instance}


class Writer:
    def __init__(self, store: SQLiteStorage, agent_id: str):
        keys = [f"metric_{i % 50}/{i}" for i in range(SERIES_PER_AGENT)]
        self.store, self.agent_id = store, agent_id
        self.series_ids = store.resolve_series(agent_id, keys, labels_of)
        self.sequence = 0
        self.latencies_s: list[float] = []
        self.samples = 0

    def next_write(self) -> SampleWrite:
        self.sequence += 1
        now_ms = int(time.time() * 1000)
        if self.sequence % 2:
            series_ids = self.series_ids
            timestamps_ms = np.full(SAMPLES_PER_WRITE, now_ms, dtype=np.int64)
        else:
            series_ids = np.repeat(self.series_ids[:250], 4)
            timestamps_ms = now_ms - np.tile(np.arange(4, dtype=np.int64) * INTERVAL_MS, 250)
        values = np.random.default_rng(self.sequence).random(SAMPLES_PER_WRITE)
        return SampleWrite(self.agent_id, self.sequence, series_ids, timestamps_ms, values)

    async def run_until(self, deadline: float, pause_s: float) -> None:
        """Write back to back, or one write per ``pause_s`` when pacing (an open loop at a fixed rate)."""
        next_start = time.perf_counter() + random.uniform(0, pause_s)
        while next_start < deadline:
            await asyncio.sleep(next_start - time.perf_counter())
            batch = self.next_write()
            started = time.perf_counter()
            await self.store.write(batch)
            self.latencies_s.append(time.perf_counter() - started)
            self.samples += SAMPLES_PER_WRITE
            next_start = max(next_start + pause_s, time.perf_counter()) if pause_s else time.perf_counter()


async def preload(store: SQLiteStorage, samples: int) -> None:
    """Historic data in big writes, then compacted: what a store looks like after a while in service."""
    series_ids = store.resolve_series("preload", [f"preload_{i}/x" for i in range(PRELOAD_SERIES)], labels_of)
    points = PRELOAD_SAMPLES_PER_WRITE // PRELOAD_SERIES
    start_ms = int(time.time() * 1000) - samples // PRELOAD_SERIES * INTERVAL_MS - 86_400_000
    writes = []
    for sequence in range(samples // PRELOAD_SAMPLES_PER_WRITE):
        timestamps_ms = start_ms + (sequence * points + np.arange(points, dtype=np.int64)) * INTERVAL_MS
        writes.append(store.write(SampleWrite(
            "preload", sequence, np.repeat(series_ids, points), np.tile(timestamps_ms, PRELOAD_SERIES),
            np.random.default_rng(sequence).random(PRELOAD_SAMPLES_PER_WRITE),
        )))
        if len(writes) == 8:
            await asyncio.gather(*writes)
            writes.clear()
    await asyncio.gather(*writes)
    await store.compact()


async def measure(store: SQLiteStorage, writer_count: int, seconds: float, rate: float, run: int) -> None:
    writers = [Writer(store, f"bench-{run}-{i}") for i in range(writer_count)]
    pause_s = writer_count * SAMPLES_PER_WRITE / rate if rate else 0.0
    COMMITS.clear()
    started = time.perf_counter()
    await asyncio.gather(*(writer.run_until(started + seconds, pause_s) for writer in writers))
    elapsed = time.perf_counter() - started
    latencies_ms = np.array([latency for writer in writers for latency in writer.latencies_s]) * 1000
    samples = sum(writer.samples for writer in writers)
    batches_per_commit = np.mean([batches for _, batches, _ in COMMITS])
    stats = store.stats()
    print(
        f"writers={writer_count:4d}  offered={f'{rate:,.0f}/s' if rate else 'max':>11}  {samples / elapsed:>10,.0f} samples/s  ack p50={np.percentile(latencies_ms, 50):6.1f} ms"
        f"  p99={np.percentile(latencies_ms, 99):6.1f} ms  max={latencies_ms.max():6.1f} ms"
        f"  batches/commit={batches_per_commit:5.1f}  head={stats.head_samples:,} chunks={stats.chunks:,}"
    )


async def main(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="itops-ingest-"))
    store = SQLiteStorage(SQLiteConfig(path=str(data_dir)), on_commit=lambda *commit: COMMITS.append(commit))
    await store.open()
    try:
        if args.preload_samples:
            started = time.perf_counter()
            await preload(store, args.preload_samples)
            print(f"preloaded {args.preload_samples:,} samples in {time.perf_counter() - started:.1f} s: {store.stats()}")
        runs = [(int(n), 0.0) for n in args.writers.split(",") if n] + [(100, rate) for rate in args.paced_rates]
        for run, (writer_count, rate) in enumerate(runs):
            await measure(store, writer_count, args.seconds, rate, run)
    finally:
        await store.close()
        if not args.data_dir:
            shutil.rmtree(data_dir)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", default="1,10,100", help="comma-separated concurrent writer counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run")
    parser.add_argument("--paced-rates", type=lambda text: [float(r) for r in text.split(",") if r],
                        default=[400_000.0, 800_000.0],
                        help="then 100 writers offering these total samples/s, for ack latency below saturation")
    parser.add_argument("--preload-samples", type=int, default=0, help="samples stored before measuring")
    parser.add_argument("--data-dir", help="store directory (default: a temporary one, removed afterwards)")
    asyncio.run(main(parser.parse_args()))
