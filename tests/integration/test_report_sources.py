"""The monthly report's inputs from a real collector's stores: batches pushed over gRPC make a service-down alert
fire and resolve and a toner level jump; after the collector stops, ``gather_monthly_inputs`` on its data
directory reports that downtime, the data coverage of the samples' own times, and the replacement."""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest

from itops.alerting.rules.alert_history import AlertHistory
from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.sla_config import SlaConfig
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.muting.maintenance_store import MaintenanceStore
from itops.collector.reports.figures.inputs import ReportMonth
from itops.collector.config import load_collector_config
from itops.collector.records.coverage import BUCKET_S, CoverageLedger
from itops.collector.reports.sources.monthly_inputs import gather_monthly_inputs
from itops.collector.records.agent_register import AgentRegister
from itops.collector.storage import STORAGE_BACKENDS
from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import CollectorProcess, wait_until

pytestmark = pytest.mark.integration

HOUR_MS = 3_600_000
SERVICE = "tcp_connect db.example:5432@pc-1"
PRINTER_KEY = 'itops_printer_supply_remaining_ratio{description="Black Toner",device="printer-1",host="pc-1",supply="1"}'
RULES = """\
rules:
  - name: TcpServiceDown
    check: tcp_connect
    statuses: {CRITICAL: P2}
    annotations:
      summary: "{{ labels.target }} down"
      summary_zh: "{{ labels.target }} 端口不通"
"""


@pytest.fixture
def reporting_collector(tmp_path, tls_dir, agent_token):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    config = (f"alerting:\n  shipped_rules: false\n  rule_files: ['{rules}']\n  evaluation_interval: 0.5s\n"
              f"  incidents: {{}}\n")
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}, extra_config=config).start()
    yield collector
    if collector.process.poll() is None:
        collector.process.kill()


def _push(collector, tls_dir, token, sequence, samples: list[tuple[str, int, float]], check_status: int, check_ms: int):
    keys = sorted({key for key, _, _ in samples})
    check = ingest_pb2.CheckResult(check="tcp_connect", target="db.example:5432", status=check_status,
                                   message="connection refused" if check_status else "connected", timestamp_ms=check_ms)
    check.labels.add(name="host", value="pc-1")
    batch = ingest_pb2.Batch(sequence=sequence, checks=[check], samples=ingest_pb2.SampleBlock(
        series=keys, series_index=[keys.index(key) for key, _, _ in samples],
        timestamps_ms=[ms for _, ms, _ in samples], values=[value for _, _, value in samples]))
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    with grpc.secure_channel(collector.grpc_address, credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        ingest_pb2_grpc.IngestStub(channel).Push(batch, metadata=(("authorization", f"Bearer {token}"),), timeout=10)


def _alert(collector) -> dict:
    [alert] = [a for a in collector.get("/api/v1/alerts")["alerts"] if a["rule"] == "TcpServiceDown"]
    return alert


async def _gather(workdir: Path, month, now: datetime):
    config = load_collector_config(str(workdir / "collector.yaml"))
    data_dir = Path(config.data_dir)
    storage = STORAGE_BACKENDS.implementation_class(config.storage.__struct_config__.tag)(config.storage)
    await storage.open()
    incidents = IncidentStore.open(f"sqlite:///{data_dir / 'alerting' / 'incidents.sqlite3'}")
    state, coverage = AgentRegister(str(data_dir)), CoverageLedger(data_dir / "coverage.sqlite3")
    try:
        return await gather_monthly_inputs(
            month, incidents=incidents, sla=SlaPolicy(SlaConfig()),
            maintenance=MaintenanceStore(data_dir / "alerting" / "maintenance.sqlite3"),
            history=AlertHistory(data_dir / "alerting" / "alert_history.sqlite3"), coverage=coverage,
            storage=storage, state=state, availability_alerts=["TcpServiceDown"], now=now)
    finally:
        await storage.close()
        incidents.dispose()
        state.close()


@pytest.mark.timeout(120)
def test_downtime_coverage_and_replacements_from_the_collectors_stores(reporting_collector, tls_dir, agent_token, tmp_path):
    collector = reporting_collector
    now_ms = int(time.time() * 1000)
    backlog_ms = now_ms - 40 * 60_000  # replayed data counts for when it was taken
    toner = [(PRINTER_KEY, now_ms - hours * HOUR_MS, level) for hours, level in ((3, 0.06), (2, 0.05), (1, 0.97))]
    first = [('itops_host_up{host="pc-1"}', backlog_ms, 1.0), ('itops_host_up{host="pc-1"}', now_ms, 1.0), *toner]
    _push(collector, tls_dir, agent_token, 1, first, ingest_pb2.CHECK_STATUS_CRITICAL, now_ms)
    wait_until(lambda: _alert(collector)["state"] == "firing", 15, "the service-down alert to fire")
    time.sleep(1.5)
    resolved_ms = int(time.time() * 1000)
    _push(collector, tls_dir, agent_token, 2, [('itops_host_up{host="pc-1"}', resolved_ms, 1.0)],
          ingest_pb2.CHECK_STATUS_OK, resolved_ms)
    wait_until(lambda: _alert(collector)["state"] == "resolved", 15, "the alert to resolve")
    alert = _alert(collector)
    assert collector.stop() == 0

    now = datetime.now(UTC)
    # A "month" around the pushed data (up to 3 h old), so the test holds in the first hours of a month too.
    month = ReportMonth("last-hours", "UTC", now - timedelta(hours=5), now + timedelta(hours=1))
    inputs = asyncio.run(_gather(tmp_path, month, now))

    rows = {(row.kind, row.name): row for row in inputs.availability}
    down_s = (datetime.fromisoformat(alert["resolved_at"]) - datetime.fromisoformat(alert["firing_since"])).total_seconds()
    assert down_s >= 1.5
    service = rows[("service", SERVICE)]
    assert service.unplanned_s == pytest.approx(down_s, abs=0.002) and service.planned_s == 0
    # The printer's series name its polling host too.
    host_buckets = {ms // (BUCKET_S * 1000) for ms in (backlog_ms, now_ms, resolved_ms, *(ms for _, ms, _ in toner))}
    assert rows[("host", "pc-1")].completeness * rows[("host", "pc-1")].period_s == pytest.approx(len(host_buckets) * BUCKET_S)
    assert rows[("host", "pc-1")].unplanned_s == 0
    check_buckets = {ms // (BUCKET_S * 1000) for ms in (now_ms, resolved_ms)}
    assert service.completeness * service.period_s == pytest.approx(len(check_buckets) * BUCKET_S)
    assert ("printer", "printer-1") in rows  # the console's kind: its series are of the printer profile
    assert [(n.kind, n.name, n.alerts) for n in inputs.noisy] == [("service", SERVICE, 1)]

    [replacement] = inputs.consumables
    start_ms = int(month.start.timestamp() * 1000) - HOUR_MS
    jump_ms = now_ms - HOUR_MS
    assert (replacement.device, replacement.supply, replacement.level_before, replacement.level_after) == (
        "printer-1", "Black Toner", 5.0, 97.0)
    assert replacement.at == datetime.fromtimestamp((start_ms + (jump_ms - start_ms) // HOUR_MS * HOUR_MS) / 1000, UTC)

    [incident] = inputs.incidents
    assert incident.id in inputs.timelines and inputs.previous_incidents == []
    assert inputs.month == month and inputs.previous_month == month.previous() and inputs.generated_at == now
