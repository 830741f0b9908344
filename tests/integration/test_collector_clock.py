"""The in-process collector asks the clock it is given, not the real one, what time it is."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from itops.collector.config import CollectorConfig
from itops.collector.server import Collector
from itops.collector.records.agent_register import STATE_FILE_NAME
from itops.v1 import ingest_pb2
from itops.common.yaml_config import load_text

pytestmark = pytest.mark.integration

NOW = datetime(2031, 5, 20, 3, 0, tzinfo=UTC)  # years from any real date the suite runs on
DAY = timedelta(days=1)


def config(tmp_path: Path) -> CollectorConfig:
    return load_text(f"""
data_dir: {tmp_path / "state"}
grpc: {{listen: "127.0.0.1:0", insecure: true}}
http: {{listen: "127.0.0.1:0"}}
storage: {{type: sqlite, path: {tmp_path / "tsdb"}}}
check_history_retention: 30d
reports: {{enabled: false}}
""", CollectorConfig)


def check_batch(sequence: int, at: datetime) -> ingest_pb2.Batch:
    check = ingest_pb2.CheckResult(check="tcp_connect", target="erp:443", status=ingest_pb2.CHECK_STATUS_OK,
                                   timestamp_ms=int(at.timestamp() * 1000))
    return ingest_pb2.Batch(sequence=sequence, checks=[check])


def test_retention_forgets_check_results_older_than_kept_by_the_given_clock(tmp_path):
    async def scenario() -> list[int]:
        collector = Collector(config(tmp_path), clock=lambda: NOW)
        await collector.start()
        try:
            for sequence, age in enumerate((31 * DAY, 29 * DAY, DAY)):
                collector.state.write_batch_records("agent-a", check_batch(sequence, NOW - age))
            await collector.apply_retention()
        finally:
            await collector.stop()
        with sqlite3.connect(tmp_path / "state" / STATE_FILE_NAME) as db:
            return [row[0] for row in db.execute("SELECT timestamp_ms FROM check_results ORDER BY timestamp_ms")]

    kept = asyncio.run(scenario())
    assert kept == [int((NOW - age).timestamp() * 1000) for age in (29 * DAY, DAY)]
