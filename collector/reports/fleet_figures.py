"""The fleet figures on the collector's /metrics: what a Prometheus shop needs about the fleet, worked out afresh
for every scrape (and every self-sample) from the agent register, the entity directory, the alert evaluator and
the incident store.

``refresh()`` reads the stores (off the event loop where they block); the registered ``collect()`` yields the
figures of the latest refresh, so /metrics calls ``refresh()`` first. The SLA figures are the monthly report's
(``incident_figures``): this month's incidents (opened this month, in the reports' time zone), their clocks as at
now; MTTA and MTTR are wall-clock means over those acknowledged / resolved so far, breaches count each clock over
its target. Help texts come from the metric registry.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from prometheus_client.core import GaugeMetricFamily, Metric

from itops.alerting.assembly import Alerting
from itops.alerting.incidents.model import IncidentState
from itops.alerting.rules.model import AlertState, Severity
from itops.collector.ingest.self_metrics import CollectorMetrics
from itops.collector.records.agent_register import AgentRegister
from itops.collector.records.entity_directory import EntityDirectory, latest_values
from itops.collector.reports.figures.inputs import report_month
from itops.collector.reports.figures.monthly_report import (
    IncidentFigures,
    incident_figures,
)
from itops.collector.storage.base import StorageBackend
from itops.common.clock import Clock
from itops.common.metric_catalogue import metric_spec
from itops.entities import CLOCK_LABEL, DEVICE_KINDS, DEVICE_LABEL, EntityKind

__all__ = ["DEVICE_UP_METRICS", "FleetFigures"]

# The series whose newest value says a device answered its last poll.
DEVICE_UP_METRICS = ("itops_snmp_up", "itops_attendance_clock_up")
log = logging.getLogger("itops.collector.fleet_figures")

_DEVICE_KINDS = DEVICE_KINDS | {EntityKind.ATTENDANCE_CLOCK}
_OPEN_STATES = (IncidentState.OPEN, IncidentState.ACKNOWLEDGED, IncidentState.IN_PROGRESS,
                IncidentState.WAITING_FOR_VENDOR)


@dataclass
class _Figures:
    hosts_up: list[tuple[str, str, float]] = field(default_factory=list)  # (host, agent, 1/0)
    devices_up: list[tuple[str, str, float]] = field(default_factory=list)  # (device, kind, 1/0)
    alerts_firing: dict[Severity, int] | None = None
    incidents_open: dict[tuple[Severity, IncidentState], int] | None = None
    month: IncidentFigures | None = None


class FleetFigures:
    """A prometheus_client collector (``registry.register(figures)``) of the fleet figures. ``alerting`` None
    (no `alerting` section) leaves out the alert figures, an alerting without incidents the incident ones."""

    def __init__(self, metrics: CollectorMetrics, state: AgentRegister, directory: EntityDirectory,
                 storage: StorageBackend, offline_after_s: float, alerting: Alerting | None, time_zone: str,
                 clock: Clock):
        self._metrics = metrics
        self._state = state
        self._directory = directory
        self._storage = storage
        self._offline_after_s = offline_after_s
        self._alerting = alerting
        self._time_zone = time_zone
        self._clock = clock
        self._figures = _Figures()

    async def refresh(self) -> None:
        """The figures as things stand; when a store cannot be read they are left out (logged), so that /metrics
        still answers with the collector's own metrics and the figures' absence shows."""
        try:
            self._figures = await self._read(self._clock())
        except Exception:
            log.exception("the fleet figures could not be read; /metrics leaves them out")
            self._figures = _Figures()

    async def _read(self, now: datetime) -> _Figures:
        hosts_up = await self._hosts_up(now)
        online_agents = {agent for _, agent, up in hosts_up if up}
        figures = _Figures(hosts_up=hosts_up, devices_up=await self._devices_up(now, online_agents))
        alerting = self._alerting
        if alerting is not None:
            firing = Counter(a.severity for a in alerting.pipeline.evaluator.alerts() if a.state is AlertState.FIRING)
            figures.alerts_firing = {severity: firing[severity] for severity in Severity}
            if alerting.incidents is not None:
                figures.incidents_open, figures.month = await asyncio.to_thread(self._incident_figures, alerting, now)
        return figures

    async def _hosts_up(self, now: datetime) -> list[tuple[str, str, float]]:
        records = await asyncio.to_thread(self._state.agents)
        now_ms = now.timestamp() * 1000
        online = [now_ms - record.last_seen_ms <= self._offline_after_s * 1000 for record in records]
        self._metrics.known_agents.set(len(records))
        self._metrics.connected_agents.set(sum(online))
        return [(record.hostname or record.agent_id, record.agent_id, float(up)) for record, up in zip(records, online)]

    async def _devices_up(self, now: datetime, online_agents: set[str]) -> list[tuple[str, str, float]]:
        """A device is up when the agent polling it is online and its newest up sample (within the directory's
        lookback) is 1."""
        up_series = [s for metric in DEVICE_UP_METRICS for s in self._storage.list_series(metric)]
        newest = await latest_values(self._storage, (s.id for s in up_series), now.timestamp())
        answered = {s.labels.get(CLOCK_LABEL) or s.labels.get(DEVICE_LABEL): newest.get(s.id) == 1.0 for s in up_series}
        return [(entity.name, entity.kind.value, float(entity.agent in online_agents and answered.get(entity.name, False)))
                for entity in await self._directory.entities() if entity.kind in _DEVICE_KINDS]

    def _incident_figures(self, alerting: Alerting, now: datetime) -> tuple[dict, IncidentFigures]:
        store = alerting.incidents
        open_now = Counter((i.severity, i.state) for i in store.list(open_only=True))
        local = now.astimezone(ZoneInfo(self._time_zone))
        month = report_month(f"{local.year:04d}-{local.month:02d}", self._time_zone)
        incidents = store.list(opened_between=(month.start, month.end))
        timelines = store.timelines([incident.id for incident in incidents])
        maintenance = alerting.maintenance.windows_between(month.start, month.end)
        figures = incident_figures(month, incidents, timelines, alerting.sla, maintenance, as_at=now)
        return {(s, state): open_now[(s, state)] for s in Severity for state in _OPEN_STATES}, figures

    def describe(self) -> list[Metric]:
        return []  # nothing to look at before the first refresh; registering must not read the stores

    def collect(self) -> Iterator[Metric]:
        figures = self._figures
        yield _family("itops_host_up", ["host", "agent"], ((list(row[:2]), row[2]) for row in figures.hosts_up))
        yield _family("itops_device_up", ["device", "kind"], ((list(row[:2]), row[2]) for row in figures.devices_up))
        if figures.alerts_firing is not None:
            yield _family("itops_alerts_firing", ["severity"],
                          (([s.value], float(n)) for s, n in figures.alerts_firing.items()))
        if figures.incidents_open is not None:
            yield _family("itops_incidents_open", ["severity", "state"],
                          (([s.value, state.value], float(n)) for (s, state), n in figures.incidents_open.items()))
        if figures.month is not None:
            yield from _month_families(figures.month)


def _month_families(month: IncidentFigures) -> Iterator[Metric]:
    rows = [row for row in month.compliance if row.severity is not None]
    yield _family("itops_incident_sla_breaches_this_month", ["severity", "sla"],
                  (([row.severity.value, target], float(compliance.breached)) for row in rows
                   for target, compliance in (("response", row.response), ("resolution", row.resolution))))
    timings = [row for row in month.timings if row.severity is not None]
    yield _family("itops_incident_mean_time_to_acknowledge_seconds", ["severity"],
                  (([row.severity.value], row.mtta_wall.mean_s) for row in timings if row.mtta_wall.mean_s is not None))
    yield _family("itops_incident_mean_time_to_resolve_seconds", ["severity"],
                  (([row.severity.value], row.mttr_wall.mean_s) for row in timings if row.mttr_wall.mean_s is not None))


def _family(name: str, labels: list[str], samples) -> GaugeMetricFamily:
    spec = metric_spec(name)
    family = GaugeMetricFamily(name, spec.help.en if spec is not None and spec.help else name, labels=labels)
    for label_values, value in samples:
        family.add_metric(label_values, value)
    return family
