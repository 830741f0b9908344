"""Availability of each host, device and service over a report month, and the entities that alerted most.

An entity is down while any of its availability alerts fires (``reports.availability_alerts``, by default
``DEFAULT_AVAILABILITY_ALERTS`` in ``itops.collector.reports.config``); overlapping alerts count once. Downtime
inside a maintenance window covering the entity is planned, the rest unplanned. Availability leaves planned
maintenance out of the period: 1 − unplanned ÷ (period − maintenance).

Coverage and alert history key an SNMP device as a ``device`` (by its labels, so it is one row whatever its
profiles); it is shown as the kind its series make it (``device_kinds``, by name), as the console shows it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from itops.alerting.rules.alert_history import Episode
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.collector.reports.figures.inputs import AvailabilityRow, NoisyEntity, ReportMonth
from itops.entities import Entity, EntityKind

__all__ = ["availability_rows", "noisy_entities"]

Interval = tuple[datetime, datetime]
DeviceKinds = Mapping[str, EntityKind]  # an SNMP device's name → its kind (``CoverageLedger.device_kinds``)
_NO_DEVICE_KINDS: DeviceKinds = MappingProxyType({})


def availability_rows(month: ReportMonth, episodes: Iterable[Episode], maintenance: Sequence[MaintenancePeriod],
                      coverage: Mapping[tuple[str, str], float], entities: Iterable[Entity],
                      now: datetime | None = None, device_kinds: DeviceKinds = _NO_DEVICE_KINDS) -> list[AvailabilityRow]:
    """One row per entity given and per entity with an episode, by kind then name. ``episodes`` are the
    availability alerts' only; one still firing counts as down until the month's end (or ``now``, if earlier),
    as does the period itself."""
    period = (month.start, month.end if now is None else max(month.start, min(month.end, now)))
    known = {entity.key: entity for entity in entities}
    outages: dict[tuple[str, str], list[Interval]] = {}
    for episode in episodes:
        if episode.entity is not None:
            known.setdefault(episode.entity.key, episode.entity)
            outages.setdefault(episode.entity.key, []).append((episode.started_at, episode.ended_at or period[1]))
    rows = [_row(entity, _shown_kind(entity.kind, entity.name, device_kinds), period, outages.get(key, []),
                 maintenance, coverage.get(key, 0.0)) for key, entity in known.items()]
    return sorted(rows, key=lambda row: (row.kind, row.name))


def _row(entity: Entity, kind: EntityKind, period: Interval, outages: list[Interval],
         maintenance: Sequence[MaintenancePeriod], covered_s: float) -> AvailabilityRow:
    period_s = _seconds(period)
    down = _union(outages, period)
    planned_windows = _union([(p.start, p.end) for p in maintenance if p.covers(entity.identity)], period)
    planned_s = _overlap_seconds(down, planned_windows)
    return AvailabilityRow(
        kind=kind, name=entity.name, asset_number=entity.asset_number, period_s=period_s,
        planned_s=planned_s, unplanned_s=sum(map(_seconds, down)) - planned_s,
        maintenance_s=sum(map(_seconds, planned_windows)),
        completeness=min(1.0, covered_s / period_s) if period_s > 0 else 0.0)


def noisy_entities(episodes: Iterable[Episode], month: ReportMonth, top: int = 10,
                   device_kinds: DeviceKinds = _NO_DEVICE_KINDS) -> list[NoisyEntity]:
    """The entities with the most alert episodes starting in the month, most first (ties by kind, name)."""
    counts = Counter(episode.entity.key for episode in episodes
                     if episode.entity is not None and month.start <= episode.started_at < month.end)
    shown = [NoisyEntity(_shown_kind(EntityKind(kind), name, device_kinds), name, alerts)
             for (kind, name), alerts in counts.items()]
    return sorted(shown, key=lambda noisy: (-noisy.alerts, noisy.kind, noisy.name))[:top]


def _shown_kind(kind: EntityKind, name: str, device_kinds: DeviceKinds) -> EntityKind:
    return device_kinds.get(name, kind) if kind is EntityKind.DEVICE else kind


def _seconds(interval: Interval) -> float:
    return (interval[1] - interval[0]).total_seconds()


def _union(intervals: Iterable[Interval], within: Interval) -> list[Interval]:
    """The intervals clipped to ``within`` and merged where they overlap or touch, in time order."""
    merged: list[Interval] = []
    for start, end in sorted((max(s, within[0]), min(e, within[1])) for s, e in intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap_seconds(first: list[Interval], second: list[Interval]) -> float:
    """Seconds both merged interval lists cover."""
    total, i, j = 0.0, 0, 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if start < end:
            total += (end - start).total_seconds()
        if first[i][1] <= second[j][1]:
            i += 1
        else:
            j += 1
    return total
