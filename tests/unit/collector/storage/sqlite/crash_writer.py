"""Writes batches until killed, printing ``<sequence> <duplicate>`` for each acknowledged one.

Run by test_sqlite_crash.py: ``crash_writer.py DATA_DIR FIRST_SEQUENCE CONFIG``. Batch ``s`` holds
SAMPLES_PER_BATCH samples of series ``k{s // 5 + i}`` (so new series keep appearing) at time
``s * 1000 + i`` with value ``s``. In the "compacting" config tiny head and window settings keep the
compactor busy the whole time; in "head_only" nothing is compacted, so a batch stored twice stays
visible as raw rows.
"""

from __future__ import annotations

import asyncio
import itertools
import sys

import numpy as np

from itops.collector.storage.base import SampleWrite
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage

AGENT_ID = "crash-agent"
SAMPLES_PER_BATCH = 50
CONCURRENT_WRITERS = 4
CRASH_TEST_CONFIGS = {
    "compacting": dict(chunk_window=60, window_close_delay=0, head_max_samples=2000, compaction_step_samples=1000),
    "head_only": dict(head_compaction_age=86400, head_max_samples=10**9),
}


def batch_keys(sequence: int) -> list[str]:
    return [f"k{sequence // 5 + i}" for i in range(SAMPLES_PER_BATCH)]


def batch_timestamps_ms(sequence: int) -> np.ndarray:
    return sequence * 1000 + np.arange(SAMPLES_PER_BATCH, dtype=np.int64)


async def write_forever(store: SQLiteStorage, sequences) -> None:
    for sequence in sequences:
        series_ids = store.resolve_series(AGENT_ID, batch_keys(sequence), lambda key: (key, {}))
        values = np.full(SAMPLES_PER_BATCH, float(sequence))
        result = await store.write(SampleWrite(AGENT_ID, sequence, series_ids, batch_timestamps_ms(sequence), values))
        print(sequence, int(result.duplicate), flush=True)


async def main(data_dir: str, first_sequence: int, config_name: str) -> None:
    store = SQLiteStorage(SQLiteConfig(path=data_dir, **CRASH_TEST_CONFIGS[config_name]))
    await store.open()
    print("ready", flush=True)
    sequences = itertools.count(first_sequence)  # shared, so the writers interleave sequences
    await asyncio.gather(*(write_forever(store, sequences) for _ in range(CONCURRENT_WRITERS)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
