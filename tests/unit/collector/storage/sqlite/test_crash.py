"""SIGKILL at random moments: every acknowledged batch is present after restart, whole and once."""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.unit.collector.storage.sqlite.crash_writer import CRASH_TEST_CONFIGS, SAMPLES_PER_BATCH, batch_keys, batch_timestamps_ms
from tests.unit.collector.storage.sqlite.storage_helpers import opened_store

KILLS = 6
WRITER_SCRIPT = Path(__file__).with_name("crash_writer.py")


def run_until_killed(data_dir: Path, first_sequence: int, config_name: str, rng: random.Random) -> set[int]:
    """Start the writer, SIGKILL it at a random moment; return the sequences it saw acked."""
    process = subprocess.Popen(
        [sys.executable, str(WRITER_SCRIPT), str(data_dir), str(first_sequence), config_name],
        stdout=subprocess.PIPE, text=True, cwd=WRITER_SCRIPT.parent,
    )
    assert process.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0.05, 1.2))
    process.send_signal(signal.SIGKILL)
    output, _ = process.communicate()
    return {int(line.split()[0]) for line in output.splitlines()}


async def stored_samples(data_dir: Path, config_name: str) -> dict[tuple[str, int], float]:
    """(series key, timestamp) -> value, as read back through the store after compacting everything."""
    async with opened_store(data_dir, **CRASH_TEST_CONFIGS[config_name]) as store:
        await store.compact()
        samples = {}
        for series in store.list_series():
            result = await store.query_range(series.id, 0, 2**53, 1, "last")
            samples.update({(series.name, int(ts)): value for ts, value in zip(result.timestamps_ms, result.values)})
        return samples


def raw_sample_count(data_dir: Path) -> int:
    """Samples as stored, before the query path's last-write-wins would hide a batch stored twice."""
    conn = sqlite3.connect(data_dir / "series.db")
    try:
        head, chunks = conn.execute(
            "SELECT (SELECT COALESCE(SUM(count), 0) FROM head), (SELECT COALESCE(SUM(count), 0) FROM chunks)"
        ).fetchone()
        return head + chunks
    finally:
        conn.close()


@pytest.mark.parametrize("config_name", sorted(CRASH_TEST_CONFIGS))
def test_every_acknowledged_batch_survives_sigkill_whole_and_once(tmp_path, config_name):
    rng = random.Random(20240607)
    acked: set[int] = set()
    next_sequence = 0
    for _ in range(KILLS):
        life = run_until_killed(tmp_path, next_sequence, config_name, rng)
        # Restart just after the last ack: batches in flight at the kill are re-sent and must dedupe.
        next_sequence = max(life, default=next_sequence - 1) + 1
        acked |= life

    raw_samples = raw_sample_count(tmp_path)
    samples = asyncio.run(stored_samples(tmp_path, config_name))
    stored_sequences = {int(value) for value in samples.values()}
    assert acked, "the writer never got an ack"
    assert set(acked) <= stored_sequences
    for sequence in stored_sequences:  # acked or in flight at a kill: all of the batch or nothing
        for key, timestamp_ms in zip(batch_keys(sequence), batch_timestamps_ms(sequence).tolist()):
            assert samples.get((key, timestamp_ms)) == float(sequence), f"batch {sequence} is partial"
    assert len(samples) == len(stored_sequences) * SAMPLES_PER_BATCH
    assert raw_samples == len(samples)
