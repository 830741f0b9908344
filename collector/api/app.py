"""The collector's HTTP API (JSON) and Prometheus /metrics.

GET /api/v1/health                     liveness and what the collector runs with
GET /api/v1/agents                     agents/hosts with online status and host facts
GET /api/v1/series?name=&label=k=v     series, filtered by metric name and label equality
GET /api/v1/points?name=&label=k=v&since=1h|start=&end=&step=&aggregation=  (not Prometheus's query_range: no PromQL)
GET /api/v1/agents/{agent_id}/inventory hardware inventory snapshots, each with what changed
GET /api/v1/checks?agent=              latest result of every check
GET /metrics                           the collector's own metrics and the fleet figures
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import numpy as np
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from itops import __version__
from itops.collector.api.openapi import Field, document
from itops.collector.ingest.self_metrics import CollectorMetrics
from itops.collector.records.agent_register import AgentRegister
from itops.collector.storage.base import StorageBackend
from itops.common.yaml_config import parse_duration

__all__ = ["ApiError", "build_http_app", "iso_or_none", "json_object", "parse_time", "query_choice"]

MAX_POINTS_PER_SERIES = 11_000
MAX_SERIES_PER_QUERY = 200
AGGREGATIONS = ("avg", "min", "max", "last")
JSON_CONTENT_TYPE = "application/json"


class ApiError(web.HTTPBadRequest):
    """400 ``{"error": "<parameter>: <problem>", "parameter": …}``; ``shown_as`` writes the parameter otherwise
    in the message (an unknown field is quoted as the client sent it)."""

    def __init__(self, parameter: str, problem: str, shown_as: str | None = None):
        super().__init__(text=_json_text({"error": f"{shown_as or parameter}: {problem}", "parameter": parameter}),
                         content_type="application/json")


def iso_or_none(moment: datetime | None) -> str | None:
    """A time as JSON: ISO 8601 with its offset, or null."""
    return moment.isoformat() if moment is not None else None


def query_choice(request: web.Request, parameter: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
    """Query parameter ``parameter``, which must be one of ``allowed`` when given (else ``default``)."""
    value = request.query.get(parameter, default)
    if value is not None and value not in allowed:
        raise ApiError(parameter, f"expected one of {', '.join(allowed)}, got {value!r}")
    return value


def query_limit(request: web.Request, default: int, most: int) -> int:
    """The ``limit`` query parameter: a whole number from 1 to ``most`` (``default`` when not given)."""
    raw = request.query.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= most:
        raise ApiError("limit", f"expected a whole number from 1 to {most}, got {raw!r}")
    return value


def _json_text(body: object) -> str:
    return json.dumps(body, ensure_ascii=False)


class UnsupportedMediaType(web.HTTPUnsupportedMediaType):
    def __init__(self, content_type: str):
        problem = f"Content-Type: expected {JSON_CONTENT_TYPE}, got {content_type}"
        super().__init__(text=_json_text({"error": problem, "parameter": "Content-Type"}), content_type=JSON_CONTENT_TYPE)


async def json_object(request: web.Request) -> dict:
    """The request's JSON object body; 415 unless sent as application/json (a form or text/plain body may be a
    cross-site forgery: browsers send those without asking), 400 naming ``body`` when it is no JSON object."""
    if request.content_type != JSON_CONTENT_TYPE:
        raise UnsupportedMediaType(request.content_type)
    try:
        body = await request.json()
    except ValueError:
        raise ApiError("body", "expected a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError("body", "expected a JSON object")
    return body


def _label_matchers(request: web.Request) -> dict[str, str]:
    matchers = {}
    for raw in request.query.getall("label", []):
        name, sep, value = raw.partition("=")
        if not sep or not name:
            raise ApiError("label", f"expected name=value, got {raw!r}")
        matchers[name] = value
    return matchers


def parse_time(raw: str, parameter: str, expected: str = "an RFC 3339 time") -> datetime:
    """An RFC 3339 time, which must say its zone offset (times are UTC inside itops)."""
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(parameter, f"expected {expected}, e.g. 2026-12-03T22:40:00+08:00, got {raw!r}") from None
    if moment.tzinfo is None:
        raise ApiError(parameter, f"time {raw!r} needs a zone offset (times are UTC inside itops)")
    return moment


def _time_ms(parameter: str, raw: str) -> int:
    try:
        return int(float(raw) * 1000)
    except ValueError:
        return int(parse_time(raw, parameter, "unix seconds or an RFC 3339 time").timestamp() * 1000)


def _duration_ms(parameter: str, raw: str) -> int:
    try:
        return int(parse_duration(raw) * 1000)
    except ValueError as exc:
        raise ApiError(parameter, str(exc)) from None


def _query_window(request: web.Request, now_ms: int) -> tuple[int, int, int]:
    query = request.query
    if "since" in query:
        start_ms, end_ms = now_ms - _duration_ms("since", query["since"]), now_ms
    elif "start" in query:
        start_ms = _time_ms("start", query["start"])
        end_ms = _time_ms("end", query["end"]) if "end" in query else now_ms
    else:
        raise ApiError("since", "give `since` (e.g. 1h) or `start` (and optionally `end`)")
    if end_ms <= start_ms:
        raise ApiError("end", "must be after start")
    step_ms = _duration_ms("step", query["step"]) if "step" in query else max(1000, (end_ms - start_ms) // 250)
    if step_ms <= 0:
        raise ApiError("step", "must be more than zero")
    return start_ms, end_ms, step_ms


def build_http_app(storage: StorageBackend, state: AgentRegister, metrics: CollectorMetrics,
                   offline_after_s: float, backend_name: str, clock: Callable[[], float] = time.time,
                   time_zone: str = "Asia/Shanghai", middlewares: tuple = (),
                   refresh_figures: Callable[[], Awaitable[None]] | None = None) -> web.Application:
    """``time_zone``: shown in /health, the zone the console shows times in; ``refresh_figures``: brings the
    figures of ``metrics.registry`` worked out from the stores up to date before /metrics is written."""
    def online(last_seen_ms: int) -> bool:
        return clock() * 1000 - last_seen_ms <= offline_after_s * 1000

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "version": __version__, "storage": backend_name,
                                  "time_zone": time_zone})

    async def agents(_request: web.Request) -> web.Response:
        records = state.agents()
        return web.json_response({"agents": [record.as_json(online(record.last_seen_ms)) for record in records]})

    async def series(request: web.Request) -> web.Response:
        found = storage.list_series(request.query.get("name"), _label_matchers(request))
        return web.json_response({"series": [{"id": s.id, "name": s.name, "labels": s.labels} for s in found]})

    async def metric_points(request: web.Request) -> web.Response:
        name = request.query.get("name")
        if not name:
            raise ApiError("name", "the metric name is required")
        aggregation = request.query.get("aggregation", "avg")
        if aggregation not in AGGREGATIONS:
            raise ApiError("aggregation", f"expected one of {', '.join(AGGREGATIONS)}, got {aggregation!r}")
        start_ms, end_ms, step_ms = _query_window(request, int(clock() * 1000))
        matched = storage.list_series(name, _label_matchers(request))
        if len(matched) > MAX_SERIES_PER_QUERY:
            raise ApiError("label", f"{len(matched)} series match; narrow the query to at most {MAX_SERIES_PER_QUERY}")
        result = []
        for info in matched:
            points = await storage.query_range(info.id, start_ms, end_ms, step_ms, aggregation)
            if len(points.values) > MAX_POINTS_PER_SERIES:
                raise ApiError("step", f"more than {MAX_POINTS_PER_SERIES} points for {info.name}; use a larger step or a shorter range")
            result.append({"name": info.name, "labels": info.labels,
                           "points": _points(points.timestamps_ms, points.values)})
        return web.json_response({"start_ms": start_ms, "end_ms": end_ms, "step_ms": step_ms,
                                  "aggregation": aggregation, "series": result})

    async def inventory(request: web.Request) -> web.Response:
        return web.json_response({"inventory": state.inventory_history(request.match_info["agent_id"])})

    async def checks(request: web.Request) -> web.Response:
        return web.json_response({"checks": state.latest_checks(request.query.get("agent"))})

    async def prometheus_metrics(_request: web.Request) -> web.Response:
        if refresh_figures is not None:
            await refresh_figures()
        return web.Response(body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application(middlewares=list(middlewares))
    app.router.add_get("/api/v1/health", health)
    app.router.add_get("/api/v1/agents", agents)
    app.router.add_get("/api/v1/series", series)
    app.router.add_get("/api/v1/points", metric_points)
    app.router.add_get("/api/v1/agents/{agent_id}/inventory", inventory)
    app.router.add_get("/api/v1/checks", checks)
    app.router.add_get("/metrics", prometheus_metrics)
    return app


_SERIES_QUERY = (Field("name", "Metric name"), Field("label", "Label equality `name=value` (repeatable)"))
document("GET", "/api/v1/health", "Liveness, version, storage backend and the display time zone", tag="collector")
document("GET", "/api/v1/agents", "Agents/hosts with online status and host facts", tag="collector")
document("GET", "/api/v1/series", "Series, filtered by metric name and label equality", tag="metrics", query=_SERIES_QUERY)
document("GET", "/api/v1/points", "A metric's points over a range, bucketed", tag="metrics", query=(
    Field("name", "Metric name", required=True), _SERIES_QUERY[1], Field("since", "Range ending now, e.g. 1h"),
    Field("start", "Range start: unix seconds or RFC 3339"), Field("end", "Range end (default now)"),
    Field("step", "Bucket width, e.g. 1m (default range/250)"), Field("aggregation", "How points in a bucket combine (default avg)", enum=AGGREGATIONS)))
document("GET", "/api/v1/agents/{agent_id}/inventory", "Hardware inventory snapshots, each with what changed",
         tag="collector")
document("GET", "/api/v1/checks", "The latest result of every check", tag="collector",
         query=(Field("agent", "Only this agent's checks"),))


def _points(timestamps_ms: np.ndarray, values: np.ndarray) -> list[list]:
    """[[ms, value], …]; NaN/±Inf become null, which JSON cannot carry as numbers."""
    finite = np.isfinite(values)
    return [[int(t), float(v) if ok else None] for t, v, ok in zip(timestamps_ms, values, finite)]
