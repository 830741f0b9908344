"""The agent's own wall-clock reads (batch stamps, first gathers, self metrics) use the clock it is given."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from itops.agent.batcher import GatherResult
from itops.agent.config import load_agent_config
from itops.agent.service import Agent
from itops.v1 import ingest_pb2
from tests.unit.agent.fake_clock import SteppedClock

NOW = datetime(2027, 1, 1, 0, 0, 30, tzinfo=UTC)  # never the machine's time
NOW_S = NOW.timestamp()


@pytest.fixture
def agent(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(f"collector:\n  address: 127.0.0.1:9717\n  token: t\nbuffer:\n  path: {tmp_path / 'buffer'}\n"
                    "inputs:\n  - type: tcp_connect\n    targets: ['127.0.0.1:1']\n")
    agent = Agent(load_agent_config(str(path)), clock=SteppedClock(NOW_S))
    yield agent
    agent.executor.shutdown()
    agent.buffer.close()


def _gathered(value: float) -> GatherResult:
    result = GatherResult({"host": "h"}, clock=lambda: NOW_S - 5)
    result.add_sample("itops_test_value", value)
    return result


def test_flushed_batch_is_stamped_with_the_agents_clock(agent):
    agent.pending.add(_gathered(1.0))
    agent.flush()
    batch = agent.buffer.oldest()
    assert ingest_pb2.Batch.FromString(batch.payload).created_unix_ms == int(NOW_S * 1000)
    assert batch.sequence > int(NOW_S * 1_000_000)
    assert agent.buffer.stats().oldest_age_s == 0.0


def test_first_gathers_are_due_within_a_second_of_the_agents_clock(agent):
    agent._schedule()
    due = {job.id: job.next_run_time for job in agent.scheduler.get_jobs() if job.id != "self_metrics"}
    assert due and all(NOW <= when <= NOW + timedelta(seconds=1) for when in due.values()), due


def test_self_metrics_report_the_buffer_age_and_time_by_the_agents_clock(agent):
    agent.pending.add(_gathered(1.0))
    agent.flush()
    agent.clock.now_s += 45
    asyncio.run(agent.report_self())
    agent.flush()
    batch = agent.buffer.get(max(agent.sender.live))
    samples = _samples(ingest_pb2.Batch.FromString(batch.payload))
    assert samples["itops_agent_buffer_oldest_age_seconds"] == (45.0, int((NOW_S + 45) * 1000))
    assert samples["itops_agent_buffer_batches"] == (1.0, int((NOW_S + 45) * 1000))


def _samples(batch: ingest_pb2.Batch) -> dict[str, tuple[float, int]]:
    block = batch.samples
    return {block.series[index].split("{")[0]: (value, timestamp_ms)
            for index, value, timestamp_ms in zip(block.series_index, block.values, block.timestamps_ms)}


def _gathered_many(count: int) -> GatherResult:
    result = GatherResult({"host": "h"}, clock=lambda: NOW_S - 5)
    for index in range(count):
        result.add_sample("itops_test_value", float(index), {"n": str(index)})
    result.add_check(ingest_pb2.CheckResult(check="c", message="ok"))
    return result


def _sealed_batches(agent) -> list[ingest_pb2.Batch]:
    return [ingest_pb2.Batch.FromString(agent.buffer.get(sequence).payload) for sequence in agent.sender.live]


def test_a_gather_larger_than_a_batch_is_split_at_the_collectors_limit(agent):
    agent.sender.collector_max_batch_samples = 700  # what the collector's Hello reply said (below batch.max_samples)

    async def gather_then_flush():
        agent.accept(_gathered_many(2500))
        agent.flush()

    asyncio.run(gather_then_flush())
    batches = _sealed_batches(agent)
    assert [len(batch.samples.values) for batch in batches] == [700, 700, 700, 400]
    assert [value for batch in batches for value in batch.samples.values] == [float(i) for i in range(2500)]
    assert [len(batch.checks) for batch in batches] == [0, 0, 0, 1]  # the gather's check goes with its last samples


def test_without_a_collector_limit_batches_are_cut_at_the_agents_max_samples(agent):
    async def gather():
        agent.accept(_gathered_many(2500))

    asyncio.run(gather())
    assert [len(batch.samples.values) for batch in _sealed_batches(agent)] == [1000, 1000]
    assert agent.pending.sample_count == 500


def test_a_gather_that_fits_in_a_batch_is_never_split(agent):
    async def gather():
        agent.accept(_gathered_many(600))
        agent.accept(_gathered_many(600))

    asyncio.run(gather())
    assert [len(batch.samples.values) for batch in _sealed_batches(agent)] == [600]
    assert agent.pending.sample_count == 600
