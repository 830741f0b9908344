"""Reports from the real collector process: an alert opens an incident, the monthly report made on demand
through `itops report monthly` (PDF and CSV) lists it, and the scheduler makes up last month's report at
start-up."""

import csv
import io
import json
import subprocess
import urllib.request
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from itops.collector.ingest.agent_credentials import token_sha256

from .conftest import BIN, CollectorProcess, wait_until
from .test_alerting import _push
from .test_incidents_from_alerts import RULES

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "reports-admin-token-0123"


@pytest.fixture
def reporting_collector(tmp_path, tls_dir, agent_token):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    config = (
        f"admin_tokens:\n  - name: wang\n    token_sha256: {token_sha256(ADMIN_TOKEN)}\n"
        f"alerting:\n  shipped_rules: false\n  rule_files: ['{rules}']\n  evaluation_interval: 0.5s\n"
        f"  incidents: {{}}\n"
        f"reports:\n  languages: [zh-CN, en]\n  formats: [csv]\n"
    )
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}, extra_config=config).start()
    yield collector
    if collector.process.poll() is None:
        collector.process.kill()


def _itops(collector, *args) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "itops", "--url", collector.http_url, *args], capture_output=True, text=True,
                          timeout=60, env={"ITOPS_TOKEN": ADMIN_TOKEN, "PATH": "/usr/bin:/bin"})


def _month_opened(collector, incident_id: str) -> str:
    request = urllib.request.Request(f"{collector.http_url}/api/v1/incidents/INC-{incident_id}",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        opened_at = datetime.fromisoformat(json.load(response)["opened_at"])
    return opened_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


@pytest.mark.timeout(180)
def test_monthly_report_of_the_running_collector_lists_the_incident(reporting_collector, tls_dir, agent_token,
                                                                   tmp_path):
    _push(reporting_collector, tls_dir, agent_token, 1, 50.0)
    wait_until(lambda: "INC-" in _itops(reporting_collector, "incidents", "list").stdout, 20, "the incident")
    incident_id = _itops(reporting_collector, "incidents", "list").stdout.split("INC-", 1)[1].split()[0]
    month = _month_opened(reporting_collector, incident_id)  # by the collector's clock, not this process's

    pdf = tmp_path / "report.pdf"
    done = _itops(reporting_collector, "report", "monthly", "--month", month, "--lang", "en", "--format", "pdf",
                  "-o", str(pdf))
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert month in text and f"INC-{incident_id}" in text

    sheet = tmp_path / "report.csv"
    done = _itops(reporting_collector, "report", "monthly", "--month", month, "--lang", "en", "--format", "csv",
                  "-o", str(sheet))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    assert any(f"INC-{incident_id}" in row for row in rows)
    assert ["Incidents by severity", "P2", "1", "0"] in rows
    # the month is not over: the P2 opened a moment ago is pending, not judged as at the month's end
    assert ["Headline figures", "Incidents with a breach", "count", "0", "0", "0"] in rows


@pytest.mark.timeout(120)
def test_scheduler_makes_up_the_previous_months_report_at_start_up(reporting_collector, tmp_path):
    # The process runs on the real clock. A month's report is due at 01:00 on the next 1st (monthly_at), so
    # the month due is the one before the month an hour ago (local) falls in: at 00:30 on the 1st, two back.
    hour_ago = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")) - timedelta(hours=1)
    previous = f"{hour_ago.year - 1}-12" if hour_ago.month == 1 else f"{hour_ago.year}-{hour_ago.month - 1:02d}"
    monthly = tmp_path / "state" / "reports" / "monthly"
    wait_until(lambda: sorted(p.name for p in monthly.glob("*.csv")) == [f"{previous}.en.csv", f"{previous}.zh-CN.csv"],
               60, "last month's reports")
