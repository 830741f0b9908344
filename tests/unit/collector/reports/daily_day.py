"""A hand-built day for the daily inspection report's tests: five entities, forecasts beyond and within their
horizons, and (``open_incidents``) a P1 waiting for its response and an acknowledged P2."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from itops.alerting.incidents.model import AffectedAsset, Category
from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.sla_config import SlaConfig
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.rules.model import Severity
from itops.collector.records.entity_directory import Entity, EntityCheck, EntityMetric
from itops.collector.reports.figures.daily_inspection import (
    Attention,
    DailyInspection,
    OpenIncident,
    build_daily_inspection,
)

GENERATED = datetime(2026, 10, 14, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
ZONE = "Asia/Shanghai"
DAY = date(2026, 10, 14)


def entity(kind, name, status="ok", metrics=(), checks=(), open_alerts=0) -> Entity:
    return Entity(kind=kind, name=name, agent="a1", status=status, last_seen=GENERATED - timedelta(minutes=5),
                  open_alerts=open_alerts, metrics=tuple(metrics), checks=tuple(checks))


ENTITIES = [
    entity("backup", "erp-db", "critical", [EntityMetric("newest_file_age", 200_000.0)],
           [EntityCheck("file_freshness", "erp-db", "CRITICAL", "last erp-db older than 26 h", GENERATED)]),
    entity("ups", "ups-1", "ok", [EntityMetric("battery_charge", 1.0),
                                  EntityMetric("battery_replace_needed", 1.0)]),
    entity("printer", "prn-<1>", "warning", [EntityMetric("lowest_supply_remaining", 0.08, "Cyan Toner")],
           [EntityCheck("printer_supply", "prn-<1>", "WARNING", "Cyan Toner low", GENERATED)], open_alerts=1),
    entity("host", "pc-1", "ok", [EntityMetric("cpu_usage", 0.25),
                                  EntityMetric("fullest_filesystem_usage", 0.931, "/var")]),
    entity("host", "old-pc", "offline"),
]
FORECASTS = [
    Attention("toner", "prn-<1>", "Cyan Toner", 2.5),
    Attention("toner", "prn-2", "Black Toner", 8.0),  # beyond the week's horizon
    Attention("disk", "pc-1", "/var", 4.0),
    Attention("certificate", "pc-1", "https://erp.example", 10.0),
    Attention("certificate", "pc-1", "/etc/ssl/far.pem", 20.0),
]


def open_incidents(store: IncidentStore) -> list[OpenIncident]:
    opened = store.open_incident(title="ERP slow", severity=Severity.P1, category=Category.APPLICATION,
                                 reporter="wang", at=GENERATED - timedelta(minutes=4),
                                 assets=[AffectedAsset("erp-1", "IT-9")])
    late = store.open_incident(title="Printer jam", severity=Severity.P2, category=Category.HARDWARE,
                               reporter="wang", at=GENERATED - timedelta(minutes=50))
    store.acknowledge(late.id, "li", GENERATED - timedelta(minutes=40))
    policy = SlaPolicy(SlaConfig())
    return [OpenIncident(i, policy.status(i, store.timeline(i.id), GENERATED)) for i in (store.get(opened.id),
                                                                                        store.get(late.id))]


def report_of(incidents: list[OpenIncident]) -> DailyInspection:
    return build_daily_inspection(ENTITIES, list(reversed(incidents)), FORECASTS, DAY, ZONE, GENERATED)
