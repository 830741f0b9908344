"""The cost of one GET /metrics/fleet scrape over 100,000 fresh series (200 agents x 500 series, 6 labels each).

Each agent sends every 15 s for the last 10 minutes (40 batches, 4 M samples in the head, as the store holds
them between compactions); then the same data regrouped into fresh chunks (what the store does early when the head
is over its limit), then merged into compressed chunks (only ``compact()`` does that to data this recent). The endpoint runs in an
aiohttp server on 127.0.0.1 and is read by an aiohttp client: wall time of the whole scrape, bytes, the longest
the event loop was held (a ticker measures its lag), and the memory the response path allocates at its peak
(tracemalloc, in a separate scrape, since tracing slows everything down).

    .venv/bin/python benchmarks/fleet_scrape.py --data-dir /tmp/itops-fleet-bench
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import time
import tracemalloc
from pathlib import Path

import aiohttp
import numpy as np
from aiohttp import web

from itops.collector.api.routes.fleet_metrics import add_fleet_metrics_route
from itops.collector.storage.base import SampleWrite
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage
from itops.series_key import parse_series_key

AGENTS = 200
SERIES_PER_AGENT = 500
INTERVAL_MS = 15_000
BATCHES = 40  # 10 minutes
STALE_AFTER_S = 300
METRICS = ("itops_host_filesystem_usage_ratio", "itops_host_network_receive_bytes_total",
           "itops_host_disk_reads_total", "itops_host_cpu_usage_ratio", "itops_printer_supply_remaining_ratio")


def agent_keys(agent: int) -> list[str]:
    return [f'{METRICS[i % len(METRICS)]}{{department="dept-{agent % 7}",host="host-{agent}",'
            f'item="{i}",location="building-{agent % 3}/floor-{agent % 5}"}}' for i in range(SERIES_PER_AGENT)]


async def build(store: SQLiteStorage, now_ms: int) -> None:
    rng = np.random.default_rng(1)
    ids = [store.resolve_series(f"agent-{a}", agent_keys(a), parse_series_key) for a in range(AGENTS)]
    for batch in range(BATCHES):
        timestamp_ms = now_ms - (BATCHES - batch) * INTERVAL_MS
        await asyncio.gather(*(store.write(SampleWrite(
            f"agent-{a}", batch + 1, ids[a], np.full(SERIES_PER_AGENT, timestamp_ms, dtype=np.int64),
            rng.random(SERIES_PER_AGENT).round(4))) for a in range(AGENTS)))


async def scrape(url: str) -> tuple[float, int, float]:
    """(seconds, bytes, longest event-loop lag in seconds) of one scrape."""
    lag = 0.0
    stop = asyncio.Event()

    async def ticker():
        nonlocal lag
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            lag = max(lag, time.perf_counter() - before - 0.001)

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    size = 0
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, await response.text()
        async for chunk in response.content.iter_chunked(1 << 16):
            size += len(chunk)
    seconds = time.perf_counter() - started
    stop.set()
    await ticking
    return seconds, size, lag


async def measure(store: SQLiteStorage, label: str) -> None:
    app = web.Application()
    add_fleet_metrics_route(app, store, STALE_AFTER_S, require_login_for_reads=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/metrics/fleet"
    try:
        await scrape(url)  # warm the page cache and the read connection
        runs = [await scrape(url) for _ in range(3)]
        started = time.perf_counter()
        latest = await store.latest_samples(int((time.time() - STALE_AFTER_S) * 1000))
        read_s = time.perf_counter() - started
        tracemalloc.start()
        await scrape(url)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        await runner.cleanup()
    best = min(runs)
    print(f"{label}: {latest.series_ids.size} series, scrape {best[0]:.2f} s (median {sorted(runs)[1][0]:.2f} s), "
          f"{best[1] / 2**20:.1f} MiB, latest_samples {read_s:.3f} s, longest loop lag {max(r[2] for r in runs) * 1000:.0f} ms, "
          f"peak allocated during a scrape (server and client) {peak / 2**20:.1f} MiB")


async def regrouped(data_dir: Path) -> SQLiteStorage:
    """The store reopened with a head limit of one sample: the writer regroups the whole head into fresh chunks."""
    store = SQLiteStorage(SQLiteConfig(path=str(data_dir), head_max_samples=1))
    await store.open()
    while store.stats().head_samples > 1:
        await asyncio.sleep(0.2)
    return store


async def main(data_dir: Path) -> None:
    shutil.rmtree(data_dir, ignore_errors=True)
    store = SQLiteStorage(SQLiteConfig(path=str(data_dir), head_compaction_age=86400, head_max_samples=10**9))
    await store.open()
    started = time.perf_counter()
    await build(store, int(time.time() * 1000))
    print(f"built {AGENTS * SERIES_PER_AGENT} series x {BATCHES} samples in {time.perf_counter() - started:.1f} s; "
          f"store {store.stats().db_bytes / 2**20:.0f} MiB")
    await measure(store, "head (as between compactions)")
    await store.close()
    store = await regrouped(data_dir)
    try:
        await measure(store, "fresh chunks (head regrouped early)")
        await store.compact()
        await measure(store, "merged chunks (all compacted: the worst case)")
    finally:
        await store.close()
    print(f"peak RSS of the process (build included) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/itops-fleet-bench"))
    asyncio.run(main(parser.parse_args().data_dir))
