"""HTTP API of incidents (故障处理单) with their SLA clocks.

GET  /api/v1/incidents?state=&severity=&category=&assignee=&open=1&limit=   newest first, with the total
GET  /api/v1/incidents/{incident_id}                                  with its timeline
POST /api/v1/incidents                                                open one by hand (reported_at, occurred_at)
POST /api/v1/incidents/{incident_id}/ack|assign|note|transition|severity|resolve|close|breach_reason   (at)

Reads need the viewer role, changes the operator role; the caller is ``who`` on the timeline and the one who
typed the change in (``entered_by``, at ``entered_at``). A step entered afterwards gives ``at``, when it
happened: not in the future, not before the incident's previous step (the store checks both).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from aiohttp import web

from itops.alerting.incidents.model import AffectedAsset, Category, Incident, IncidentState, TimelineEntry
from itops.alerting.incidents.sla import SlaPolicy, sla_status_json
from itops.alerting.incidents.store import (
    IllegalTransition,
    IncidentClosed,
    IncidentStore,
    IncidentTimeError,
    NoSuchIncident,
)
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.alerting.muting.maintenance_store import MaintenanceStore
from itops.alerting.rules.model import Severity
from itops.common.clock import said_utc
from itops.collector.api.access import json_error, principal_name, requires
from itops.collector.api.app import ApiError, iso_or_none, query_choice, query_limit
from itops.collector.api.openapi import Field, document
from itops.collector.api.request_body import request_body
from itops.collector.api.roles import Permission

__all__ = ["add_incident_routes", "incident_json"]

INCIDENTS_SHOWN, INCIDENTS_MOST = 200, 1000  # the list's default and largest `limit`

Change = Callable[[str, str, datetime, datetime], Incident | None]  # (incident_id, who, at, now): one store call
AssetFirstSeen = Callable[[str], datetime | None]  # host/device name → when this collector first saw it
FiringFingerprints = Callable[[], set[str]]  # the fingerprints of the alerts firing now

TEXT_MOST = 10_000  # characters of a note, cause, resolution or reason


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
        "related_incident": incident.related_incident, "breach_reason": incident.breach_reason,
        "occurred_at": iso_or_none(incident.occurred_at), "sla": sla,
    }


def _timeline_json(entry: TimelineEntry) -> dict:
    return {"at": iso_or_none(entry.at), "who": entry.who, "kind": entry.kind.value, "from": entry.from_value,
            "to": entry.to_value, "text": entry.text, "entered_at": iso_or_none(entry.entered_at or entry.at),
            "entered_by": entry.entered_by or entry.who}


def _refuse_before_assets_existed(assets: list[AffectedAsset], field: str, moment: datetime,
                                  first_seen: AssetFirstSeen) -> None:
    for asset in assets:
        since = first_seen(asset.name)
        if since is not None and moment < since:
            raise ApiError(field, f"{said_utc(moment)} is before {asset.name} existed "
                                  f"(first seen by this collector at {said_utc(since)})")


def _still_firing(incident: Incident, firing: FiringFingerprints) -> list[str]:
    now_firing = firing()
    return [fingerprint for fingerprint in incident.fingerprints if fingerprint in now_firing]


def _choice(field: str, raw: object, enum_class):
    try:
        return enum_class(raw)
    except ValueError:
        raise ApiError(field, f"expected one of {', '.join(m.value for m in enum_class)}, got {raw!r}") from None


def _assets(raw: list[dict]) -> list[AffectedAsset]:
    return [AffectedAsset(item["name"], item.get("asset_number")) for item in raw]


def add_incident_routes(app: web.Application, incidents: IncidentStore, sla: SlaPolicy,
                        maintenance: MaintenanceStore, clock: Callable[[], datetime], *,
                        asset_first_seen: AssetFirstSeen, firing: FiringFingerprints) -> None:

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

    def applied(change: Change, incident_id: str, who: str, at: datetime | None, now: datetime) -> dict:
        try:
            change(incident_id, who, at or now, now)
            return detail(incidents.get(incident_id), now)
        except NoSuchIncident as exc:
            raise json_error(web.HTTPNotFound, str(exc)) from None
        except (IllegalTransition, IncidentClosed) as exc:
            raise json_error(web.HTTPConflict, str(exc)) from None
        except IncidentTimeError as exc:
            raise ApiError(exc.field, exc.problem) from None

    # The store and the SLA clocks run in worker threads: the event loop also takes the agents' data, and the
    # incidents database may be a remote PostgreSQL.
    async def changed(request: web.Request, body: dict, change: Change) -> web.Response:
        """``change(incident_id, who, at, now)`` applied to the incident in the path, answered with its detail;
        ``at`` is the body's (when it happened), else now."""
        return web.json_response(await asyncio.to_thread(
            applied, change, request.match_info["incident_id"], principal_name(request), body.get("at"), clock()))

    def shown(incident_id: str) -> dict:
        try:
            return detail(incidents.get(incident_id), clock())
        except NoSuchIncident as exc:
            raise json_error(web.HTTPNotFound, str(exc)) from None

    def listing(filters: dict, limit: int) -> dict:
        found = incidents.list(**filters, newest_first=True, limit=limit)
        total = len(found) if len(found) < limit else incidents.count(**filters)
        return {"incidents": as_json(found, clock()), "total": total}

    @requires(Permission.VIEW)
    async def list_incidents(request: web.Request) -> web.Response:
        query = request.query
        filters = {
            "state": _choice("state", query["state"], IncidentState) if "state" in query else None,
            "severity": _choice("severity", query["severity"], Severity) if "severity" in query else None,
            "category": _choice("category", query["category"], Category) if "category" in query else None,
            "assignee": query.get("assignee") or None, "open_only": query_choice(request, "open", ("1",)) == "1"}
        limit = query_limit(request, INCIDENTS_SHOWN, INCIDENTS_MOST)
        return web.json_response(await asyncio.to_thread(listing, filters, limit))

    @requires(Permission.VIEW)
    async def show(request: web.Request) -> web.Response:
        return web.json_response(await asyncio.to_thread(shown, request.match_info["incident_id"]))

    def opened(body: dict, who: str, now: datetime) -> dict:
        reported_at, occurred_at = body.get("reported_at", now), body.get("occurred_at")
        assets = _assets(body.get("assets", []))
        earliest = ("occurred_at", occurred_at) if occurred_at is not None else ("reported_at", reported_at)
        _refuse_before_assets_existed(assets, *earliest, asset_first_seen)
        try:
            incident = incidents.open_incident(
                title=body["title"], severity=Severity(body["severity"]), category=Category(body["category"]),
                reporter=who, at=reported_at, occurred_at=occurred_at, entered_at=now, assets=assets,
                assignee=body.get("assignee"))
        except IncidentTimeError as exc:
            raise ApiError(exc.field, exc.problem) from None
        if "description" in body:
            incidents.add_note(incident.id, who, incident.opened_at, body["description"], entered_at=now)
        return detail(incident, now)

    @requires(Permission.HANDLE_INCIDENTS)
    async def open_incident(request: web.Request) -> web.Response:
        body = await request_body(request)
        return web.json_response(await asyncio.to_thread(opened, body, principal_name(request), clock()), status=201)

    @requires(Permission.HANDLE_INCIDENTS)
    async def ack(request: web.Request) -> web.Response:
        body = await request_body(request)
        return await changed(request, body, lambda incident_id, who, at, now: incidents.acknowledge(
            incident_id, who, at, entered_at=now))

    @requires(Permission.HANDLE_INCIDENTS)
    async def assign(request: web.Request) -> web.Response:
        body = await request_body(request)
        return await changed(request, body, lambda incident_id, who, at, now: incidents.assign(
            incident_id, body["assignee"], who, at, entered_at=now))

    @requires(Permission.HANDLE_INCIDENTS)
    async def note(request: web.Request) -> web.Response:
        body = await request_body(request)
        return await changed(request, body, lambda incident_id, who, at, now: incidents.add_note(
            incident_id, who, at, body["text"], entered_at=now))

    @requires(Permission.HANDLE_INCIDENTS)
    async def transition(request: web.Request) -> web.Response:
        body = await request_body(request)
        state = IncidentState(body["state"])
        return await changed(request, body, lambda incident_id, who, at, now: incidents.transition(
            incident_id, state, who, at, note=body.get("note"), vendor_ticket=body.get("vendor_ticket"), entered_at=now))

    @requires(Permission.HANDLE_INCIDENTS)
    async def change_severity(request: web.Request) -> web.Response:
        body = await request_body(request)
        return await changed(request, body, lambda incident_id, who, at, now: incidents.change_severity(
            incident_id, Severity(body["severity"]), who, at, body["reason"], entered_at=now))

    def resolved(incident_id: str, who: str, at: datetime, now: datetime, body: dict) -> None:
        still_firing = _still_firing(incidents.get(incident_id), firing)
        if still_firing and not body.get("force"):
            raise json_error(web.HTTPConflict, f"incident {incident_id}: its alert is still firing "
                                               f"({', '.join(still_firing)}); send force: true to resolve it anyway",
                             firing=still_firing)
        incidents.resolve(incident_id, who, at, body["cause"], body["resolution"], entered_at=now,
                          still_firing=still_firing)

    @requires(Permission.HANDLE_INCIDENTS)
    async def resolve(request: web.Request) -> web.Response:
        body = await request_body(request)
        return await changed(request, body, lambda incident_id, who, at, now: resolved(incident_id, who, at, now, body))

    @requires(Permission.HANDLE_INCIDENTS)
    async def close(request: web.Request) -> web.Response:
        body = await request_body(request)
        return await changed(request, body, lambda incident_id, who, at, now: incidents.close(
            incident_id, who, at, body["sign_off"], entered_at=now))

    @requires(Permission.HANDLE_INCIDENTS)
    async def breach_reason(request: web.Request) -> web.Response:
        body = await request_body(request)
        return await changed(request, body, lambda incident_id, who, at, now: incidents.set_breach_reason(
            incident_id, who, at, body["text"], entered_at=now))

    app.router.add_get("/api/v1/incidents", list_incidents)
    app.router.add_post("/api/v1/incidents", open_incident)
    app.router.add_get("/api/v1/incidents/{incident_id}", show)
    for action, handler in (("ack", ack), ("assign", assign), ("note", note), ("transition", transition),
                            ("severity", change_severity), ("resolve", resolve), ("close", close),
                            ("breach_reason", breach_reason)):
        app.router.add_post(f"/api/v1/incidents/{{incident_id}}/{action}", handler)


_STATES = tuple(s.value for s in IncidentState)
_SEVERITIES = tuple(s.value for s in Severity)
_CATEGORIES = tuple(c.value for c in Category)
_REOPEN_STATES = (IncidentState.OPEN.value, IncidentState.IN_PROGRESS.value, IncidentState.WAITING_FOR_VENDOR.value)
_AT = Field("at", "When it happened, if before now (e.g. acknowledged at 03:12 by phone): not in the future "
                  "(2 min of clock skew are taken as now), not before the incident's previous step", format="date-time")
_ASSET = (Field("name", "Host or device name", required=True, max_length=200),
          Field("asset_number", "Asset number (资产编号)", max_length=100))
_NOT_FOUND = (404, "No such incident")
_REFUSED = (_NOT_FOUND, (409, "The incident's state does not allow it (the error says which moves are allowed), "
                              "it is closed, or (resolve) its alert is still firing: `firing` lists them"))


def _declare_operations() -> None:
    base = "/api/v1/incidents/{incident_id}"
    document("GET", "/api/v1/incidents", "Incidents with their SLA clocks, newest first; `total` counts every match",
             tag="incidents", query=(
        Field("state", "Only this state", enum=_STATES), Field("severity", "Only this severity", enum=_SEVERITIES),
        Field("category", "Only this domain", enum=_CATEGORIES),
        Field("assignee", "Only this assignee's"), Field("open", "1: every state but resolved and closed", enum=("1",)),
        Field("limit", f"At most this many (default {INCIDENTS_SHOWN})", "integer", bounds=(1, INCIDENTS_MOST))))
    document("POST", "/api/v1/incidents", "Open an incident by hand (operator)", tag="incidents", success_status=201, body=(
        Field("title", "What is wrong", required=True, max_length=500),
        Field("severity", "P1 (highest) to P4", required=True, enum=_SEVERITIES),
        Field("category", "One of the five domains", required=True, enum=_CATEGORIES),
        Field("assets", "Affected assets", "array", max_length=100, items=_ASSET),
        Field("assignee", "Who handles it", max_length=100),
        Field("description", "First note on the timeline", max_length=TEXT_MOST),
        Field("reported_at", "When the fault was reported (default now; answered as `opened_at`): the SLA clocks run "
                             "from it. Not in the future, not before an affected asset was first seen", format="date-time"),
        Field("occurred_at", "When the fault began, at or before reported_at, not before an affected asset was "
                             "first seen", format="date-time")))
    document("GET", base, "One incident with its SLA clocks and timeline", tag="incidents", refusals=(_NOT_FOUND,))
    for action, summary, fields in (
        ("ack", "Acknowledge (stops the response clock)", ()),
        ("assign", "Assign", (Field("assignee", "Who handles it", required=True, max_length=100),)),
        ("note", "Add a note to the timeline", (Field("text", "The note", required=True, max_length=TEXT_MOST),)),
        ("transition", "Start (in_progress), wait for the vendor (waiting_for_vendor), or reopen a resolved one", (
            Field("state", "The state to go to", required=True, enum=_REOPEN_STATES),
            Field("note", "Why", max_length=TEXT_MOST), Field("vendor_ticket", "The vendor's ticket number", max_length=100))),
        ("severity", "Change the severity", (Field("severity", "P1 to P4", required=True, enum=_SEVERITIES),
                                             Field("reason", "Why", required=True, max_length=TEXT_MOST))),
        ("resolve", "Resolve (from acknowledged, in_progress or waiting_for_vendor)", (
            Field("cause", "Root cause", required=True, max_length=TEXT_MOST),
            Field("resolution", "What fixed it", required=True, max_length=TEXT_MOST),
            Field("force", "Resolve although its alert is still firing (the timeline says so)", "boolean"))),
        ("close", "Close with the requester's sign-off (确认人签字)",
         (Field("sign_off", "Who signed off", required=True, max_length=100),)),
        ("breach_reason", "Record why the SLA was missed (超时原因)",
         (Field("text", "The reason", required=True, max_length=TEXT_MOST),)),
    ):
        document("POST", f"{base}/{action}", f"{summary} (operator)", tag="incidents", body=(*fields, _AT),
                 refusals=_REFUSED)


_declare_operations()
