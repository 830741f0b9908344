"""The OpenAPI document: every /api/v1 route of the wired app declared, each with the permission of its handler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from itops.alerting.assembly import build_alerting
from itops.alerting.config import AlertingConfig
from itops.alerting.incidents.sla import SlaConfig, SlaPolicy
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.muting.maintenance_store import MaintenanceStore
from itops.collector.api.app import build_http_app
from itops.collector.api.login_throttle import BackoffPolicy, LoginThrottle
from itops.collector.api.openapi import add_openapi_route, openapi_document, undocumented_routes
from itops.collector.api.routes.alerts import add_alerting_routes
from itops.collector.api.routes.incidents import add_incident_routes
from itops.collector.api.routes.users import add_user_routes
from itops.collector.api.user_store import UserStore
from itops.collector.ingest.self_metrics import CollectorMetrics
from itops.collector.records.agent_register import AgentRegister

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def full_app(tmp_path: Path):
    """The collector's app with every route module wired as server.py does."""
    alerting = build_alerting(AlertingConfig(), str(tmp_path / "alerting"), lambda: T0)
    users = UserStore.open(f"sqlite:///{tmp_path / 'users.sqlite3'}")
    incidents = IncidentStore.open(f"sqlite:///{tmp_path / 'incidents.sqlite3'}")
    state = AgentRegister(str(tmp_path / "state"))
    app = build_http_app(None, state, CollectorMetrics(CollectorRegistry()), 60, "sqlite")
    policy = BackoffPolicy(5, 20, timedelta(seconds=1), timedelta(minutes=15), timedelta(hours=1))
    add_user_routes(app, users, LoginThrottle(users.engine, policy), timedelta(hours=12), False, lambda: T0)
    add_alerting_routes(app, alerting, lambda: T0)
    add_incident_routes(app, incidents, SlaPolicy(SlaConfig()), MaintenanceStore(), lambda: T0,
                        asset_first_seen=lambda _name: None, firing=set)
    add_openapi_route(app)
    yield app
    users.close()
    incidents.dispose()
    state.close()


def test_every_api_route_is_in_the_openapi_document(full_app):
    assert undocumented_routes(full_app) == []
    paths = openapi_document(full_app)["paths"]
    for method, path in [("get", "/api/v1/health"), ("post", "/api/v1/incidents/{incident_id}/ack"),
                         ("post", "/api/v1/login"), ("get", "/api/v1/audit"), ("delete", "/api/v1/silences/{silence_id}"),
                         ("get", "/api/v1/openapi.json")]:
        assert method in paths[path], (method, path)


def test_openapi_permissions_and_their_roles_come_from_the_handlers(full_app):
    paths = openapi_document(full_app)["paths"]
    ack = paths["/api/v1/incidents/{incident_id}/ack"]["post"]
    assert (ack["x-itops-permission"], ack["x-itops-role"]) == ("handle_incidents", "operator")
    assert paths["/api/v1/maintenance"]["post"]["x-itops-role"] == "admin"
    assert paths["/api/v1/incidents"]["get"]["x-itops-role"] == "viewer"
    assert "x-itops-role" not in paths["/api/v1/health"]["get"]
    assert paths["/api/v1/incidents/{incident_id}"]["get"]["parameters"][0]["name"] == "incident_id"


def test_openapi_names_the_refusals_of_json_bodies_and_login_throttling(full_app):
    paths = openapi_document(full_app)["paths"]
    assert {"415", "429"} <= set(paths["/api/v1/login"]["post"]["responses"])
    assert "415" in paths["/api/v1/users"]["post"]["responses"] and "429" not in paths["/api/v1/users"]["post"]["responses"]
    assert "415" not in paths["/api/v1/users"]["get"]["responses"]


def test_an_undeclared_route_is_reported(full_app):
    async def extra(_request):
        return web.json_response({})

    full_app.router.add_get("/api/v1/not-declared", extra)
    assert undocumented_routes(full_app) == ["GET /api/v1/not-declared"]


def test_the_session_answer_declares_the_callers_permissions(full_app):
    paths = openapi_document(full_app)["paths"]
    me, login = paths["/api/v1/me"]["get"], paths["/api/v1/login"]["post"]
    schema = me["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == login["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["properties"]["permissions"]["type"] == "array" and "permissions" in schema["required"]
    assert "content" not in paths["/api/v1/users"]["get"]["responses"]["200"]  # no answer declared, none promised
