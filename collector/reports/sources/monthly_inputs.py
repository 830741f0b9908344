"""Everything the monthly report is computed from, read from the collector's stores for one month.

The stores are SQLite/PostgreSQL files read with blocking calls, so they are read in one worker thread (figures
derived from them too, to keep the event loop free); the time-series storage is asked on the event loop, as its
API is asynchronous.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from itops.alerting.rules.alert_history import AlertHistory, Episode
from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.alerting.muting.maintenance_store import MaintenanceStore
from itops.collector.reports.figures.availability import DeviceKinds, availability_rows, noisy_entities
from itops.collector.reports.figures.consumables import REMAINING_RATIO_METRIC, supply_replacements
from itops.collector.reports.figures.inputs import AvailabilityRow, ConsumableReplacement, MonthlyInputs, ReportMonth
from itops.collector.records.coverage import CoverageLedger
from itops.collector.records.agent_register import AgentRegister
from itops.collector.storage.base import StorageBackend
from itops.entities import ASSET_NUMBER_LABEL, HOST_LABEL, Entity, entity_of

__all__ = ["consumable_replacements", "gather_monthly_inputs"]

HOUR_MS = 3_600_000


@dataclass(frozen=True)
class _Observations:
    """What the collector saw in one month: availability alerts' episodes, every episode, data coverage."""

    availability_episodes: list[Episode]
    all_episodes: list[Episode]
    covered: dict[tuple[str, str], float]


async def gather_monthly_inputs(
    month: ReportMonth, *, incidents: IncidentStore, sla: SlaPolicy, maintenance: MaintenanceStore,
    history: AlertHistory, coverage: CoverageLedger, storage: StorageBackend, state: AgentRegister,
    availability_alerts: Sequence[str], now: datetime,
) -> MonthlyInputs:
    previous = month.previous()

    def read_stores(consumables: list[ConsumableReplacement]) -> MonthlyInputs:
        # One thread, one store after another: reading them in parallel threads measured slower (the GIL).
        this, before = (incidents.list(opened_between=(m.start, m.end)) for m in (month, previous))
        timelines = incidents.timelines([i.id for i in this + before])
        periods = maintenance.windows_between(previous.start, month.end)
        known, device_kinds = _known_entities(state, coverage), coverage.device_kinds()
        seen, seen_before = (_observations(m, history, coverage, availability_alerts) for m in (month, previous))
        return MonthlyInputs(
            month=month, previous_month=previous, incidents=this, timelines=timelines, previous_incidents=before,
            sla=sla, maintenance=periods, availability=_availability(month, seen, periods, known, device_kinds, now),
            previous_availability=_availability(previous, seen_before, periods, known, device_kinds, now),
            noisy=noisy_entities(seen.all_episodes, month, device_kinds=device_kinds), consumables=consumables,
            generated_at=now)

    return await asyncio.to_thread(read_stores, await consumable_replacements(storage, month))


def _observations(month: ReportMonth, history: AlertHistory, coverage: CoverageLedger,
                  availability_alerts: Sequence[str]) -> _Observations:
    wanted = frozenset(availability_alerts)
    episodes = history.episodes(month.start, month.end)
    return _Observations([e for e in episodes if e.alertname in wanted], episodes,
                         coverage.covered_seconds(month.start, month.end))


def _known_entities(state: AgentRegister, coverage: CoverageLedger) -> tuple[list[Entity], list[Entity]]:
    """(hosts in the agent register, with their asset numbers; everything that ever sent data)."""
    hosts = [entity_of({HOST_LABEL: agent.hostname, ASSET_NUMBER_LABEL: agent.asset.get("asset_number", "")})
             for agent in state.agents() if agent.hostname]
    return hosts, coverage.entities()


def _availability(month: ReportMonth, records: _Observations, periods: Sequence[MaintenancePeriod],
                  known: tuple[list[Entity], list[Entity]], device_kinds: DeviceKinds,
                  now: datetime) -> list[AvailabilityRow]:
    """Rows for whatever sent data or was down in the month; the register's asset number wins for hosts, and
    an SNMP device is shown as the kind its series make it (both months alike, so their rows still pair)."""
    hosts, seen = known
    down = {episode.entity.key for episode in records.availability_episodes if episode.entity is not None}
    entities = {entity.key: entity for entity in seen if records.covered.get(entity.key)}
    entities.update((host.key, host) for host in hosts if host.key in down or records.covered.get(host.key))
    return availability_rows(month, records.availability_episodes, periods, records.covered, entities.values(), now=now,
                             device_kinds=device_kinds)


async def consumable_replacements(storage: StorageBackend, month: ReportMonth) -> list[ConsumableReplacement]:
    """Replacements of every printer supply in the month, from its hourly last level (plus the hour before)."""
    start_ms, end_ms = int(month.start.timestamp() * 1000) - HOUR_MS, int(month.end.timestamp() * 1000)
    found: list[ConsumableReplacement] = []
    for series in storage.list_series(REMAINING_RATIO_METRIC):
        points = await storage.query_range(series.id, start_ms, end_ms, HOUR_MS, "last")
        labels = series.labels
        found += supply_replacements(labels.get("device", labels.get("host", "?")),
                                     labels.get("description") or f"supply {labels.get('supply', '?')}",
                                     points.timestamps_ms.tolist(), points.values.tolist(), month.start, month.end)
    return sorted(found, key=lambda r: (r.at, r.device, r.supply))
