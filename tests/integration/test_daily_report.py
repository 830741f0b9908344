"""The daily inspection report from the real collector's data: the fleet's batch (see test_entities_api)
plus an incident store with an open P2, written as HTML and text in both languages."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from itops.alerting.incidents.model import Category
from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.sla_config import SlaConfig
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.rules.model import Severity
from itops.collector.reports.files import write_daily_report
from itops.collector.reports.sources.daily_inputs import forecasts, gather_daily_inspection

from .test_entities_api import collect_fleet, collector_directory

pytestmark = pytest.mark.integration


async def write_report(workdir, now_ms: int, incidents: IncidentStore) -> list:
    async with collector_directory(workdir, now_ms) as (directory, storage):
        found = await forecasts(storage, now_ms / 1000 + 1)
        report = await gather_daily_inspection(
            date(2026, 10, 14), directory=directory, storage=storage, incidents=incidents,
            sla=SlaPolicy(SlaConfig()), clock=lambda: now_ms / 1000 + 1)
        written = await write_daily_report(report, workdir / "reports", languages=("zh-CN", "en"))
    return found, written


@pytest.mark.timeout(120)
def test_daily_report_from_the_collectors_data(tmp_path, tls_dir, agent_token):
    workdir, now_ms = tmp_path, collect_fleet(tmp_path, tls_dir, agent_token)
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    incidents = IncidentStore.open(f"sqlite:///{workdir / 'incidents.db'}")
    try:
        opened = incidents.open_incident(title="Switch port ge2 down", severity=Severity.P2, category=Category.NETWORK,
                                         reporter="wang", at=now - timedelta(minutes=20))
        done = incidents.open_incident(title="Old fault", severity=Severity.P3, category=Category.HARDWARE,
                                       reporter="wang", at=now - timedelta(days=2))
        incidents.acknowledge(done.id, "li", now - timedelta(days=2))
        found, written = asyncio.run(write_report(workdir, now_ms, incidents))
    finally:
        incidents.dispose()

    # Cyan toner: the agent's forecast at its last poll, 2.5 days (its 3 days of levels alone would say 3); black
    # toner was replaced at the last poll, so the agent's forecast of the poll before no longer counts. /var rose
    # 0.02 a day to 0.96: 2 days.
    assert [(f.entity, f.item, f.days_left) for f in found if f.kind == "toner"] == [
        ("prn-1", "Cyan Toner", pytest.approx(2.5))]
    by_kind = {f.kind: f for f in found}
    assert (by_kind["disk"].entity, by_kind["disk"].item) == ("pc-1", "/var")
    assert by_kind["disk"].days_left == pytest.approx(2.0, abs=0.01)
    assert by_kind["certificate"].days_left == pytest.approx(9.0, abs=0.001)

    daily = workdir / "reports" / "daily"
    assert written == [daily / "2026-10-14.zh-CN.html", daily / "2026-10-14.zh-CN.txt",
                       daily / "2026-10-14.en.html", daily / "2026-10-14.en.txt"]
    assert sorted(p.name for p in daily.iterdir()) == sorted(p.name for p in written), "no partial file is left"
    text = (daily / "2026-10-14.en.txt").read_text()
    assert "- Supply running out: prn-1 Cyan Toner — runs out in about 2.5 days" in text and "Black Toner" not in text
    assert "- Disk filling up: pc-1 /var — full in about 2 days" in text
    assert "- Certificate expiring: pc-1 https://erp.example — expires in 9 days" in text
    assert "- Backup stale or missing: erp-db — last erp-db older than 26 h" in text
    assert f"{opened.id} [P2" in text and "Switch port ge2 down" in text and "response left 9m 59s" in text  # made 1 s after now
    assert f"{done.id} [P3" in text
    assert "- Warning sw-1: Ports up 1; Ports down 1; 1 of 2 enabled interfaces are down: ge2" in text
    page = (daily / "2026-10-14.zh-CN.html").read_text()
    assert "<h2>明日需关注</h2>" in page and "耗材将尽: prn-1 Cyan Toner — 约 2.5 天后耗尽" in page
