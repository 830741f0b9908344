"""Nothing acknowledged is lost, nothing is stored twice: collector outage, collector SIGKILL, agent restart.

``itops_host_uptime_seconds`` has exactly one sample per host gather, and the agent logs every gather:
the stored series must have exactly as many samples as there were gathers, and the store's own count
of samples (before any compaction) must equal the sum over acknowledged batches, so nothing is there twice.
"""

import asyncio
import random
import re
import time

import pytest

from itops.agent.buffer import DiskBuffer
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage
from itops.v1 import ingest_pb2

from .conftest import raw_points, wait_until

pytestmark = pytest.mark.integration

UPTIME = "itops_host_uptime_seconds"


def _uptime_samples_left_in_buffer(agent) -> int:
    buffer = DiskBuffer(str(agent.buffer_path), 2**30, clock=time.time)
    left, seen = 0, set()
    while (batch := buffer.oldest(exclude=seen)) is not None:
        seen.add(batch.sequence)
        block = ingest_pb2.Batch.FromString(batch.payload).samples
        left += sum(1 for index in block.series_index if block.series[index].startswith(UPTIME + "{"))
    buffer.close()
    return left


def _assert_one_sample_per_gather(points, agent):
    gathers = len(re.findall(r"input host gathered \d+ samples", agent.log_text()))
    assert gathers >= 5
    stored_expected = gathers - _uptime_samples_left_in_buffer(agent)
    assert len(points) == stored_expected, f"{stored_expected} host gathers sent but {len(points)} {UPTIME} samples stored"


def _stored_sample_count(collector) -> int:
    """Samples as stored, before compaction could fold a twice-stored batch into one copy."""
    async def count():
        store = SQLiteStorage(SQLiteConfig(path=str(collector.workdir / "tsdb")))
        await store.open()
        try:
            stats = store.stats()
            assert stats.chunks == 0, "the test must finish before head compaction starts"
            return stats.head_samples
        finally:
            await store.close()

    return asyncio.run(count())


def _drained(agent) -> bool:
    sealed = agent.sealed_batches()
    return sealed and set(sealed) <= set(agent.acked_batches())


def _finish_and_check_exactly_once(collector, agent):
    """Stop the agent (it flushes), let everything drain, stop the collector, compare counts."""
    assert agent.stop() == 0
    agent.start()  # replays whatever the stop left in the buffer
    wait_until(lambda: _drained(agent), 60, "the agent's buffer to drain")
    assert agent.stop() == 0
    points = raw_points(collector, UPTIME, since="30m")
    _assert_one_sample_per_gather(points, agent)
    assert collector.stop() == 0
    sealed, acked = agent.sealed_batches(), agent.acked_batches()
    left_in_buffer = set(sealed) - set(acked)
    assert set(acked) <= set(sealed)
    assert len(left_in_buffer) == int(re.findall(r"agent stopped; (\d+) batches buffered", agent.log_text())[-1])
    assert _stored_sample_count(collector) == sum(acked.values())
    return points


@pytest.mark.timeout(240)
def test_collector_outage_of_30s_loses_nothing_and_live_data_goes_first(collector, make_agent):
    agent = make_agent().start()
    wait_until(lambda: len(agent.acked_batches()) >= 3, 30, "steady ingest before the outage")
    assert collector.stop() == 0
    outage_started = time.time()
    time.sleep(30)
    acked_before_restart = len(agent.acked_batches())
    collector.start()
    wait_until(lambda: _drained(agent), 60, "the backlog to be replayed")
    after = list(agent.acked_batches())[acked_before_restart:]
    backlog = [seq for seq in after if seq < after[0]]
    assert len(backlog) >= 25, f"expected a 30 s backlog to be replayed, got {len(backlog)} batches"
    assert after[0] > max(backlog), "the first batch after the outage should be live data, not backlog"
    assert backlog == sorted(backlog), "the backlog should be replayed oldest first"
    points = _finish_and_check_exactly_once(collector, agent)
    assert any(outage_started * 1000 < t < outage_started * 1000 + 30_000 for t, _ in points)


@pytest.mark.timeout(240)
def test_collector_sigkill_during_ingest_loses_no_acknowledged_sample(collector, make_agent):
    agent = make_agent(interval_s=1.0).start()
    rng = random.Random(7)
    for _ in range(3):
        wait_until(lambda: len(agent.acked_batches()) >= 2, 30, "ingest before the kill")
        time.sleep(rng.uniform(0.5, 3.0))
        collector.kill()
        time.sleep(rng.uniform(0.5, 2.0))
        collector.start()
    wait_until(lambda: _drained(agent), 60, "the backlog to be replayed")
    _finish_and_check_exactly_once(collector, agent)


@pytest.mark.timeout(240)
def test_agent_restart_with_full_buffer_replays_it(collector, make_agent):
    agent = make_agent().start()
    wait_until(lambda: agent.acked_batches(), 30, "first batch acknowledged")
    assert collector.stop() == 0
    time.sleep(5)
    assert agent.stop() == 0
    unsent = set(agent.sealed_batches()) - set(agent.acked_batches())
    assert len(unsent) >= 4, "the agent should have buffered batches while the collector was down"
    collector.start()
    agent.start()
    wait_until(lambda: unsent <= set(agent.acked_batches()), 60, "the buffered batches to be replayed")
    _finish_and_check_exactly_once(collector, agent)
