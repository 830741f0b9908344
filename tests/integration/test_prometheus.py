"""Prometheus and the collector: a real agent sends to a real collector, whose /metrics and /metrics/fleet pass
``promtool check metrics``, and Debian's Prometheus scrapes both (the fleet with honor_labels and a bearer token,
reads being behind login) and answers PromQL with the fleet figures and the agents' series under their own labels."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from itops.collector.ingest.agent_credentials import new_token, token_sha256

from .conftest import AgentProcess, CollectorProcess, wait_until
from .time_series_servers import Prometheus

pytestmark = pytest.mark.integration

SCRAPE_TOKEN = new_token()
# A rule on one of the collector's own figures, which it stores of itself as agent itops-collector.
COLLECTOR_RULE = ("rules:\n  - {name: CollectorKnowsAgents, metric: itops_collector_known_agents, function: last, "
                  "op: '>', threshold: 0, severity: P4}\n")


def _collector_config(rules_path) -> str:
    return (f"admin_tokens: [{{name: prometheus, token_sha256: {token_sha256(SCRAPE_TOKEN)}}}]\n"
            "auth: {require_login_for_reads: true}\n"
            "metrics: {self_sample_interval: 1s}\n"
            f"alerting: {{shipped_rules: false, rule_files: ['{rules_path}'], incidents: {{}}}}\n")


def _get(collector: CollectorProcess, path: str, token: str | None = SCRAPE_TOKEN) -> tuple[int, str]:
    request = urllib.request.Request(collector.http_url + path,
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def collector_with_agent(tmp_path, tls_dir):
    token = new_token()
    rules = tmp_path / "rules.yaml"
    rules.write_text(COLLECTOR_RULE)
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": token}, extra_config=_collector_config(rules)).start()
    agent = AgentProcess(tmp_path, tls_dir, "agent-a", token, collector.grpc_address).start()
    wait_until(lambda: "itops_host_cpu_usage_ratio{" in _get(collector, "/metrics/fleet")[1], 30,
               "the agent's CPU usage (two gathers) on /metrics/fleet")
    wait_until(lambda: 'itops_alerts_firing{agent="itops-collector"' in _get(collector, "/metrics/fleet")[1], 30,
               "the collector's own figures on /metrics/fleet")
    yield collector
    agent.process.kill()
    collector.process.kill()


def _promtool_check(text: str) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is required (Debian package prometheus)"
    check = subprocess.run([promtool, "check", "metrics"], check=False, input=text, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.strip() == "" and check.stderr.strip() == "", check.stdout + check.stderr


def test_metrics_and_the_fleet_endpoint_pass_promtool(collector_with_agent):
    status, metrics = _get(collector_with_agent, "/metrics", token=None)
    assert status == 200
    assert 'itops_host_up{agent="agent-a",host="agent-a-host"} 1.0' in metrics
    assert 'itops_alerts_firing{severity="P1"} 0.0' in metrics
    assert 'itops_incident_sla_breaches_this_month{severity="P2",sla="resolution"} 0.0' in metrics
    _promtool_check(metrics)
    status, fleet = _get(collector_with_agent, "/metrics/fleet")
    assert status == 200
    assert "# TYPE itops_host_cpu_usage_ratio gauge" in fleet
    assert "# TYPE itops_collector_ingest_duration_seconds histogram" in fleet
    _promtool_check(fleet)


def test_the_fleet_endpoint_needs_a_token_when_reads_need_a_login(collector_with_agent):
    assert _get(collector_with_agent, "/metrics/fleet", token=None)[0] == 401
    status, text = _get(collector_with_agent, "/metrics/fleet?" + urllib.parse.urlencode(
        {"match[]": 'itops_host_uptime_seconds{host="agent-a-host"}'}))
    assert status == 200
    assert [line.split(" ")[0] for line in text.splitlines() if not line.startswith("#")] == [
        'itops_host_uptime_seconds{agent="agent-a",host="agent-a-host"}']
    assert _get(collector_with_agent, "/metrics/fleet?match[]=rate(x%5B1m%5D)")[0] == 400


def test_prometheus_scrapes_the_fleet_figures_and_the_agents_series_with_their_own_labels(collector_with_agent,
                                                                                          tmp_path):
    prometheus = Prometheus(tmp_path / "prometheus", f"127.0.0.1:{collector_with_agent.http_port}", SCRAPE_TOKEN).start()
    try:
        def answer(promql: str) -> list[dict]:
            return wait_until(lambda: prometheus.query(promql), 30, f"Prometheus to answer {promql}")

        [host_up] = answer('itops_host_up{job="itops-collector"}')
        assert host_up["metric"]["host"] == "agent-a-host" and host_up["metric"]["agent"] == "agent-a"
        assert host_up["value"][1] == "1"
        assert len(answer('itops_alerts_firing{job="itops-collector"}')) == 4
        [uptime] = answer('itops_host_uptime_seconds{job="itops-fleet"}')
        assert uptime["metric"] == {"__name__": "itops_host_uptime_seconds", "agent": "agent-a",
                                    "host": "agent-a-host", "job": "itops-fleet",
                                    "instance": f"127.0.0.1:{collector_with_agent.http_port}"}
        assert float(uptime["value"][1]) > 0
        stored = answer('sum(itops_incidents_open{agent="itops-collector", job="itops-fleet"})')
        assert stored[0]["value"][1] == "0"
        quantile = answer('histogram_quantile(0.9, itops_collector_ingest_duration_seconds_bucket{job="itops-fleet"})')
        assert float(quantile[0]["value"][1]) > 0
        assert {t["health"] for t in prometheus.targets()} == {"up"}, prometheus.targets()
    finally:
        prometheus.stop()


def test_rules_see_the_collectors_own_series_and_it_is_no_host_or_agent(collector_with_agent):
    def alerts() -> list[dict]:
        return json.loads(_get(collector_with_agent, "/api/v1/alerts")[1])["alerts"]

    [alert] = wait_until(lambda: [a for a in alerts() if a["state"] == "firing"], 30, "the rule on a collector figure")
    assert alert["rule"] == "CollectorKnowsAgents" and alert["labels"]["agent"] == "itops-collector"
    assert "host" not in alert["labels"]
    agents = json.loads(_get(collector_with_agent, "/api/v1/agents")[1])["agents"]
    assert [a["agent_id"] for a in agents] == ["agent-a"]
    entities = wait_until(lambda: json.loads(_get(collector_with_agent, "/api/v1/entities")[1])["entities"], 10,
                          "the directory's next refresh (it keeps a list for 5 s)")
    assert {(e["kind"], e["name"], e["agent"]) for e in entities} == {("host", "agent-a-host", "agent-a")}
