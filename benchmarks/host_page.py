"""Server time of a host page's charts in the console, on the 100-host store of benchmarks/query.py (built there,
or here if --data-dir does not hold it yet): for a random host and range end, the charts endpoint's work for the
24 h range — every chart of the host (10 series over ~300 steps each), thresholds, forecasts — and its JSON.
Target: ≤ 300 ms.

    .venv/bin/python benchmarks/host_page.py --data-dir /tmp/itops-query-bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query import DAY_MS, END_MS, HOSTS, benchmark_store

from itops.collector.records.entity_charts import chart_data
from itops.collector.storage.sqlite.sqlite import SQLiteStorage
from itops.entities import EntityKind

ROUNDS = 40
RANGES_MS = {"24h": DAY_MS, "7d": 7 * DAY_MS}


def no_thresholds(_metric, _labels):
    return []


async def measure(store: SQLiteStorage, range_name: str) -> None:
    rng = random.Random(7)
    by_host = {}
    for info in store.list_series():
        by_host.setdefault(info.labels["host"], []).append(info)
    took_ms, sizes = [], []
    for _ in range(ROUNDS):
        series = by_host[f"host-{rng.randrange(HOSTS)}"]
        end_ms = END_MS - rng.randrange(0, 6 * DAY_MS, 60_000) if range_name == "24h" else END_MS
        started = time.perf_counter()
        data = await chart_data(store, EntityKind.HOST, series, end_ms - RANGES_MS[range_name], end_ms,
                                no_thresholds, "Asia/Shanghai")
        body = json.dumps(data)
        took_ms.append((time.perf_counter() - started) * 1000)
        sizes.append(len(body))
    charts = len(data["charts"])
    points = sum(len(line["points"]) for chart in data["charts"] for line in chart["series"])
    print(f"host page {range_name}: {charts} charts, {points} points, {int(np.median(sizes)) // 1024} KiB JSON;"
          f" server time p50={np.percentile(took_ms, 50):.1f} ms p99={np.percentile(took_ms, 99):.1f} ms"
          f" max={max(took_ms):.1f} ms ({ROUNDS} pages)")


async def main(args: argparse.Namespace) -> None:
    async with benchmark_store(args.data_dir) as store:
        for range_name in RANGES_MS:
            await measure(store, range_name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(Path("/tmp/itops-query-bench")), help="store directory (reused)")
    asyncio.run(main(parser.parse_args()))
