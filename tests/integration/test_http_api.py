"""The HTTP API answers bad requests with 400 naming the parameter, and tracks agents going offline."""

import json
import time
import urllib.error
import urllib.request

import pytest

from .conftest import AgentProcess, CollectorProcess, wait_until

pytestmark = pytest.mark.integration


def _error(collector, query: str) -> tuple[int, dict]:
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{collector.http_url}/api/v1/points?{query}", timeout=10)
    return error.value.code, json.loads(error.value.read())


@pytest.mark.parametrize("query, parameter, text", [
    ("since=5m", "name", "required"),
    ("name=m", "since", "give `since`"),
    ("name=m&since=soon", "since", "expected a duration"),
    ("name=m&since=5m&aggregation=median", "aggregation", "expected one of avg, min, max, last"),
    ("name=m&start=2026-11-01T00:00:00", "start", "needs a zone offset"),
    ("name=m&start=yesterday", "start", "expected unix seconds or an RFC 3339 time"),
    ("name=m&start=100&end=50", "end", "must be after start"),
    ("name=m&since=5m&label=host", "label", "expected name=value"),
])
def test_bad_query_is_400_naming_the_parameter(collector, query, parameter, text):
    status, body = _error(collector, query)
    assert status == 400 and body["parameter"] == parameter and text in body["error"]


def test_agent_shows_offline_after_it_stops_reporting(tmp_path, tls_dir, agent_token):
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}, extra_config="offline_after: 3s\n").start()
    agent = AgentProcess(tmp_path, tls_dir, "agent-a", agent_token, collector.grpc_address)
    try:
        agent.start()
        wait_until(lambda: collector.get("/api/v1/agents")["agents"][0]["online"], 20, "agent online")
        assert agent.stop() == 0
        time.sleep(4)
        record = collector.get("/api/v1/agents")["agents"][0]
        assert record["online"] is False
        assert "itops_collector_connected_agents 0.0" in collector.metrics_text()
    finally:
        for process in (agent.process, collector.process):
            if process is not None and process.poll() is None:
                process.kill()
