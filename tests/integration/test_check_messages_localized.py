"""Check messages reach readers in their language: a check said by the agent's own code (report_check with its
message parts) and one from an older agent (free text only) are pushed over gRPC to the real collector app on
a set clock; the zh-CN daily report, the API and a rule's summary_zh show the first in Chinese, the second as
sent."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from datetime import UTC, datetime

import grpc
import pytest

from itops.agent.batcher import GatherResult
from itops.agent.checks import CheckStatus, report_check
from itops.agent.inputs.attendance_clock.attendance_clock import DRIFT_OVER_LIMIT, ONLINE
from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .clocked_collector import ADMIN_TOKEN, ClockedCollector, SetClock
from .conftest import BIN, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

MORNING = datetime(2031, 5, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TOKEN = "agent-pc-7-token-0123456789"
RULES = """\
rules:
  - name: AttendanceClockDrift
    check: attendance_clock
    statuses: {WARNING: P3}
    annotations:
      summary: "{{ labels.target }}: {{ message }}"
      summary_zh: "{{ labels.target }}：{{ message }}"
"""


@pytest.fixture
def collector(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    extra = (f"alerting: {{shipped_rules: false, rule_files: ['{rules}'], evaluation_interval: 0.2s, incidents: {{}}}}\n"
             "reports: {languages: [zh-CN, en], formats: [csv]}\n")
    running = ClockedCollector(tmp_path, SetClock(MORNING), agents={"agent-pc-7": TOKEN}, extra_config=extra).start()
    yield running
    running.stop()


def _push(collector: ClockedCollector) -> None:
    now_s = collector.clock().timestamp()
    said = GatherResult({"host": "pc-7"}, clock=lambda: now_s)  # the agent's own check code
    report_check(said, "attendance_clock", "door-1", CheckStatus.WARNING,
                 [ONLINE(), DRIFT_OVER_LIMIT(drift_s=600.0, limit_s=300.0)])
    old_agent = ingest_pb2.CheckResult(check="tcp_connect", target="erp:443", status=ingest_pb2.CHECK_STATUS_CRITICAL,
                                       message="connection refused: nothing listens on the port",
                                       timestamp_ms=int(now_s * 1000), labels=[ingest_pb2.Label(name="host", value="pc-7")])
    metadata = (("authorization", f"Bearer {TOKEN}"),)
    with grpc.insecure_channel(collector.grpc_address) as channel:
        stub = ingest_pb2_grpc.IngestStub(channel)
        stub.Hello(ingest_pb2.AgentHello(agent_id="agent-pc-7", hostname="pc-7", boot_time_unix_ms=int(now_s * 1000) - 60_000),
                   metadata=metadata, timeout=10)
        stub.Push(ingest_pb2.Batch(sequence=1, checks=[*said.checks, old_agent]), metadata=metadata, timeout=10)


def _get(collector: ClockedCollector, path: str) -> dict:
    request = urllib.request.Request(collector.http_url + path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_a_checks_message_is_in_the_readers_language_and_an_old_agents_text_as_sent(collector, tmp_path):
    _push(collector)
    checks = {c["check"]: c for c in _get(collector, "/api/v1/checks")["checks"]}
    clock = checks["attendance_clock"]
    assert clock["message"] == "online; clock is 10 min fast (more than 300 s off)"  # the agent's English, as sent
    assert clock["messages"] == {"zh-CN": "在线；时钟快 10 分（误差超过 5 分）",
                                 "en": "online; clock is 10 min fast (more than 5 min off)"}
    assert [p["key"] for p in clock["message_parts"]] == ["attendance_clock.online", "attendance_clock.drift_over_limit"]
    assert checks["tcp_connect"]["messages"]["zh-CN"] == "connection refused: nothing listens on the port"

    done = subprocess.run([BIN / "itops", "--url", collector.http_url, "report", "daily", "--format", "txt", "-o",
                           str(tmp_path / "daily.txt")], capture_output=True, text=True, timeout=60,
                          env={"ITOPS_TOKEN": ADMIN_TOKEN, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "daily.txt").read_text()
    assert "在线；时钟快 10 分（误差超过 5 分）" in report and "clock is 10 min fast" not in report

    def summaries() -> list[dict]:
        return [a["annotations"] for a in _get(collector, "/api/v1/alerts")["alerts"]
                if a["labels"].get("alertname") == "AttendanceClockDrift"]

    wait_until(summaries, 20, "the drift alert")
    assert summaries()[0]["summary_zh"] == "door-1：在线；时钟快 10 分（误差超过 5 分）"
    assert summaries()[0]["summary"] == "door-1: online; clock is 10 min fast (more than 5 min off)"
