"""The entity directory: every host and device the collector hears about, with its state and key readings.

A host is an agent (its register row and host facts). What a series, check result or alert is about is
``itops.entities.entity_of``: an SNMP device (printer, UPS, switch, room sensor), an attendance clock, a backup,
or else its host; a service's checks and alerts show with its host. A device read by several profiles is one
entry of its primary kind. One refresh reads the series dictionary once, the latest value of a few series per
entity, and the latest check results; the result is kept for ``cache_s`` because the console polls.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from itops.collector.records.agent_register import AgentRecord, AgentRegister
from itops.collector.records.readings import reading_entry, reading_texts
from itops.collector.storage.base import SeriesInfo, StorageBackend
from itops.common.metric_catalogue import format_value
from itops.common.units import Language
from itops.entities import (
    DEVICE_KINDS,
    DEVICE_LABEL,
    DEVICE_PROFILES,
    LISTED_KINDS,
    EntityKind,
    entity_of,
    primary_device_kind,
)
from itops.entities import Entity as EntityOfLabels

__all__ = [
    "ENTITY_KINDS", "ENTITY_STATUSES", "Entity", "EntityCheck", "EntityDirectory", "EntityMetric", "EntityStatus",
    "KEY_METRICS", "KeyMetric", "latest_values",
]

EntityStatus = Literal["ok", "warning", "critical", "offline", "unknown"]
ENTITY_KINDS: tuple[str, ...] = tuple(kind.value for kind in LISTED_KINDS)
ENTITY_STATUSES: tuple[EntityStatus, ...] = ("ok", "warning", "critical", "offline", "unknown")

DEFAULT_CACHE_S = 5.0
LATEST_LOOKBACK_S = 3600.0  # a reading older than this is not "latest" any more
CHECK_MAX_AGE_S = 86400.0  # a check unreported this long before its agent's last batch was removed
# Series whose latest value says the device answers at all; 0 makes it critical.
UP_METRICS = frozenset({"itops_snmp_up", "itops_attendance_clock_up"})
_CHECK_STATUS: dict[str, EntityStatus] = {"OK": "ok", "UNKNOWN": "unknown", "WARNING": "warning", "CRITICAL": "critical"}
_STATUS_RANK = {"ok": 0, "unknown": 1, "warning": 2, "critical": 3}


@dataclass(frozen=True, slots=True)
class KeyMetric:
    """One reading shown with an entity: ``combine`` over its series of ``metric`` that match ``where``."""

    name: str  # a reading of metric_catalogue.yaml, which says its unit and names
    metric: str
    combine: Literal["min", "max", "sum", "count_nonzero"]
    where: tuple[tuple[str, str], ...] = ()
    target_label: str | None = None  # for min/max: the label naming which item it was (mountpoint, sensor)

    def selects(self, series: SeriesInfo) -> bool:
        return series.name == self.metric and all(series.labels.get(k) == v for k, v in self.where)


KEY_METRICS: dict[EntityKind, tuple[KeyMetric, ...]] = {
    EntityKind.HOST: (
        KeyMetric("cpu_usage", "itops_host_cpu_usage_ratio", "max", (("cpu", "total"),)),
        KeyMetric("memory_usage", "itops_host_memory_usage_ratio", "max"),
        KeyMetric("fullest_filesystem_usage", "itops_host_filesystem_usage_ratio", "max",
                  target_label="mountpoint"),
    ),
    EntityKind.PRINTER: (
        KeyMetric("lowest_supply_remaining", "itops_printer_supply_remaining_ratio", "min",
                  target_label="description"),
        KeyMetric("pages", "itops_printer_pages_total", "sum"),
    ),
    EntityKind.UPS: (
        KeyMetric("battery_charge", "itops_ups_battery_charge_ratio", "min"),
        KeyMetric("battery_runtime", "itops_ups_battery_runtime_seconds", "min"),
        KeyMetric("on_battery", "itops_ups_output_source", "max", (("source", "battery"),)),
        KeyMetric("battery_replace_needed", "itops_ups_battery_replace_needed", "max"),
    ),
    EntityKind.SWITCH: (
        KeyMetric("ports_up", "itops_network_interface_oper_status", "count_nonzero", (("status", "up"),)),
        KeyMetric("ports_enabled", "itops_network_interface_admin_status", "count_nonzero",
                  (("status", "up"),)),
    ),
    EntityKind.ENVIRONMENT: (
        KeyMetric("temperature", "itops_environment_temperature_celsius", "max", target_label="sensor"),
        KeyMetric("humidity", "itops_environment_humidity_ratio", "max", target_label="sensor"),
    ),
    EntityKind.ATTENDANCE_CLOCK: (
        KeyMetric("users_storage_usage", "itops_attendance_clock_users_usage_ratio", "max"),
        KeyMetric("records_storage_usage", "itops_attendance_clock_records_usage_ratio", "max"),
    ),
    EntityKind.BACKUP: (
        KeyMetric("newest_file_age", "itops_file_newest_age_seconds", "max"),
        KeyMetric("newest_file_size", "itops_file_newest_size_bytes", "max"),
    ),
    EntityKind.DEVICE: (),
}


@dataclass(frozen=True, slots=True)
class EntityMetric:
    name: str  # a reading of metric_catalogue.yaml
    value: float
    target: str | None = None  # which filesystem, sensor or supply a min/max reading came from

    @property
    def unit(self) -> str:
        return reading_entry(self.name).unit

    def label(self, language: Language) -> str:
        return reading_entry(self.name).name(language)

    def text(self, language: Language) -> str:
        return format_value(reading_entry(self.name), self.value, language)

    def as_json(self) -> dict:
        return {"name": self.name, "value": self.value, "unit": self.unit, "target": self.target,
                **reading_texts(self.name, self.value)}


@dataclass(frozen=True, slots=True)
class EntityCheck:
    check: str
    target: str
    status: str  # OK | WARNING | CRITICAL | UNKNOWN
    message: str  # as the agent sent it (English)
    at: datetime
    messages: dict[str, str] = field(default_factory=dict)  # language → the message rendered from its parts

    def message_in(self, language: str) -> str:
        return self.messages.get(language) or self.message


@dataclass(frozen=True, slots=True)
class Entity:
    kind: EntityKind
    name: str
    agent: str
    status: EntityStatus
    last_seen: datetime | None
    open_alerts: int
    metrics: tuple[EntityMetric, ...]
    checks: tuple[EntityCheck, ...]
    asset: dict[str, str] = field(default_factory=dict)  # asset_number, department, location, responsible_person

    @property
    def key(self) -> str:
        """What names it among its kind, in the console's and API's paths: a host's agent id, a device's name."""
        return self.agent if self.kind is EntityKind.HOST else self.name

    def metric(self, name: str) -> EntityMetric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def as_json(self) -> dict:
        return {
            "kind": self.kind, "key": self.key, "name": self.name, "agent": self.agent, "status": self.status,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None, "open_alerts": self.open_alerts,
            "metrics": [m.as_json() for m in self.metrics],
            "checks": [{"check": c.check, "target": c.target, "status": c.status.lower(), "message": c.message,
                        "messages": c.messages, "at": c.at.isoformat()} for c in self.checks],
            "asset": self.asset,
        }


@dataclass
class _Draft:
    """An entity while one refresh gathers its parts."""

    kind: EntityKind
    name: str
    agent: str
    series: list[SeriesInfo] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    asset: dict[str, str] = field(default_factory=dict)
    last_seen_ms: int | None = None
    families: set[EntityKind] = field(default_factory=set)  # a device's: every kind its series belong to

    def key_metrics(self) -> tuple[KeyMetric, ...]:
        """The readings shown: its kind's, then those of the other kinds a device also is (a UPS card with room
        probes is a UPS that also reads the room)."""
        others = [kind for _, kind in DEVICE_PROFILES if kind in self.families and kind != self.kind]
        return KEY_METRICS[self.kind] + tuple(key for kind in others for key in KEY_METRICS[kind])


class EntityDirectory:
    """``firing_alert_labels()`` gives the labels of each alert firing now."""

    def __init__(self, storage: StorageBackend, state: AgentRegister, offline_after_s: float,
                 clock: Callable[[], float] = time.time, *,
                 firing_alert_labels: Callable[[], Iterable[Mapping[str, str]]] = tuple, cache_s: float = DEFAULT_CACHE_S):
        self._storage = storage
        self._state = state
        self._offline_after_s = offline_after_s
        self._clock = clock
        self._firing_alert_labels = firing_alert_labels
        self._cache_s = cache_s
        self._cached: tuple[float, list[Entity], dict[tuple[str, str], list[SeriesInfo]]] | None = None
        self._refreshing: asyncio.Lock | None = None

    def first_seen(self, name: str) -> datetime | None:
        """When the host or device ``name`` was first seen by this collector; None for one it never saw
        (an incident may name an asset nobody monitors)."""
        first_ms = self._state.first_seen_ms(name)
        return None if first_ms is None else _utc(first_ms)

    async def entities(self) -> list[Entity]:
        """Every entity, hosts first, then by kind and name; at most ``cache_s`` old."""
        return (await self._current())[1]

    async def entity(self, kind: str, key: str) -> tuple[Entity, list[SeriesInfo]] | None:
        """The entity of ``kind`` named ``key`` (Entity.key) with every series it has; None when there is none."""
        _, entities, series = await self._current()
        found = next((e for e in entities if e.kind == kind and e.key == key), None)
        return None if found is None else (found, series.get((found.kind, found.key), []))

    def is_about(self, entity: Entity, labels: Mapping[str, str]) -> bool:
        """Whether an alert (or anything) with these labels is about ``entity``, as the open-alert counts say."""
        key = _draft_key(entity_of(labels), labels.get("agent"))
        if entity.kind is EntityKind.HOST:
            return key == ("host", entity.agent) or (key is None and labels.get("host") == entity.name)
        return key is not None and key[0] != "host" and key[1] == entity.name

    async def links_of(self, labels_list: list[Mapping[str, str]]) -> list[dict | None]:
        """For each label set, the entity it is about (``{"kind", "key", "name"}``) or None."""
        entities = await self.entities()
        found = [next((e for e in entities if self.is_about(e, labels)), None) for labels in labels_list]
        return [None if e is None else {"kind": e.kind, "key": e.key, "name": e.name} for e in found]

    async def _current(self) -> tuple[float, list[Entity], dict[tuple[str, str], list[SeriesInfo]]]:
        if self._refreshing is None:
            self._refreshing = asyncio.Lock()
        async with self._refreshing:  # concurrent console polls share one refresh
            now_s = self._clock()
            if self._cached is None or now_s - self._cached[0] >= self._cache_s:
                self._cached = (now_s, *await self._refresh(now_s))
            return self._cached

    async def _refresh(self, now_s: float) -> tuple[list[Entity], dict[tuple[str, str], list[SeriesInfo]]]:
        agents = await asyncio.to_thread(self._state.agents)
        checks = await asyncio.to_thread(self._state.latest_checks)
        drafts = _drafts_of_agents(agents)
        _place_series(drafts, self._storage.list_series())
        _place_checks(drafts, checks, {a.agent_id: a.last_seen_ms for a in agents})
        latest = await self._latest_values(drafts.values(), now_s)
        alerts = _open_alert_counts(self._firing_alert_labels(), drafts)
        agent_online = {a.agent_id: self._online(a.last_seen_ms, now_s) for a in agents}
        made = [(self._entity(draft, latest, alerts.get(key, 0), agent_online.get(draft.agent, False)), draft.series)
                for key, draft in drafts.items()]
        made.sort(key=lambda pair: (ENTITY_KINDS.index(pair[0].kind), pair[0].name))
        return [entity for entity, _ in made], {(entity.kind, entity.key): series for entity, series in made}

    def _online(self, last_seen_ms: int, now_s: float) -> bool:
        return now_s * 1000 - last_seen_ms <= self._offline_after_s * 1000

    async def _latest_values(self, drafts: Iterable[_Draft], now_s: float) -> dict[int, float]:
        """The newest value within LATEST_LOOKBACK_S of every series a key metric or status reads."""
        wanted = {s.id for d in drafts for s in d.series
                  if s.name in UP_METRICS or any(k.selects(s) for k in d.key_metrics())}
        return await latest_values(self._storage, wanted, now_s)

    def _entity(self, draft: _Draft, latest: dict[int, float], open_alerts: int, agent_online: bool) -> Entity:
        checks = tuple(EntityCheck(c["check"], c["target"], c["status"], c["message"], _utc(c["timestamp_ms"]),
                                   c["messages"]) for c in draft.checks)
        up_values = [latest[s.id] for s in draft.series if s.name in UP_METRICS and s.id in latest]
        return Entity(
            kind=draft.kind, name=draft.name, agent=draft.agent,
            status=_status(draft.last_seen_ms, agent_online, up_values, checks),
            last_seen=_utc(draft.last_seen_ms) if draft.last_seen_ms is not None else None,
            open_alerts=open_alerts, metrics=_key_metrics(draft, latest), checks=checks, asset=draft.asset)


async def latest_values(storage: StorageBackend, series_ids: Iterable[int], now_s: float,
                        lookback_s: float = LATEST_LOOKBACK_S) -> dict[int, float]:
    """The newest finite value of each series within ``lookback_s`` before ``now_s`` (one bucket each)."""
    end_ms = int(now_s * 1000) + 1
    start_ms = end_ms - int(lookback_s * 1000)
    ids = sorted(set(series_ids))
    results = await asyncio.gather(*(storage.query_range(i, start_ms, end_ms, end_ms - start_ms, "last") for i in ids))
    return {i: float(r.values[-1]) for i, r in zip(ids, results) if len(r.values) and np.isfinite(r.values[-1])}


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _drafts_of_agents(agents: list[AgentRecord]) -> dict[tuple[str, str], _Draft]:
    drafts = {}
    for agent in agents:
        name = agent.hostname or agent.agent_id
        drafts[("host", agent.agent_id)] = _Draft(
            EntityKind.HOST, name, agent.agent_id, asset={k: v for k, v in agent.asset.items() if v},
            last_seen_ms=agent.last_seen_ms)
    return drafts


def _draft_key(entity: EntityOfLabels | None, agent: str | None) -> tuple[str, str] | None:
    """The entry an entity's data goes to: a device's is keyed by its name whatever profile a series is of, a
    host's (or a service's, which shows with its host) is its agent's."""
    if entity is None or entity.kind in (EntityKind.HOST, EntityKind.SERVICE):
        return ("host", agent) if agent else None
    if entity.label == DEVICE_LABEL:
        return (EntityKind.DEVICE.value, entity.name)
    return entity.key


def _place_series(drafts: dict[tuple[str, str], _Draft], series: list[SeriesInfo]) -> None:
    for info in series:
        entity = entity_of(info.labels, info.name)
        key = _draft_key(entity, info.labels.get("agent"))
        if key is None or (key[0] == "host" and key not in drafts):
            continue
        draft = drafts.get(key)
        if draft is None:
            draft = drafts[key] = _Draft(entity.kind, entity.name, info.labels.get("agent", ""),
                                         asset=_asset_labels(info.labels))
        draft.series.append(info)
        if entity is not None and entity.kind in DEVICE_KINDS:
            draft.families.add(entity.kind)
    for draft in drafts.values():  # a device is of its primary kind, whatever series came first
        if draft.families:
            draft.kind = primary_device_kind(draft.families)


def _asset_labels(labels: dict[str, str]) -> dict[str, str]:
    return {k: labels[k] for k in ("asset_number", "department", "location", "responsible_person") if labels.get(k)}


def _check_draft_key(check: dict, devices: set[str]) -> tuple[str, str] | None:
    """A check of a known device's name (a ping of a printer) shows with the device."""
    entity = entity_of({**check["labels"], "check": check["check"], "target": check["target"]})
    if entity is not None and entity.kind is EntityKind.SERVICE and check["target"] in devices:
        return (EntityKind.DEVICE.value, check["target"])
    return _draft_key(entity, check["agent_id"])


def _place_checks(drafts: dict[tuple[str, str], _Draft], checks: list[dict], agent_seen_ms: dict[str, int]) -> None:
    devices = {name for group, name in drafts if group == EntityKind.DEVICE.value}
    for check in checks:
        if check["timestamp_ms"] < agent_seen_ms.get(check["agent_id"], 0) - CHECK_MAX_AGE_S * 1000:
            continue  # no longer configured: its last word must not colour the entity forever
        key = _check_draft_key(check, devices)
        draft = drafts.get(key)
        if draft is None:
            if key[0] == "host":
                continue
            draft = drafts[key] = _Draft(EntityKind(key[0]), key[1], check["agent_id"], asset=_asset_labels(check["labels"]))
        draft.checks.append(check)
        if key[0] != "host":
            draft.last_seen_ms = max(draft.last_seen_ms or 0, check["timestamp_ms"])


def _open_alert_counts(firing: Iterable[Mapping[str, str]],
                       drafts: dict[tuple[str, str], _Draft]) -> dict[tuple[str, str], int]:
    host_by_name = {d.name: key for key, d in drafts.items() if key[0] == "host"}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for labels in firing:
        key = _draft_key(entity_of(labels), labels.get("agent")) or host_by_name.get(labels.get("host", ""))
        if key in drafts:
            counts[key] += 1
    return counts


def _status(last_seen_ms: int | None, agent_online: bool, up_values: list[float],
            checks: tuple[EntityCheck, ...]) -> EntityStatus:
    if last_seen_ms is None:
        return "unknown"
    if not agent_online:
        return "offline"  # its agent (which reports for it) has gone quiet: nothing it shows is current
    if any(value == 0 for value in up_values):
        return "critical"
    return max((_CHECK_STATUS.get(c.status, "unknown") for c in checks), key=_STATUS_RANK.__getitem__, default="ok")


def _key_metrics(draft: _Draft, latest: dict[int, float]) -> tuple[EntityMetric, ...]:
    readings = {}
    for key in draft.key_metrics():
        values = [(latest[s.id], s) for s in draft.series if key.selects(s) and s.id in latest]
        if values:
            readings[key.name] = _combine(key, values)
    if draft.kind == "switch" and "ports_enabled" in readings:
        enabled = readings.pop("ports_enabled")
        up = readings.get("ports_up", EntityMetric("ports_up", 0.0))
        readings["ports_up"] = up
        readings["ports_down"] = EntityMetric("ports_down", max(0.0, enabled.value - up.value))
    return tuple(readings.values())


def _combine(key: KeyMetric, values: list[tuple[float, SeriesInfo]]) -> EntityMetric:
    if key.combine == "sum":
        return EntityMetric(key.name, sum(v for v, _ in values))
    if key.combine == "count_nonzero":
        return EntityMetric(key.name, float(sum(1 for v, _ in values if v != 0)))
    pick = min if key.combine == "min" else max
    value, series = pick(values, key=lambda pair: pair[0])
    target = series.labels.get(key.target_label) if key.target_label else None
    return EntityMetric(key.name, value, target)
