"""HTTP API of incidents (故障处理单) with their SLA clocks.

GET  /api/v1/incidents?state=&severity=&category=&assignee=&open=1&limit=   newest first, with the total
GET  /api/v1/incidents/{incident_id}                                  with its timeline
POST /api/v1/incidents                                                open one by hand
POST /api/v1/incidents/{incident_id}/ack|assign|note|transition|severity|resolve|close|breach_reason

Reads need the viewer role, changes the operator role; the caller is ``who`` on the timeline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from aiohttp import web

from itops.alerting.incidents.model import AffectedAsset, Category, Incident, IncidentState, TimelineEntry
from itops.alerting.incidents.sla import SlaPolicy, sla_status_json
from itops.alerting.incidents.store import IllegalTransition, IncidentClosed, IncidentStore, NoSuchIncident
from itops.alerting.maintenance import MaintenancePeriod
from itops.alerting.maintenance_store import MaintenanceStore
from itops.alerting.model import Severity
from itops.collector.access import Role, json_error, principal_name, requires
from itops.collector.http_api import ApiError, iso_or_none, json_object, query_limit
from itops.collector.openapi import Field, document

__all__ = ["add_incident_routes", "incident_json"]

INCIDENTS_SHOWN, INCIDENTS_MOST = 200, 1000  # the list's default and largest `limit`

Change = Callable[[str, str, datetime], Incident | None]  # (incident_id, who, now): one store call

# Reached through the ack/resolve/close calls, which take what those steps need.
_DEDICATED_STATES = {IncidentState.ACKNOWLEDGED: "ack", IncidentState.RESOLVED: "resolve",
                     IncidentState.CLOSED: "close"}


def incident_json(incident: Incident, sla: dict) -> dict:
    """IncidentJSON; ``sla`` is ``sla_status_json`` of its status."""
    return {
        "id": incident.id, "title": incident.title, "severity": incident.severity.value,
        "category": incident.category.value,
        "category_name": {"zh-CN": incident.category.name_zh, "en": incident.category.name_en},
        "assets": [{"name": a.name, "asset_number": a.asset_number} for a in incident.assets],
        "reporter": incident.reporter, "assignee": incident.assignee, "state": incident.state.value,
        "cause": incident.cause, "resolution": incident.resolution, "vendor_ticket": incident.vendor_ticket,
        "signed_off_by": incident.signed_off_by, "signed_off_at": iso_or_none(incident.signed_off_at),
        "opened_at": iso_or_none(incident.opened_at), "acknowledged_at": iso_or_none(incident.acknowledged_at),
        "resolved_at": iso_or_none(incident.resolved_at), "closed_at": iso_or_none(incident.closed_at),
        "source": incident.source.value, "fingerprints": list(incident.fingerprints),
        "related_incident": incident.related_incident, "breach_reason": incident.breach_reason, "sla": sla,
    }


def _timeline_json(entry: TimelineEntry) -> dict:
    return {"at": iso_or_none(entry.at), "who": entry.who, "kind": entry.kind.value, "from": entry.from_value,
            "to": entry.to_value, "text": entry.text}


def _choice(field: str, raw: object, enum_class):
    try:
        return enum_class(raw)
    except ValueError:
        raise ApiError(field, f"expected one of {', '.join(m.value for m in enum_class)}, got {raw!r}") from None


def _text(body: dict, field: str, required: bool = True) -> str | None:
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(field, "expected a non-empty string")
    return value.strip()


def _assets(raw: object) -> list[AffectedAsset]:
    if not isinstance(raw, list):
        raise ApiError("assets", "expected a list of {name, asset_number} objects")
    assets = []
    for index, item in enumerate(raw):
        if isinstance(item, str) and item:
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise ApiError(f"assets[{index}].name", "expected a non-empty string")
        number = item.get("asset_number")
        if number is not None and not isinstance(number, str):
            raise ApiError(f"assets[{index}].asset_number", "expected a string or null")
        assets.append(AffectedAsset(item["name"], number or None))
    return assets



def add_incident_routes(app: web.Application, incidents: IncidentStore, sla: SlaPolicy,
                        maintenance: MaintenanceStore, clock: Callable[[], datetime]) -> None:

    def maintenance_since(start: datetime, now: datetime) -> Sequence[MaintenancePeriod]:
        return maintenance.windows_between(start, now) if start < now else ()

    def as_json(found: list[Incident], now: datetime) -> list[dict]:
        if not found:
            return []
        timelines = incidents.timelines(i.id for i in found)
        windows = maintenance_since(min(i.opened_at for i in found), now)
        return [incident_json(i, sla_status_json(sla.status(i, timelines.get(i.id, []), now, windows))) for i in found]

    def detail(incident: Incident, now: datetime) -> dict:
        timeline = incidents.timeline(incident.id)
        status = sla.status(incident, timeline, now, maintenance_since(incident.opened_at, now))
        return {**incident_json(incident, sla_status_json(status)), "timeline": [_timeline_json(e) for e in timeline]}

    def applied(change: Change, incident_id: str, who: str, now: datetime) -> dict:
        try:
            change(incident_id, who, now)
            return detail(incidents.get(incident_id), now)
        except NoSuchIncident as exc:
            raise json_error(web.HTTPNotFound, str(exc)) from None
        except (IllegalTransition, IncidentClosed) as exc:
            raise json_error(web.HTTPConflict, str(exc)) from None

    # The store and the SLA clocks run in worker threads: the event loop also takes the agents' data, and the
    # incidents database may be a remote PostgreSQL.
    async def changed(request: web.Request, change: Change) -> web.Response:
        """``change(incident_id, who, now)`` applied to the incident in the path, answered with its detail."""
        return web.json_response(await asyncio.to_thread(
            applied, change, request.match_info["incident_id"], principal_name(request), clock()))

    def shown(incident_id: str) -> dict:
        try:
            return detail(incidents.get(incident_id), clock())
        except NoSuchIncident as exc:
            raise json_error(web.HTTPNotFound, str(exc)) from None

    def listing(filters: dict, limit: int) -> dict:
        found = incidents.list(**filters, newest_first=True, limit=limit)
        total = len(found) if len(found) < limit else incidents.count(**filters)
        return {"incidents": as_json(found, clock()), "total": total}

    @requires(Role.VIEWER)
    async def list_incidents(request: web.Request) -> web.Response:
        query = request.query
        filters = {
            "state": _choice("state", query["state"], IncidentState) if "state" in query else None,
            "severity": _choice("severity", query["severity"], Severity) if "severity" in query else None,
            "category": _choice("category", query["category"], Category) if "category" in query else None,
            "assignee": query.get("assignee") or None, "open_only": query.get("open") == "1"}
        limit = query_limit(request, INCIDENTS_SHOWN, INCIDENTS_MOST)
        return web.json_response(await asyncio.to_thread(listing, filters, limit))

    @requires(Role.VIEWER)
    async def show(request: web.Request) -> web.Response:
        return web.json_response(await asyncio.to_thread(shown, request.match_info["incident_id"]))

    @requires(Role.OPERATOR)
    async def open_incident(request: web.Request) -> web.Response:
        body = await json_object(request)
        title, description = _text(body, "title"), _text(body, "description", required=False)
        severity, category = _choice("severity", body.get("severity"), Severity), _choice("category", body.get("category"), Category)
        assets, assignee = _assets(body.get("assets", [])), _text(body, "assignee", required=False)
        now, who = clock(), principal_name(request)

        def opened() -> dict:
            incident = incidents.open_incident(title=title, severity=severity, category=category, reporter=who, at=now,
                                               assets=assets, assignee=assignee)
            if description is not None:
                incidents.add_note(incident.id, who, now, description)
            return detail(incident, now)

        return web.json_response(await asyncio.to_thread(opened), status=201)

    @requires(Role.OPERATOR)
    async def ack(request: web.Request) -> web.Response:
        return await changed(request, incidents.acknowledge)

    @requires(Role.OPERATOR)
    async def assign(request: web.Request) -> web.Response:
        assignee = _text(await json_object(request), "assignee")
        return await changed(request, lambda incident_id, who, now: incidents.assign(incident_id, assignee, who, now))

    @requires(Role.OPERATOR)
    async def note(request: web.Request) -> web.Response:
        text = _text(await json_object(request), "text")
        return await changed(request, lambda incident_id, who, now: incidents.add_note(incident_id, who, now, text))

    @requires(Role.OPERATOR)
    async def transition(request: web.Request) -> web.Response:
        body = await json_object(request)
        state = _choice("state", body.get("state"), IncidentState)
        if state in _DEDICATED_STATES:
            raise ApiError("state", f"use POST /api/v1/incidents/{{id}}/{_DEDICATED_STATES[state]} to go to {state.value}")
        note_text, ticket = _text(body, "note", required=False), _text(body, "vendor_ticket", required=False)
        return await changed(request, lambda incident_id, who, now: incidents.transition(
            incident_id, state, who, now, note=note_text, vendor_ticket=ticket))

    @requires(Role.OPERATOR)
    async def change_severity(request: web.Request) -> web.Response:
        body = await json_object(request)
        severity, reason = _choice("severity", body.get("severity"), Severity), _text(body, "reason")
        return await changed(request, lambda incident_id, who, now: incidents.change_severity(
            incident_id, severity, who, now, reason))

    @requires(Role.OPERATOR)
    async def resolve(request: web.Request) -> web.Response:
        body = await json_object(request)
        cause, resolution = _text(body, "cause"), _text(body, "resolution")
        return await changed(request, lambda incident_id, who, now: incidents.resolve(incident_id, who, now, cause, resolution))

    @requires(Role.OPERATOR)
    async def close(request: web.Request) -> web.Response:
        sign_off = _text(await json_object(request), "sign_off")
        return await changed(request, lambda incident_id, who, now: incidents.close(incident_id, who, now, sign_off))

    @requires(Role.OPERATOR)
    async def breach_reason(request: web.Request) -> web.Response:
        text = _text(await json_object(request), "text")
        return await changed(request, lambda incident_id, who, now: incidents.set_breach_reason(incident_id, who, now, text))

    app.router.add_get("/api/v1/incidents", list_incidents)
    app.router.add_post("/api/v1/incidents", open_incident)
    app.router.add_get("/api/v1/incidents/{incident_id}", show)
    for action, handler in (("ack", ack), ("assign", assign), ("note", note), ("transition", transition),
                            ("severity", change_severity), ("resolve", resolve), ("close", close),
                            ("breach_reason", breach_reason)):
        app.router.add_post(f"/api/v1/incidents/{{incident_id}}/{action}", handler)


def _declare_operations() -> None:
    base = "/api/v1/incidents/{incident_id}"
    document("GET", "/api/v1/incidents", "Incidents with their SLA clocks, newest first; `total` counts every match",
             tag="incidents", query=(
        Field("state", "open, acknowledged, in_progress, waiting_for_vendor, resolved or closed"),
        Field("severity", "P1 to P4"), Field("category", "environment, hardware, network, base_software or application"),
        Field("assignee", "Only this assignee's"), Field("open", "1: every state but resolved and closed"),
        Field("limit", f"At most this many, 1 to {INCIDENTS_MOST} (default {INCIDENTS_SHOWN})", "integer")))
    document("POST", "/api/v1/incidents", "Open an incident by hand (operator)", tag="incidents", success_status=201, body=(
        Field("title", "What is wrong", required=True), Field("severity", "P1 to P4", required=True),
        Field("category", "One of the five domains", required=True),
        Field("assets", "Affected assets: [{name, asset_number}]", "array"), Field("assignee", "Who handles it"),
        Field("description", "First note on the timeline")))
    document("GET", base, "One incident with its SLA clocks and timeline", tag="incidents")
    for action, summary, fields in (
        ("ack", "Acknowledge (stops the response clock)", ()),
        ("assign", "Assign", (Field("assignee", "Who handles it", required=True),)),
        ("note", "Add a note to the timeline", (Field("text", "The note", required=True),)),
        ("transition", "Move to in_progress / waiting_for_vendor, or reopen", (
            Field("state", "open, in_progress or waiting_for_vendor", required=True), Field("note", "Why"),
            Field("vendor_ticket", "The vendor's ticket number"))),
        ("severity", "Change the severity", (Field("severity", "P1 to P4", required=True),
                                             Field("reason", "Why", required=True))),
        ("resolve", "Resolve", (Field("cause", "Root cause", required=True),
                                Field("resolution", "What fixed it", required=True))),
        ("close", "Close with the requester's sign-off (验收签字)", (Field("sign_off", "Who signed off", required=True),)),
        ("breach_reason", "Record why the SLA was missed (超时原因)", (Field("text", "The reason", required=True),)),
    ):
        document("POST", f"{base}/{action}", f"{summary} (operator)", tag="incidents", body=fields)


_declare_operations()
