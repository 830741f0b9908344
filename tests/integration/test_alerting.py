"""Alerting end to end in the real collector: a batch crosses a threshold → a webhook receiver on
127.0.0.1 gets the notification; a collector restart neither re-notifies nor forgets the firing alert;
it resolves later; silences and maintenance windows set over the HTTP API or the CLI mute it, and need an
admin token."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import grpc
import pytest

from itops.collector.ingest.agent_credentials import token_sha256
from itops.v1 import ingest_pb2, ingest_pb2_grpc

from tests.simulators.webhook_receiver import WebhookReceiver

from .conftest import BIN, CollectorProcess, wait_until

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "admin-token-for-tests"
RULES = """\
rules:
  - name: TestValueHigh
    metric: itops_test_value
    function: last
    op: ">"
    threshold: 10
    severity: P2
    annotations:
      summary: "value {{ value }} on {{ labels.host }}"
      summary_zh: "{{ labels.host }} 数值 {{ value }}"
"""


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.close()


def _statuses(receiver) -> list[str]:
    return [body["status"] for body in receiver.bodies()]


@pytest.fixture
def alerting_collector(tmp_path, tls_dir, agent_token, receiver):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    config = (
        f"admin_tokens:\n  - name: wang\n    token_sha256: {token_sha256(ADMIN_TOKEN)}\n"
        f"alerting:\n  shipped_rules: false\n  rule_files: ['{rules}']\n  evaluation_interval: 0.5s\n"
        f"  receivers:\n    ops:\n      - type: webhook\n        url: {receiver.url}\n"
        f"  dispatch:\n    route:\n      receiver: ops\n      group_wait: 0s\n      group_interval: 1s\n      repeat_interval: 1h\n"
        f"  maintenance:\n    windows:\n      - name: db-backup\n        matchers: ['host=\"db-never\"']\n"
        f"        cron: '0 3 * * *'\n        duration: 1h\n"
    )
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}, extra_config=config).start()
    yield collector
    if collector.process.poll() is None:
        collector.process.kill()


def _push(collector, tls_dir, token, sequence, value, key='itops_test_value{host="pc-1"}'):
    batch = ingest_pb2.Batch(sequence=sequence, samples=ingest_pb2.SampleBlock(
        series=[key], series_index=[0], timestamps_ms=[int(time.time() * 1000)], values=[value]))
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    with grpc.secure_channel(collector.grpc_address, credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        ingest_pb2_grpc.IngestStub(channel).Push(batch, metadata=(("authorization", f"Bearer {token}"),), timeout=10)


def _alert_states(collector) -> list[str]:
    return [a["state"] for a in collector.get("/api/v1/alerts")["alerts"] if a["rule"] == "TestValueHigh"]


def _call(collector, method: str, path: str, token: str | None, body: dict | None = None):
    request = urllib.request.Request(
        collector.http_url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _post_silence(collector, token: str | None):
    return _call(collector, "POST", "/api/v1/silences", token,
                 {"matchers": ['alertname="TestValueHigh"'], "duration": "1h", "comment": "replacing the sensor"})


@pytest.mark.timeout(120)
def test_threshold_fires_survives_restart_without_renotifying_and_resolves(alerting_collector, tls_dir, agent_token, receiver):
    collector = alerting_collector
    _push(collector, tls_dir, agent_token, 1, 50.0)
    wait_until(lambda: _statuses(receiver) == ["firing"], 15, "the firing notification")
    alert = receiver.bodies()[0]["alerts"][0]
    assert alert["labels"]["alertname"] == "TestValueHigh" and alert["labels"]["host"] == "pc-1"
    assert alert["annotations"]["summary"] == "value 50 on pc-1"
    assert _alert_states(collector) == ["firing"]
    sent = collector.get("/api/v1/notifications", [("receiver", "ops")])["notifications"]
    assert [(n["status"], n["outcome"]) for n in sent] == [("firing", "sent")]
    with pytest.raises(urllib.error.HTTPError) as refused:
        collector.get("/api/v1/notifications", [("limit", "-1")])  # SQLite would read it as "no limit"
    assert (refused.value.code, json.load(refused.value)["parameter"]) == (400, "limit")

    assert collector.stop() == 0
    collector.start()
    time.sleep(3)
    assert _statuses(receiver) == ["firing"], "a restart must not notify again"
    assert _alert_states(collector) == ["firing"], "a firing alert must survive the restart"

    _push(collector, tls_dir, agent_token, 2, 1.0)
    wait_until(lambda: _statuses(receiver) == ["firing", "resolved"], 15, "the resolved notification")


@pytest.mark.timeout(120)
def test_silence_mutes_and_needs_an_admin_token(alerting_collector, tls_dir, agent_token, receiver):
    collector = alerting_collector
    with pytest.raises(urllib.error.HTTPError) as error:
        _post_silence(collector, None)
    assert error.value.code == 401
    silence = _post_silence(collector, ADMIN_TOKEN)
    assert silence["created_by"] == "wang" and silence["matchers"] == ['alertname="TestValueHigh"']
    _push(collector, tls_dir, agent_token, 1, 50.0)
    wait_until(lambda: _alert_states(collector) == ["firing"], 15, "the alert to fire")
    [alert] = collector.get("/api/v1/alerts")["alerts"]
    assert any("silence" in reason and "wang" in reason for reason in alert["muted_by"])
    assert alert["entity"] == {"kind": "host", "key": "agent-a", "name": "pc-1"}  # its page
    time.sleep(2)
    assert receiver.received == [], "a silenced alert is recorded, not notified"
    assert [s["id"] for s in collector.get("/api/v1/silences")["silences"]] == [silence["id"]]


def test_cli_lists_alerts_and_manages_silences(alerting_collector, tls_dir, agent_token):
    collector = alerting_collector
    itops = [BIN / "itops", "--url", collector.http_url]
    env = {**os.environ, "ITOPS_TOKEN": ADMIN_TOKEN}
    _push(collector, tls_dir, agent_token, 1, 50.0)
    wait_until(lambda: _alert_states(collector) == ["firing"], 15, "the alert to fire")
    listed = subprocess.run([*itops, "alerts"], capture_output=True, text=True, check=True).stdout
    assert "P2" in listed and "firing" in listed and "TestValueHigh" in listed and "pc-1 数值 50" in listed
    added = subprocess.run([*itops, "silences", "add", "--matcher", 'host="pc-1"', "--duration", "30m",
                            "--comment", "planned reboot"], capture_output=True, text=True, check=True, env=env).stdout
    silence_id = collector.get("/api/v1/silences")["silences"][0]["id"]
    assert added.startswith(f"silence {silence_id} until ")
    assert "planned reboot" in subprocess.run([*itops, "silences", "list"], capture_output=True, text=True, check=True).stdout
    subprocess.run([*itops, "silences", "expire", "--id", silence_id], check=True, capture_output=True, env=env)
    assert collector.get("/api/v1/silences")["silences"] == []
    later = subprocess.run([*itops, "silences", "add", "--matcher", 'host="pc-1"', "--start", "2099-01-01T22:00+08:00",
                            "--duration", "4h", "--comment", "planned"], capture_output=True, text=True, check=True, env=env)
    assert later.stdout.rstrip().endswith("until 2099-01-02 02:00:00 (Asia/Shanghai)")  # 18:00 UTC, to the second
    [planned] = collector.get("/api/v1/silences")["silences"]
    assert planned["starts_at"] == "2099-01-01T14:00:00+00:00"
    assert any(a["muted_by"] == [] for a in collector.get("/api/v1/alerts")["alerts"]), "a future silence mutes nothing yet"
    refused = subprocess.run([*itops, "silences", "add", "--matcher", 'host="pc-1"'], capture_output=True, text=True,
                             env={**os.environ, "ITOPS_TOKEN": "wrong"})
    assert refused.returncode == 1 and "HTTP 401" in refused.stderr and "refused the API token given" in refused.stderr


@pytest.mark.timeout(120)
def test_maintenance_window_added_by_cli_mutes_and_the_api_needs_an_admin_token(alerting_collector, tls_dir, agent_token,
                                                                                 receiver):
    collector = alerting_collector
    itops = [BIN / "itops", "--url", collector.http_url]
    now = datetime.now(timezone.utc)
    added = subprocess.run(
        [*itops, "maintenance", "add", "--name", "patch night", "--matcher", 'host=~"pc-.*"', "--comment", "kernel update",
         "--start", (now - timedelta(minutes=5)).isoformat(), "--end", (now + timedelta(hours=1)).isoformat()],
        capture_output=True, text=True, check=True, env={**os.environ, "ITOPS_TOKEN": ADMIN_TOKEN}).stdout
    windows = collector.get("/api/v1/maintenance")["windows"]
    assert [(w["name"], w["source"], w["created_by"]) for w in windows] == [
        ("db-backup", "config", None), ("patch night", "api", "wang")]
    assert added == f"maintenance window {windows[1]['id']} (patch night) added\n"
    assert "patch night" in subprocess.run([*itops, "maintenance", "list"], capture_output=True, text=True, check=True).stdout

    _push(collector, tls_dir, agent_token, 1, 50.0)
    wait_until(lambda: _alert_states(collector) == ["firing"], 15, "the alert to fire")
    [alert] = collector.get("/api/v1/alerts")["alerts"]
    assert [reason.split(" until ")[0] for reason in alert["muted_by"]] == ["maintenance patch night"]
    time.sleep(2)
    assert receiver.received == [], "an alert in maintenance is recorded, not notified"

    window = {"name": "other", "matchers": ['host="pc-2"'], "cron": "0 22 * * 6", "duration": "4h"}
    for method, path, body in (("POST", "/api/v1/maintenance", window), ("DELETE", f"/api/v1/maintenance/{windows[1]['id']}", None)):
        with pytest.raises(urllib.error.HTTPError) as refused:
            _call(collector, method, path, None, body)
        assert refused.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as bad:
        _call(collector, "POST", "/api/v1/maintenance", ADMIN_TOKEN, {**window, "duration": "soon"})
    assert bad.value.code == 400 and json.load(bad.value)["parameter"] == "duration"
    with pytest.raises(urllib.error.HTTPError) as configured:
        _call(collector, "DELETE", "/api/v1/maintenance/db-backup", ADMIN_TOKEN)
    assert configured.value.code == 409 and "config file" in json.load(configured.value)["error"]
    subprocess.run([*itops, "maintenance", "delete", "--id", windows[1]["id"], "--token", ADMIN_TOKEN], check=True,
                   capture_output=True)
    assert [w["name"] for w in collector.get("/api/v1/maintenance")["windows"]] == ["db-backup"]
