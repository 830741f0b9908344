"""HTTP API of the alerting pipeline, served by the collector.

GET    /api/v1/alerts                    pending, firing and recently resolved alerts (with why they are muted)
GET    /api/v1/silences[?all=1]          silences (ended ones too with all=1)
POST   /api/v1/silences                  {"matchers": ['host="pc-1"'], "starts_at": ISO (default now),
                                          "duration": "2h" | "ends_at": ISO, "comment": "…"}
DELETE /api/v1/silences/{id}             expire a silence
GET    /api/v1/maintenance               maintenance windows, configured ("source": "config") and stored ("api")
POST   /api/v1/maintenance               {"name": …, "matchers": […], "start"/"end" | "weekdays"/"time_range" | "cron"/"duration", "comment": …}
DELETE /api/v1/maintenance/{id}          delete a stored window (a configured one: 409, edit the config file)
GET    /api/v1/notifications?receiver=&outcome=&limit=   the notification log, newest first

Silences need the operator role, maintenance windows the admin role (see access.py); the caller is
recorded as the author.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web

from itops.alerting.assembly import Alerting
from itops.alerting.muting.maintenance import MaintenanceWindowConfig
from itops.alerting.muting.maintenance_store import (ConfiguredWindowError, NoSuchWindowError, StoredWindow, parse_window,
                                              window_fields)
from itops.alerting.rules.model import Alert, MuteReason
from itops.alerting.muting.matchers import MatcherError
from itops.alerting.dispatch.notification_log import NotificationAttempt, Outcome
from itops.alerting.muting.silences import Silence, SilenceError
from itops.common.clock import Clock
from itops.collector.api.access import json_error, principal_name, requires
from itops.collector.api.app import ApiError, iso_or_none, query_choice, query_limit
from itops.collector.api.openapi import Field, document
from itops.collector.api.request_body import request_body
from itops.collector.api.roles import Permission
from itops.common.yaml_config import FieldProblem, parse_duration

__all__ = ["add_alerting_routes"]

NOTIFICATIONS_SHOWN, NOTIFICATIONS_MOST = 100, 1000  # the notification log's default and largest `limit`
_MATCHERS_MOST = 50
_COMMENT_MOST = 2000  # characters


def _alert_json(alert: Alert) -> dict:
    return {"fingerprint": alert.fingerprint, "rule": alert.rule, "state": alert.state.value,
            "severity": alert.severity.value, "labels": alert.labels, "annotations": alert.annotations,
            "value": alert.value, "value_texts": alert.value_texts, "pending_since": iso_or_none(alert.pending_since),
            "firing_since": iso_or_none(alert.firing_since), "resolved_at": iso_or_none(alert.resolved_at),
            "flapping": alert.flapping, "muted_by": alert.muted_by, "muted": [_reason_json(r) for r in alert.muted_by]}


def _reason_json(reason: str) -> dict:
    """A muting reason for the console to say in its language; one it cannot (no key) as the text."""
    if isinstance(reason, MuteReason):
        return {"text": str(reason), "key": reason.key, "args": reason.args}
    return {"text": reason, "key": None, "args": {}}


def _silence_json(silence: Silence) -> dict:
    return {"id": silence.id, "matchers": [str(m) for m in silence.matchers], "starts_at": iso_or_none(silence.starts_at),
            "ends_at": iso_or_none(silence.ends_at), "created_by": silence.created_by, "comment": silence.comment,
            "created_at": iso_or_none(silence.created_at)}


def _window_json(window: MaintenanceWindowConfig, stored: StoredWindow | None) -> dict:
    origin = ({"id": window.name, "source": "config", "created_by": None, "created_at": None} if stored is None else
              {"id": stored.id, "source": "api", "created_by": stored.created_by,
               "created_at": iso_or_none(stored.created_at)})
    return {**origin, **window_fields(window)}


def _attempt_json(attempt: NotificationAttempt) -> dict:
    return {"at": iso_or_none(attempt.at), "receiver": attempt.receiver, "integration": attempt.integration,
            "group_key": attempt.group_key, "fingerprints": list(attempt.fingerprints), "status": attempt.status,
            "outcome": attempt.outcome.value, "error": attempt.error, "attempt": attempt.attempt}


def _silence_period(body: dict, now: datetime) -> tuple[datetime, datetime]:
    """From ``starts_at`` (default now) to ``ends_at``, or for ``duration`` after the start."""
    starts_at = body.get("starts_at", now)
    if "ends_at" in body:
        return starts_at, body["ends_at"]
    try:
        return starts_at, starts_at + timedelta(seconds=parse_duration(body.get("duration", "")))
    except ValueError as exc:
        raise ApiError("duration", f"give `duration` (e.g. 2h) or `ends_at`: {exc}") from None


def add_alerting_routes(app: web.Application, alerting: Alerting, clock: Clock,
                        entity_links: Callable[[list[dict[str, str]]], Awaitable[list[dict | None]]] | None = None) -> None:
    """``entity_links``: for each alert's labels, the host or device it is about (``{"kind", "key", "name"}``, the
    path of its page in the console and API) or None."""

    async def alerts(_request: web.Request) -> web.Response:
        current = alerting.pipeline.evaluator.alerts()
        alerting.pipeline.mute_stage.apply(current, clock())  # says why each is muted now
        entities = await entity_links([a.labels for a in current]) if entity_links else [None] * len(current)
        return web.json_response({"alerts": [{**_alert_json(a), "entity": entity}
                                             for a, entity in zip(current, entities, strict=True)]})

    async def list_silences(request: web.Request) -> web.Response:
        found = alerting.silences.list(clock(), include_ended=query_choice(request, "all", ("1",)) == "1")
        return web.json_response({"silences": [_silence_json(s) for s in found]})

    @requires(Permission.SILENCE_ALERTS)
    async def create_silence(request: web.Request) -> web.Response:
        created_by = principal_name(request)
        body = await request_body(request)
        now = clock()
        starts_at, ends_at = _silence_period(body, now)
        try:
            silence = alerting.silences.create(body["matchers"], starts_at, ends_at, created_by,
                                               body.get("comment", ""), now)
        except (SilenceError, MatcherError) as exc:
            raise ApiError("matchers", str(exc)) from None
        return web.json_response(_silence_json(silence), status=201)

    @requires(Permission.SILENCE_ALERTS)
    async def expire_silence(request: web.Request) -> web.Response:
        try:
            silence = alerting.silences.expire(request.match_info["silence_id"], clock())
        except (SilenceError, KeyError) as exc:
            raise json_error(web.HTTPNotFound, str(exc)) from None
        return web.json_response(_silence_json(silence))

    async def list_maintenance(_request: web.Request) -> web.Response:
        store = alerting.maintenance
        windows = [_window_json(w, None) for w in store.configured.windows] + [_window_json(s.window, s) for s in store.list()]
        return web.json_response({"timezone": store.configured.timezone, "windows": windows})

    @requires(Permission.PLAN_MAINTENANCE)
    async def create_maintenance(request: web.Request) -> web.Response:
        created_by = principal_name(request)
        body = await request_body(request)
        try:
            stored = alerting.maintenance.create(parse_window(body), created_by, clock())
        except FieldProblem as problem:
            raise ApiError(problem.field, problem.problem) from None
        return web.json_response(_window_json(stored.window, stored), status=201)

    @requires(Permission.PLAN_MAINTENANCE)
    async def delete_maintenance(request: web.Request) -> web.Response:
        try:
            stored = alerting.maintenance.delete(request.match_info["window_id"])
        except ConfiguredWindowError as exc:
            raise json_error(web.HTTPConflict, str(exc)) from None
        except NoSuchWindowError as exc:
            raise json_error(web.HTTPNotFound, str(exc)) from None
        return web.json_response(_window_json(stored.window, stored))

    async def notifications(request: web.Request) -> web.Response:
        query = request.query
        try:
            outcome = Outcome(query["outcome"]) if "outcome" in query else None
        except ValueError as exc:
            raise ApiError("outcome", str(exc)) from None
        found = alerting.notification_log.query(receiver=query.get("receiver"), outcome=outcome,
                                                limit=query_limit(request, NOTIFICATIONS_SHOWN, NOTIFICATIONS_MOST))
        return web.json_response({"notifications": [_attempt_json(a) for a in found]})

    app.router.add_get("/api/v1/alerts", alerts)
    app.router.add_get("/api/v1/silences", list_silences)
    app.router.add_post("/api/v1/silences", create_silence)
    app.router.add_delete("/api/v1/silences/{silence_id}", expire_silence)
    app.router.add_get("/api/v1/maintenance", list_maintenance)
    app.router.add_post("/api/v1/maintenance", create_maintenance)
    app.router.add_delete("/api/v1/maintenance/{window_id}", delete_maintenance)
    app.router.add_get("/api/v1/notifications", notifications)


document("GET", "/api/v1/alerts", "Pending, firing and recently resolved alerts, with why each is muted", tag="alerting")
document("GET", "/api/v1/silences", "Silences", tag="alerting", query=(Field("all", "1: ended ones too", enum=("1",)),))
document("POST", "/api/v1/silences", "Create a silence (operator)", tag="alerting", success_status=201, body=(
    Field("matchers", 'Label matchers, e.g. host="pc-1"', "array", required=True, max_length=_MATCHERS_MOST,
          items="string"),
    Field("starts_at", "Start (default now)", format="date-time"), Field("duration", "e.g. 2h (or give ends_at)", max_length=50),
    Field("ends_at", "End", format="date-time"), Field("comment", "Why", max_length=_COMMENT_MOST)))
document("DELETE", "/api/v1/silences/{silence_id}", "Expire a silence (operator)", tag="alerting",
         refusals=((404, "No such silence"),))
document("GET", "/api/v1/maintenance", "Maintenance windows, configured and stored", tag="alerting")
document("POST", "/api/v1/maintenance", "Store a maintenance window (admin)", tag="alerting", success_status=201, body=(
    Field("name", "Shown as the reason alerts are quiet", required=True, max_length=200),
    Field("matchers", "Hosts/devices covered", "array", required=True, max_length=_MATCHERS_MOST, items="string"),
    Field("start", "One-off: local start, e.g. 2026-06-01 22:00", max_length=50),
    Field("end", "One-off: local end", max_length=50),
    Field("weekdays", "Weekly: days it starts on (mon … sun)", "array", max_length=7, items="string"),
    Field("time_range", "Weekly: local HH:MM-HH:MM", max_length=20), Field("cron", "Cron: 5-field start times", max_length=200),
    Field("duration", "Cron: how long each run lasts, e.g. 4h", max_length=50),
    Field("comment", "Why", max_length=_COMMENT_MOST)))
document("DELETE", "/api/v1/maintenance/{window_id}", "Delete a stored maintenance window (admin)", tag="alerting",
         refusals=((404, "No such stored window"), (409, "The window is in the config file, not stored")))
document("GET", "/api/v1/notifications", "The notification log, newest first", tag="alerting", query=(
    Field("receiver", "Only this receiver"), Field("outcome", "Only this outcome", enum=tuple(o.value for o in Outcome)),
    Field("limit", f"At most this many (default {NOTIFICATIONS_SHOWN})", "integer", bounds=(1, NOTIFICATIONS_MOST))))
