"""Range-query latency of the SQLite store holding 7 days x 100 hosts x 10 series at 15 s (~40 M samples; each
host's series named as an agent names its CPU, load, memory, swap, filesystem, disk and network series).

Builds the store once in --data-dir (reused when it already holds the data), then runs 24 h queries
for one host's 10 series at several steps: per-query latency, and latency of the 10 queries of one
host issued together (what a dashboard panel does).

    .venv/bin/python benchmarks/query.py --data-dir /tmp/itops-query-bench
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from itops.collector.storage.base import SampleWrite
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage
from itops.series_key import format_series_key, parse_series_key

HOSTS = 100
SERIES_PER_HOST = 10
INTERVAL_MS = 15_000
DAYS = 7
DAY_MS = 86_400_000
END_MS = 1_767_225_600_000  # 2026-01-01T00:00Z; fixed so a reused store matches
START_MS = END_MS - DAYS * DAY_MS
STEPS_S = (60, 300, 3600)
HOST_ROUNDS = 30  # x 10 series = 300 queries per step


# A host's series as its agent names them, so benchmarks/host_page.py can chart them (the values are noise).
HOST_SERIES = (("itops_host_cpu_usage_ratio", {"cpu": "total"}), ("itops_host_load1", {}), ("itops_host_load5", {}),
               ("itops_host_load15", {}), ("itops_host_memory_usage_ratio", {}), ("itops_host_swap_usage_ratio", {}),
               ("itops_host_filesystem_usage_ratio", {"mountpoint": "/"}),
               ("itops_host_filesystem_usage_ratio", {"mountpoint": "/var"}),
               ("itops_host_disk_busy_ratio", {"disk": "sda"}),
               ("itops_host_network_received_bytes_per_second", {"interface": "eth0"}))
assert len(HOST_SERIES) == SERIES_PER_HOST


def series_keys(host: int) -> list[str]:
    return [format_series_key(name, {**labels, "host": f"host-{host}"}) for name, labels in HOST_SERIES]


def resolve_host(store: SQLiteStorage, host: int) -> np.ndarray:
    return store.resolve_series(f"host-{host}", series_keys(host), parse_series_key)


async def build(store: SQLiteStorage) -> None:
    """One SampleWrite per host and day, written 8 at a time, then everything compacted."""
    day_offsets_ms = np.arange(0, DAY_MS, INTERVAL_MS, dtype=np.int64)
    pending = []
    for host in range(HOSTS):
        series_ids = resolve_host(store, host)
        for day in range(DAYS):
            timestamps_ms = START_MS + day * DAY_MS + day_offsets_ms
            values = np.random.default_rng(host * DAYS + day).normal(50, 10, (SERIES_PER_HOST, timestamps_ms.size))
            pending.append(store.write(SampleWrite(
                f"host-{host}", day, np.repeat(series_ids, timestamps_ms.size),
                np.tile(timestamps_ms, SERIES_PER_HOST), values.ravel().round(2),
            )))
            if len(pending) == 8:
                await asyncio.gather(*pending)
                pending.clear()
    await asyncio.gather(*pending)
    await store.compact()


async def timed(query) -> float:
    started = time.perf_counter()
    await query
    return (time.perf_counter() - started) * 1000


async def measure(store: SQLiteStorage, step_s: int) -> None:
    rng = random.Random(step_s)
    single_ms, host_ms, points = [], [], []
    for _ in range(HOST_ROUNDS):
        series_ids = resolve_host(store, rng.randrange(HOSTS)).tolist()
        end_ms = END_MS - rng.randrange(0, 6 * DAY_MS, 60_000)
        start_ms = end_ms - DAY_MS
        for series_id in series_ids:
            single_ms.append(await timed(store.query_range(series_id, start_ms, end_ms, step_s * 1000, "avg")))
        started = time.perf_counter()
        results = await asyncio.gather(
            *(store.query_range(series_id, start_ms, end_ms, step_s * 1000, "avg") for series_id in series_ids)
        )
        host_ms.append((time.perf_counter() - started) * 1000)
        points.append(results[0].values.size)
    print(
        f"24h step={step_s:5d}s  buckets={int(np.median(points)):5d}  one series: p50={np.percentile(single_ms, 50):5.2f} ms"
        f" p99={np.percentile(single_ms, 99):5.2f} ms ({len(single_ms)} queries)  10 series of a host together:"
        f" p50={np.percentile(host_ms, 50):5.2f} ms p99={np.percentile(host_ms, 99):5.2f} ms ({len(host_ms)} rounds)"
    )


@contextlib.asynccontextmanager
async def benchmark_store(data_dir: str) -> AsyncIterator[SQLiteStorage]:
    """The 100-host store in ``data_dir``, built first if it is not there yet."""
    store = SQLiteStorage(SQLiteConfig(path=data_dir))
    await store.open()
    try:
        if store.stats().series < HOSTS * SERIES_PER_HOST:
            started = time.perf_counter()
            await build(store)
            print(f"built {HOSTS * SERIES_PER_HOST * DAYS * DAY_MS // INTERVAL_MS:,} samples in "
                  f"{time.perf_counter() - started:.1f} s")
        print(f"store: {store.stats()}")
        yield store
    finally:
        await store.close()


async def main(args: argparse.Namespace) -> None:
    async with benchmark_store(args.data_dir) as store:
        for step_s in STEPS_S:
            await measure(store, step_s)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(Path("/tmp/itops-query-bench")), help="store directory (reused)")
    asyncio.run(main(parser.parse_args()))
