"""Nothing acknowledged is lost, nothing is stored twice: collector outage, collector SIGKILL, agent restart.

The agent gathers host metrics every second with no jitter, so ``itops_host_uptime_seconds`` has exactly
one sample per gather: a lost batch shows as a gap of about 2 s, and the store's own sample count shows
anything stored twice.
"""

import asyncio
import random
import time

import pytest

from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.store import SQLiteStorage

from .conftest import raw_points, wait_until

pytestmark = pytest.mark.integration

UPTIME = "itops_host_uptime_seconds"


def _assert_one_sample_per_second(points, what):
    assert points, f"no {UPTIME} samples {what}"
    timestamps = [t for t, _ in points]
    gaps = [(a, b) for a, b in zip(timestamps, timestamps[1:]) if b - a > 1500]
    assert gaps == [], f"samples missing {what}: gaps {gaps[:5]}"


def _stored_sample_count(collector) -> int:
    async def count():
        store = SQLiteStorage(SQLiteConfig(path=str(collector.workdir / "tsdb")))
        await store.open()
        try:
            return store.stats().samples
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
    _assert_one_sample_per_second(points, "over the whole run")
    assert collector.stop() == 0
    sealed, acked = agent.sealed_batches(), agent.acked_batches()
    assert set(sealed) == set(acked)
    assert _stored_sample_count(collector) == sum(sealed.values())
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
