"""One host's or device's page: who and what it is, what is wrong with it, its charts and its latest data.

GET /api/v1/entities/{kind}/{key}           identity, agent, firing alerts, open incidents, inventory, the charts it has
GET /api/v1/entities/{kind}/{key}/charts    ?range=1h|6h|24h|7d|30d or start=&end=, [chart=<id>…]: the charts' data
GET /api/v1/entities/{kind}/{key}/series    every series with its latest value, unit and age (Zabbix's latest data)

``key`` is a host's agent id or a device's name (``key`` in /api/v1/entities).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from aiohttp import web

from itops.alerting.assembly import Alerting
from itops.alerting.rules.loader import MetricRule
from itops.alerting.rules.model import AlertState
from itops.collector.api.access import requires
from itops.collector.api.app import ApiError, iso_or_none, parse_time
from itops.collector.api.openapi import Field, document
from itops.collector.api.roles import Permission
from itops.collector.records.agent_register import AgentRegister
from itops.collector.records.entity_charts import Threshold, chart_data, charts_of
from itops.collector.records.entity_directory import (
    ENTITY_KINDS,
    Entity,
    EntityDirectory,
)
from itops.collector.storage.base import StorageBackend
from itops.common.metric_catalogue import format_value, metric_name, metric_spec
from itops.common.units import LANGUAGES

__all__ = ["add_entity_page_routes"]

RANGES_S = {"1h": 3600, "6h": 6 * 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
MAX_RANGE_S = 400 * 86400
# Latest data: the newest value of the last hour, to the minute; of a series silent longer, of the last week, to the
# hour (the store answers per step bucket: the step is how exactly the age is known).
LATEST_LOOKBACKS = ((3600, 60), (7 * 86400, 3600))  # (seconds back, step seconds)
# Rules compare these of a window with their threshold, on the series' own scale: a line on its chart.
_VALUE_FUNCTIONS = frozenset({"last", "avg", "min", "max"})


@dataclass(frozen=True)
class EntityPageSources:
    directory: EntityDirectory
    storage: StorageBackend
    state: AgentRegister
    alerting: Alerting | None
    offline_after_s: float
    time_zone: str
    clock: Callable[[], float] = time.time  # unix seconds


def add_entity_page_routes(app: web.Application, sources: EntityPageSources) -> None:
    async def entity_of(request: web.Request):
        kind = request.match_info["kind"]
        if kind not in ENTITY_KINDS:
            raise ApiError("kind", f"expected one of {', '.join(ENTITY_KINDS)}, got {kind!r}")
        found = await sources.directory.entity(kind, request.match_info["key"])
        if found is None:
            raise web.HTTPNotFound(text=f'{{"error": "no {kind} {request.match_info["key"]!r} is known"}}',
                                   content_type="application/json")
        return found

    @requires(Permission.VIEW)
    async def page(request: web.Request) -> web.Response:
        entity, series = await entity_of(request)
        return web.json_response({
            "entity": entity.as_json(), "agent": _agent_json(sources, entity),
            "alerts": _firing_alerts_json(sources, entity), "incidents": await _open_incidents_json(sources, entity),
            "inventory": (await asyncio.to_thread(sources.state.inventory_history, entity.agent)
                          if entity.kind == "host" else []),
            "charts": charts_of(entity.kind, series)})

    @requires(Permission.VIEW)
    async def charts(request: web.Request) -> web.Response:
        entity, series = await entity_of(request)
        start_ms, end_ms = _range_ms(request, sources.clock())
        return web.json_response(await chart_data(
            sources.storage, entity.kind, series, start_ms, end_ms, _thresholds_of(sources.alerting),
            sources.time_zone, request.query.getall("chart", [])))

    @requires(Permission.VIEW)
    async def latest(request: web.Request) -> web.Response:
        _, series = await entity_of(request)
        now_s = sources.clock()
        found = await _latest_with_time(sources.storage, [s.id for s in series], now_s)
        rows = [_latest_json(s.name, s.labels, *found[s.id], now_s) for s in series if s.id in found]
        rows.sort(key=lambda row: (row["metric"], sorted(row["labels"].items())))
        return web.json_response({"series": rows})

    base = "/api/v1/entities/{kind}/{key:.+}"  # a device's name may hold a slash; the longer paths are tried first
    app.router.add_get(base + "/charts", charts)
    app.router.add_get(base + "/series", latest)
    app.router.add_get(base, page)


def _range_ms(request: web.Request, now_s: float) -> tuple[int, int]:
    query = request.query
    if "start" in query:
        start_ms, end_ms = _moment_ms("start", query["start"]), _moment_ms("end", query["end"]) if "end" in query \
            else int(now_s * 1000)
        if end_ms <= start_ms:
            raise ApiError("end", "must be after start")
        if end_ms - start_ms > MAX_RANGE_S * 1000:
            raise ApiError("start", f"the range may be at most {MAX_RANGE_S // 86400} days")
        return start_ms, end_ms
    chosen = query.get("range", "24h")
    if chosen not in RANGES_S:
        raise ApiError("range", f"expected one of {', '.join(RANGES_S)}, got {chosen!r}")
    end_ms = int(now_s * 1000)
    return end_ms - RANGES_S[chosen] * 1000, end_ms


def _moment_ms(parameter: str, raw: str) -> int:
    try:
        return int(float(raw) * 1000)
    except ValueError:
        return int(parse_time(raw, parameter, "unix seconds or an RFC 3339 time").timestamp() * 1000)


def _agent_json(sources: EntityPageSources, entity: Entity) -> dict | None:
    record = next((a for a in sources.state.agents() if a.agent_id == entity.agent), None)
    if record is None:
        return None
    return record.as_json(sources.clock() * 1000 - record.last_seen_ms <= sources.offline_after_s * 1000)


def _firing_alerts_json(sources: EntityPageSources, entity: Entity) -> list[dict]:
    if sources.alerting is None:
        return []
    firing = [a for a in sources.alerting.pipeline.evaluator.alerts()
              if a.state is AlertState.FIRING and sources.directory.is_about(entity, a.labels)]
    return [{"fingerprint": a.fingerprint, "rule": a.rule, "severity": a.severity.value,
             "summary": {"zh-CN": a.annotations.get("summary_zh") or a.annotations.get("summary", ""),
                         "en": a.annotations.get("summary", "")},
             "value_text": a.value_texts, "firing_since": iso_or_none(a.firing_since)}
            for a in sorted(firing, key=lambda a: (a.severity.value, a.rule))]


async def _open_incidents_json(sources: EntityPageSources, entity: Entity) -> list[dict]:
    if sources.alerting is None or sources.alerting.incidents is None:
        return []
    names = {entity.name, entity.agent} | ({entity.asset["asset_number"]} if entity.asset.get("asset_number") else set())
    incidents = await asyncio.to_thread(sources.alerting.incidents.list, open_only=True, newest_first=True)
    return [{"id": i.id, "title": i.title, "severity": i.severity.value, "state": i.state.value,
             "opened_at": iso_or_none(i.opened_at)}
            for i in incidents if any(a.name in names or (a.asset_number and a.asset_number in names) for a in i.assets)]


def _thresholds_of(alerting: Alerting | None) -> Callable[[str, dict[str, str]], list[Threshold]]:
    rules = [r for r in alerting.rule_set.rules if isinstance(r, MetricRule) and r.function in _VALUE_FUNCTIONS] \
        if alerting is not None else []

    def thresholds(metric: str, labels: dict[str, str]) -> list[Threshold]:
        return [Threshold(r.threshold, r.severity.value, r.name, r.op)
                for r in rules if r.metric == metric and r.matches(labels)]
    return thresholds


async def _latest_with_time(storage: StorageBackend, series_ids: list[int], now_s: float) -> dict[int, tuple[float, int]]:
    """(value, the start of its step) of the newest finite sample of each series, looking further back for those
    the last hour did not have."""
    found: dict[int, tuple[float, int]] = {}
    end_ms = int(now_s * 1000) + 1
    for lookback_s, step_s in LATEST_LOOKBACKS:
        missing = [i for i in series_ids if i not in found]
        start_ms = end_ms - lookback_s * 1000
        results = await asyncio.gather(*(storage.query_range(i, start_ms, end_ms, step_s * 1000, "last") for i in missing))
        for series_id, result in zip(missing, results):
            finite = np.flatnonzero(np.isfinite(result.values))
            if len(finite):
                found[series_id] = (float(result.values[finite[-1]]), int(result.timestamps_ms[finite[-1]]))
    return found


def _latest_json(metric: str, labels: dict[str, str], value: float, at_ms: int, now_s: float) -> dict:
    spec = metric_spec(metric)
    return {"metric": metric, "labels": labels,
            "name": {language: metric_name(metric, language) for language in LANGUAGES},
            "unit": spec.unit if spec is not None else "number", "value": value,
            "text": {language: format_value(metric, value, language, labels) for language in LANGUAGES},
            "at_ms": at_ms, "age_s": max(0.0, now_s - at_ms / 1000)}


for path, summary in (
        ("/api/v1/entities/{kind}/{key}", ("One host or device: identity and asset fields, its agent, firing alerts, "
                                           "open incidents, hardware inventory (hosts) and the charts it has data for")),
        ("/api/v1/entities/{kind}/{key}/charts", ("The entity's charts over a range, aggregated to at most 300 steps, "
                                                  "with the alert rules' thresholds, forecasts and markers")),
        ("/api/v1/entities/{kind}/{key}/series", ("Every series of the entity with its latest value (up to a week "
                                                  "old), unit, texts in zh-CN and en, and age"))):
    document("GET", path, summary, tag="entities", query=(
        (Field("range", "1h, 6h, 24h (default), 7d or 30d", enum=tuple(RANGES_S)),
         Field("start", "Unix seconds or an RFC 3339 time with its offset; instead of range"),
         Field("end", "Unix seconds or an RFC 3339 time (default now)"),
         Field("chart", "Only this chart (repeatable)")) if path.endswith("/charts") else ()))
