"""Cost of the monthly SLA report for 2,000 devices and 10,000 incidents, end to end; target under 10 s.

    .venv/bin/python benchmarks/monthly_report.py [--incidents 10000] [--devices 2000] [--data-dir DIR]

Everything is read through the collector's own path (``collector/reports/service.py``): the stores a collector keeps
in its data directory are seeded first (not timed), then ``gather_monthly_inputs`` reads them,
``build_monthly_report`` computes the figures and ``render_monthly`` (``render/to_file.py``) makes the PDF, HTML and
CSV, each once in zh-CN (the default languages and formats). The fleet: ``--devices`` SNMP devices (a tenth
of them, at most 200, printers), a host per ten devices each watching two services.

Seeded stores, for October 2026 and September (the trend):

- IncidentStore (SQLite): ``--incidents`` incidents in October plus a tenth as many in September, on the
  fleet's hosts and devices, in one bulk insert into the store's own tables (one transaction per step
  would take minutes and is not what is measured). Mixed lifecycles: acknowledged and resolved, some after
  waiting for a vendor, some reopened, a few still open at month end.
- AlertHistory through its ``record``: a few availability episodes per entity and month (some spanning the
  month start, a few still firing), plus non-availability alerts for the noisiest-entities table.
- CoverageLedger: one 288-bit day bitmap per entity and UTC day, bulk-inserted into the ledger's own table
  (recording two months of 5-minute buckets through ``record_batch`` + ``flush`` would be 45 M set entries).
- MaintenanceStore through its ``create``: a weekly window over some switches, a one-off over some hosts, a
  monthly (cron) one over some printers.
- SQLite time-series storage through ``resolve_series``/``write``, then compacted as in service: every
  printer's supply levels hourly, falling, with replacements.
- AgentRegister through ``record_hello``: the hosts, with their asset numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from itops.alerting.rules.alert_history import AlertHistory
from itops.alerting.incidents.model import Category
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.incidents.model import AssetRow, IncidentRow, TimelineRow
from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.sla_config import SlaConfig
from itops.alerting.muting.maintenance import MaintenanceWindowConfig
from itops.alerting.muting.maintenance_store import MaintenanceStore
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.collector.reports.figures.consumables import REMAINING_RATIO_METRIC
from itops.collector.reports.figures.inputs import ReportMonth, report_month
from itops.collector.reports.config import DEFAULT_AVAILABILITY_ALERTS
from itops.collector.reports.figures.monthly_report import build_monthly_report
from itops.collector.records.coverage import BUCKETS_PER_DAY, CoverageLedger
from itops.collector.reports.render.to_file import render_monthly
from itops.collector.reports.sources.monthly_inputs import gather_monthly_inputs
from itops.entities import Entity, entity_of
from itops.series_key import parse_series_key
from itops.collector.records.agent_register import AgentRegister
from itops.collector.storage.base import SampleWrite
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage
from itops.v1 import ingest_pb2
from itops.common.yaml_config import Duration

TARGET_S = 10.0
LANGUAGE = "zh-CN"
FORMATS = ("pdf", "html", "csv")
SEVERITY_WEIGHTS = {Severity.P1: 1, Severity.P2: 3, Severity.P3: 10, Severity.P4: 6}
MAX_PRINTERS = 200
PRINTER_SUPPLIES = ("Black Toner Cartridge", "Imaging Drum")
SERVICES_PER_HOST = (("tcp_connect", "db.example:5432"), ("systemd_unit", "nginx.service"))
HOUR = timedelta(hours=1)
HOUR_MS = 3_600_000
DAY_S = 86400
POLLER = "poller-1"  # the agent that polls every SNMP device


@dataclass(frozen=True)
class Fleet:
    hosts: list[Entity]  # with asset numbers, as the agents register them
    devices: list[Entity]  # printers first
    services: list[Entity]
    printers: list[str]

    @property
    def entities(self) -> list[Entity]:
        return [*self.hosts, *self.devices, *self.services]


def fleet(devices: int) -> Fleet:
    printers = [f"prn-{i:04d}" for i in range(min(MAX_PRINTERS, devices // 10))]
    device_names = printers + [f"sw-{i:04d}" for i in range(devices - len(printers))]
    hosts = [f"pc-{i:04d}" for i in range(max(1, devices // 10))]
    return Fleet(
        hosts=[entity_of({"host": h, "asset_number": f"ZC-H{i:05d}"}) for i, h in enumerate(hosts)],
        devices=[entity_of({"device": d, "asset_number": f"ZC-D{i:05d}"}) for i, d in enumerate(device_names)],
        services=[entity_of({"check": c, "target": t, "host": h}) for h in hosts for c, t in SERVICES_PER_HOST],
        printers=printers)


# --- incidents ------------------------------------------------------------------------------------------


def lifecycle(opened: datetime, rng: random.Random, month_end: datetime) -> list[tuple[datetime, str, str]]:
    """(at, from, to) transitions: ack, work, maybe a vendor wait, resolve, maybe a reopen, maybe close."""
    moves, state, at = [], "open", opened

    def move(to: str, after_s: float) -> None:
        nonlocal state, at
        at += timedelta(seconds=after_s)
        moves.append((at, state, to))
        state = to

    if rng.random() < 0.03 and opened > month_end - timedelta(days=2):
        return moves  # still open at month end
    move("acknowledged", rng.expovariate(1 / 1800))
    move("in_progress", rng.uniform(60, 900))
    if rng.random() < 0.1:
        move("waiting_for_vendor", rng.uniform(600, 7200))
        move("in_progress", rng.expovariate(1 / 86400))
    move("resolved", rng.expovariate(1 / 14400))
    if rng.random() < 0.05:
        move("in_progress", rng.uniform(600, 86400))
        move("resolved", rng.expovariate(1 / 7200))
    if rng.random() < 0.5:
        move("closed", rng.uniform(3600, 3 * 86400))
    return moves


def seed_incidents(url: str, months: list[tuple[ReportMonth, int]], assets: list[Entity],
                   rng: random.Random) -> None:
    IncidentStore.open(url).dispose()  # creates the schema through the store's migrations
    incidents, asset_rows, timeline, number = [], [], [], 0
    for month, count in months:
        span_s = (month.end - month.start).total_seconds()
        for _ in range(count):
            number += 1
            incident_id = f"INC-2026-{number:06d}"
            opened = month.start + timedelta(seconds=rng.uniform(0, span_s))
            severity = rng.choices(list(SEVERITY_WEIGHTS), weights=list(SEVERITY_WEIGHTS.values()))[0]
            moves = lifecycle(opened, rng, month.end)
            final = moves[-1][2] if moves else "open"
            resolved = [at for at, _, to in moves if to == "resolved"]
            incidents.append(dict(
                id=incident_id, title=f"bench incident {number}", severity=severity, category=rng.choice(list(Category)),
                reporter="bench", assignee=None, state=final, cause="bench cause" if resolved else None,
                resolution=None, vendor_ticket=None, signed_off_by=None, signed_off_at=None, opened_at=opened,
                acknowledged_at=moves[0][0] if moves else None,
                resolved_at=resolved[-1] if final in ("resolved", "closed") else None,
                closed_at=moves[-1][0] if final == "closed" else None, source="alert"))
            asset = rng.choice(assets)
            asset_rows.append(dict(incident_id=incident_id, position=0, name=asset.name, asset_number=asset.asset_number))
            timeline.append(dict(incident_id=incident_id, at=opened, who="bench", kind="opened", from_value=None,
                                 to_value="open", text=None))
            timeline.extend(dict(incident_id=incident_id, at=at, who="bench", kind="transition", from_value=old,
                                 to_value=new, text=None) for at, old, new in moves)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.insert(IncidentRow), incidents)
        connection.execute(sa.insert(AssetRow), asset_rows)
        connection.execute(sa.insert(TimelineRow), timeline)
    engine.dispose()


# --- alert history, coverage, maintenance, hosts -------------------------------------------------------


def _availability_alert(entity: Entity) -> str:
    return {"host": "HostOffline", "device": "SnmpDeviceUnreachable"}.get(
        entity.kind, "TcpServiceDown" if entity.identity.get("check") == "tcp_connect" else "SystemdUnitFailed")


def _alert(name: str, entity: Entity, started: datetime, ended: datetime | None) -> Alert:
    labels = {"alertname": name, "severity": "P2", **entity.identity}
    return Alert(rule=name, labels=labels, annotations={}, severity=Severity.P2,
                 state=AlertState.FIRING if ended is None else AlertState.RESOLVED,
                 firing_since=started, resolved_at=ended)


def seed_alert_history(path: Path, entities: list[Entity], months: list[ReportMonth], rng: random.Random) -> int:
    """A few availability episodes per entity and month (one in 40 already down when the month starts, one
    in 100 still down at its end), plus a noisier non-availability alert on a tenth of the entities."""
    alerts: list[Alert] = []
    for month in months:
        span_s = (month.end - month.start).total_seconds()
        for entity in entities:
            name = _availability_alert(entity)
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                started = month.start + timedelta(seconds=rng.uniform(0, span_s))
                alerts.append(_alert(name, entity, started, started + timedelta(seconds=rng.expovariate(1 / 1200))))
            if rng.random() < 0.025:
                alerts.append(_alert(name, entity, month.start - timedelta(minutes=rng.uniform(5, 600)),
                                     month.start + timedelta(minutes=rng.uniform(5, 600))))
            if month is months[-1] and rng.random() < 0.01:
                alerts.append(_alert(name, entity, month.end - timedelta(hours=rng.uniform(1, 48)), None))
            if rng.random() < 0.1:
                for _ in range(rng.randrange(5, 40)):
                    started = month.start + timedelta(seconds=rng.uniform(0, span_s))
                    alerts.append(_alert("HighCpuUsage", entity, started, started + timedelta(minutes=10)))
    history = AlertHistory(path)
    history.record(alerts)
    history.close()
    return len(alerts)


def seed_coverage(path: Path, entities: list[Entity], months: list[ReportMonth], rng: random.Random) -> int:
    """Every entity's day bitmaps over both months: full days, with an hour's gap on one day in twenty."""
    CoverageLedger(path).close()  # creates the schema
    full = (1 << BUCKETS_PER_DAY) - 1
    first_day, last_day = int(months[0].start.timestamp()) // DAY_S, int(months[-1].end.timestamp()) // DAY_S
    rows = []
    for entity in entities:
        for day in range(first_day, last_day + 1):
            mask = full
            if rng.random() < 0.05:
                gap_start = rng.randrange(BUCKETS_PER_DAY - 12)
                mask &= ~(((1 << 12) - 1) << gap_start)
            rows.append((entity.kind.value, entity.name, day, mask.to_bytes(BUCKETS_PER_DAY // 8, "little")))
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO coverage_entities (kind, name, labels, asset_number) VALUES (?, ?, ?, ?)",
                       [(e.kind.value, e.name, json.dumps(dict(e.identity), ensure_ascii=False), e.asset_number) for e in entities])
        db.executemany("INSERT INTO coverage (kind, name, day, bits) VALUES (?, ?, ?, ?)", rows)
    db.close()
    return len(rows)


def seed_maintenance(path: Path, month: ReportMonth) -> None:
    store = MaintenanceStore(path)
    created = month.start - timedelta(days=60)
    store.create(MaintenanceWindowConfig(name="switch-patching", matchers=['device=~"sw-00.*"'],
                                         weekdays=["sun"], time_range="02:00-04:00"), "bench", created)
    store.create(MaintenanceWindowConfig(name="office-move", matchers=['host=~"pc-00[0-4].*"'],
                                         start="2026-10-17 09:00", end="2026-10-18 18:00"), "bench", created)
    store.create(MaintenanceWindowConfig(name="printer-service", matchers=['device=~"prn-0.*"'],
                                         cron="0 22 1 * *", duration=Duration(4 * 3600)), "bench", created)
    store.close()


def seed_state(data_dir: Path, hosts: list[Entity], at_ms: int) -> None:
    state = AgentRegister(str(data_dir))
    for host in hosts:
        hello = ingest_pb2.AgentHello(agent_id=host.name, hostname=host.name, agent_version="bench",
                                      asset=ingest_pb2.Asset(asset_number=host.asset_number))
        state.record_hello(host.name, hello, "127.0.0.1", at_ms)
    state.close()


# --- printer supply levels -----------------------------------------------------------------------------


def supply_levels(hours: int, rng: random.Random) -> np.ndarray:
    """Hourly remaining ratios falling at a supply's own pace; a new cartridge when it runs low."""
    levels, level, per_hour = np.empty(hours), rng.uniform(0.2, 1.0), rng.uniform(0.0005, 0.004)
    for hour in range(hours):
        level -= per_hour * rng.uniform(0.0, 2.0)
        if level < 0.05:
            level = rng.uniform(0.95, 1.0)
        levels[hour] = level
    return levels


async def seed_storage(storage: SQLiteStorage, printers: list[str], start: datetime, end: datetime,
                       rng: random.Random) -> int:
    keys = [f'{REMAINING_RATIO_METRIC}{{description="{supply}",device="{printer}",host="{POLLER}",supply="{n}"}}'
            for printer in printers for n, supply in enumerate(PRINTER_SUPPLIES, start=1)]
    series_ids = storage.resolve_series(POLLER, keys, parse_series_key)
    hours = int((end - start) / HOUR)
    levels = np.stack([supply_levels(hours, rng) for _ in keys])  # series × hour
    start_ms = int(start.timestamp() * 1000)
    for day in range(0, hours, 24):  # one batch per day of polls
        span = min(24, hours - day)
        timestamps = start_ms + (day + np.arange(span, dtype=np.int64)) * HOUR_MS
        await storage.write(SampleWrite(POLLER, day // 24 + 1, np.repeat(series_ids, span),
                                        np.tile(timestamps, len(keys)), levels[:, day:day + span].ravel()))
    await storage.compact()
    return levels.size


# --- the run -------------------------------------------------------------------------------------------


def stage(name: str, timings: dict[str, float], work: Callable):
    started = time.perf_counter()
    result = work()
    timings[name] = time.perf_counter() - started
    return result


SEEDED_MARKER = "seeded.json"


async def seed(data_dir: Path, incidents: int, devices: int, months: list[ReportMonth], storage: SQLiteStorage) -> None:
    rng = random.Random(20261031)
    september, october = months
    everyone = fleet(devices)
    (data_dir / "alerting").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    seed_incidents(_incidents_url(data_dir), [(september, incidents // 10), (october, incidents)],
                   [*everyone.hosts, *everyone.devices], rng)
    episodes = seed_alert_history(data_dir / "alerting" / "alert_history.sqlite3", everyone.entities, months, rng)
    coverage_rows = seed_coverage(data_dir / "coverage.sqlite3", everyone.entities, months, rng)
    seed_maintenance(data_dir / "alerting" / "maintenance.sqlite3", october)
    seed_state(data_dir, everyone.hosts, int(september.start.timestamp() * 1000))
    samples = await seed_storage(storage, everyone.printers, september.start - HOUR, october.end, rng)
    (data_dir / SEEDED_MARKER).write_text(json.dumps({"incidents": incidents, "devices": devices}))
    print(f"seeded {incidents} + {incidents // 10} incidents, {len(everyone.entities)} entities "
          f"({len(everyone.hosts)} hosts, {devices} devices of which {len(everyone.printers)} printers, "
          f"{len(everyone.services)} services), {episodes} alert episodes, {coverage_rows} coverage day rows, "
          f"{samples} supply-level samples in {time.perf_counter() - started:.1f} s (not counted)")


def _incidents_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'alerting' / 'incidents.sqlite3'}"


async def measure(data_dir: Path, month: ReportMonth, storage: SQLiteStorage) -> None:
    now = month.end + HOUR  # the scheduler makes the report shortly after the month ends
    store = IncidentStore.open(_incidents_url(data_dir))
    maintenance = MaintenanceStore(data_dir / "alerting" / "maintenance.sqlite3")
    history = AlertHistory(data_dir / "alerting" / "alert_history.sqlite3")
    coverage = CoverageLedger(data_dir / "coverage.sqlite3")
    state = AgentRegister(str(data_dir))
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        inputs = await gather_monthly_inputs(
            month, incidents=store, sla=SlaPolicy(SlaConfig()), maintenance=maintenance, history=history,
            coverage=coverage, storage=storage, state=state, availability_alerts=DEFAULT_AVAILABILITY_ALERTS, now=now)
        timings["gather_monthly_inputs"] = time.perf_counter() - started
        report = stage("build_monthly_report", timings, lambda: build_monthly_report(inputs))
        sizes = {fmt: len(stage(f"render {fmt} {LANGUAGE}", timings, lambda fmt=fmt: render_monthly(report, LANGUAGE, fmt)))
                 for fmt in FORMATS}
    finally:
        store.dispose()
        for closing in (maintenance, history, coverage, state):
            closing.close()
    for name, seconds in timings.items():
        print(f"{name:<24} {seconds:7.3f} s")
    total = sum(timings.values())
    verdict = "within" if total <= TARGET_S else "OVER"
    print(f"{'total':<24} {total:7.3f} s  ({verdict} the {TARGET_S:.0f} s target)")
    print(f"report: {report.current.total} incidents, {len(report.current.breaches)} breaches, "
          f"{len(inputs.availability)} availability rows, {len(report.consumables)} replacements; "
          + ", ".join(f"{fmt} {size / 1024:.0f} KiB" for fmt, size in sizes.items()))


async def run(data_dir: Path, incidents: int, devices: int) -> None:
    october = report_month("2026-10")
    storage = SQLiteStorage(SQLiteConfig(path=str(data_dir / "storage"), retention=Duration(400 * DAY_S)))
    await storage.open()
    try:
        marker = data_dir / SEEDED_MARKER
        if marker.is_file() and json.loads(marker.read_text()) == {"incidents": incidents, "devices": devices}:
            print(f"reusing the stores seeded in {data_dir}")
        else:
            await seed(data_dir, incidents, devices, [october.previous(), october], storage)
        await measure(data_dir, october, storage)
    finally:
        await storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=2_000)
    parser.add_argument("--data-dir", type=Path, help="seed the stores here, or reuse them if this run seeded "
                        "them before with the same sizes (seeding takes about a minute); default: a temporary directory")
    args = parser.parse_args()
    if args.data_dir is not None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(run(args.data_dir, args.incidents, args.devices))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(Path(folder), args.incidents, args.devices))


if __name__ == "__main__":
    main()
