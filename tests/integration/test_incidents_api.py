"""The incidents HTTP API and the ``itops incidents`` CLI against the real collector process: a full
lifecycle with the SLA clocks in every answer, roles, errors, and the OpenAPI document."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import BIN, CollectorProcess
from .test_auth import ApiSession, add_user, make_user

pytestmark = pytest.mark.integration

ALERTING = "alerting:\n  shipped_rules: false\n  evaluation_interval: 1s\n  incidents: {}\n"


@pytest.fixture
def collector(tmp_path, tls_dir, agent_token):
    process = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}, extra_config=ALERTING).start()
    add_user(process, "admin", "admin", "admin password")
    yield process
    if process.process.poll() is None:
        process.process.kill()


@pytest.fixture
def sessions(collector) -> dict[str, ApiSession]:
    admin = ApiSession(collector.http_url)
    assert admin.login("admin", "admin password")[0] == 200
    return {"admin": admin, "viewer": make_user(admin, collector.http_url, "li", "viewer"),
            "operator": make_user(admin, collector.http_url, "zhao", "operator")}


def _open(session: ApiSession, **fields) -> dict:
    body = {"title": "打印机卡纸 / printer jam", "severity": "P2", "category": "hardware",
            "assets": [{"name": "prn-3f", "asset_number": "ZC-0042"}], "description": "3楼打印机", **fields}
    status, incident = session.call("POST", "/api/v1/incidents", body)
    assert status == 201, incident
    return incident


def _step(session: ApiSession, incident_id: str, action: str, body: dict | None = None) -> dict:
    status, incident = session.call("POST", f"/api/v1/incidents/{incident_id}/{action}", body or {})
    assert status == 200, (action, incident)
    return incident


def test_lifecycle_round_trip_with_sla_clocks(sessions):
    operator = sessions["operator"]
    opened = _open(operator)
    incident_id = opened["id"]
    assert opened["state"] == "open" and opened["reporter"] == "zhao" and opened["source"] == "manual"
    assert opened["category_name"] == {"zh-CN": "硬件", "en": "Hardware"}
    assert opened["assets"] == [{"name": "prn-3f", "asset_number": "ZC-0042"}]
    response = opened["sla"]["response"]
    assert response["state"] == "running" and response["target_s"] == 1800 and response["deadline"] is not None
    assert [(e["kind"], e["text"]) for e in opened["timeline"]] == [("opened", opened["title"]), ("note", "3楼打印机")]

    acked = _step(operator, incident_id, "ack")
    assert acked["acknowledged_at"] is not None and acked["sla"]["response"]["state"] == "met"
    assert acked["sla"]["response"]["stopped_at"] == acked["acknowledged_at"]
    stopped_elapsed = acked["sla"]["response"]["elapsed_s"]
    _step(operator, incident_id, "note", {"text": "已联系供应商"})
    assert _step(operator, incident_id, "assign", {"assignee": "zhao"})["assignee"] == "zhao"
    _step(operator, incident_id, "transition", {"state": "in_progress"})
    waiting = _step(operator, incident_id, "transition", {"state": "waiting_for_vendor", "vendor_ticket": "HP-7781"})
    assert waiting["vendor_ticket"] == "HP-7781" and waiting["sla"]["resolution"]["state"] == "paused"
    assert waiting["sla"]["response"]["elapsed_s"] == stopped_elapsed  # a stopped clock does not move
    resolved = _step(operator, incident_id, "resolve", {"cause": "搓纸轮老化", "resolution": "更换搓纸轮"})
    assert resolved["state"] == "resolved" and resolved["sla"]["resolution"]["state"] == "met"
    closed = _step(operator, incident_id, "close", {"sign_off": "王经理"})
    assert closed["state"] == "closed" and closed["signed_off_by"] == "王经理" and closed["closed_at"]
    kinds = [(e["kind"], e["to"]) for e in closed["timeline"]]
    assert ("note", None) in kinds and ("assigned", "zhao") in kinds and ("transition", "closed") in kinds
    assert {e["who"] for e in closed["timeline"]} == {"zhao"}

    status, refused = operator.call("POST", f"/api/v1/incidents/{incident_id}/note", {"text": "too late"})
    assert status == 409 and "closed" in refused["error"]
    assert operator.call("POST", f"/api/v1/incidents/{incident_id}/ack", {})[0] == 409


def test_viewer_reads_but_may_not_change(sessions):
    incident_id = _open(sessions["operator"])["id"]
    viewer = sessions["viewer"]
    status, listed = viewer.call("GET", "/api/v1/incidents?open=1")
    assert status == 200 and [i["id"] for i in listed["incidents"]] == [incident_id]
    status, refused = viewer.call("POST", f"/api/v1/incidents/{incident_id}/ack", {})
    assert status == 403 and "operator" in refused["error"]
    assert ApiSession(sessions["viewer"].base_url).call("GET", "/api/v1/incidents")[0] == 401


def test_list_filters_and_newest_first(sessions):
    operator = sessions["operator"]
    first, second = _open(operator), _open(operator, severity="P1", category="network", assets=[])
    _step(operator, first["id"], "ack")
    listed = operator.call("GET", "/api/v1/incidents")[1]["incidents"]
    assert [i["id"] for i in listed] == [second["id"], first["id"]]
    assert [i["id"] for i in operator.call("GET", "/api/v1/incidents?severity=P1")[1]["incidents"]] == [second["id"]]
    assert [i["id"] for i in operator.call("GET", "/api/v1/incidents?state=acknowledged")[1]["incidents"]] == [first["id"]]
    assert operator.call("GET", "/api/v1/incidents?category=network")[1]["incidents"][0]["sla"]["response"]["target_s"] == 600


def test_list_returns_the_newest_up_to_limit_and_counts_every_match(sessions):
    operator = sessions["operator"]
    opened = [_open(operator)["id"] for _ in range(5)]
    _step(operator, opened[0], "ack")
    page = operator.call("GET", "/api/v1/incidents?limit=2")[1]
    assert ([i["id"] for i in page["incidents"]], page["total"]) == ([opened[4], opened[3]], 5)
    open_page = operator.call("GET", "/api/v1/incidents?state=open&limit=3")[1]
    assert ([i["id"] for i in open_page["incidents"]], open_page["total"]) == ([opened[4], opened[3], opened[2]], 4)
    whole = operator.call("GET", "/api/v1/incidents")[1]
    assert (len(whole["incidents"]), whole["total"]) == (5, 5)
    for bad in ("0", "1001", "ten", "-1"):
        assert operator.call("GET", f"/api/v1/incidents?limit={bad}") == (400, {
            "error": f"limit: expected a whole number from 1 to 1000, got '{bad}'", "parameter": "limit"})


def test_bad_fields_unknown_ids_and_illegal_moves(sessions):
    operator = sessions["operator"]
    assert operator.call("POST", "/api/v1/incidents", {"title": "x", "severity": "P9", "category": "hardware"}) == (
        400, {"error": "severity: expected one of P1, P2, P3, P4, got 'P9'", "parameter": "severity"})
    assert operator.call("POST", "/api/v1/incidents", {"title": "x", "severity": "P1", "category": "hardware",
                                                       "assets": [{"asset_number": "1"}]})[1]["parameter"] == "assets[0].name"
    assert operator.call("GET", "/api/v1/incidents?state=nope")[0] == 400
    assert operator.call("GET", "/api/v1/incidents/INC-1999-000001")[0] == 404
    assert operator.call("POST", "/api/v1/incidents/INC-1999-000001/ack", {})[0] == 404
    incident_id = _open(operator)["id"]
    status, refused = operator.call("POST", f"/api/v1/incidents/{incident_id}/resolve", {"cause": "a", "resolution": "b"})
    assert status == 409 and "cannot go from open to resolved" in refused["error"]
    assert operator.call("POST", f"/api/v1/incidents/{incident_id}/transition", {"state": "closed"})[1]["parameter"] == "state"
    assert operator.call("POST", f"/api/v1/incidents/{incident_id}/severity", {"severity": "P1"})[1]["parameter"] == "reason"
    changed = _step(operator, incident_id, "severity", {"severity": "P1", "reason": "whole floor"})
    assert changed["severity"] == "P1" and changed["sla"]["response"]["target_s"] == 600
    assert _step(operator, incident_id, "breach_reason", {"text": "夜间无人值守"})["breach_reason"] == "夜间无人值守"


def test_openapi_document_lists_the_incident_routes(sessions):
    status, document = ApiSession(sessions["viewer"].base_url).call("GET", "/api/v1/openapi.json")
    assert status == 200 and document["openapi"].startswith("3.1")
    assert document["paths"]["/api/v1/incidents/{incident_id}/resolve"]["post"]["x-itops-role"] == "operator"
    assert "/api/v1/login" in document["paths"] and "/api/v1/alerts" in document["paths"]


def test_cli_opens_works_and_lists_incidents(collector, sessions):
    status, token = sessions["admin"].call("POST", "/api/v1/users/zhao/tokens", {"name": "cli"})
    assert status == 201

    def itops(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([BIN / "itops", "--url", collector.http_url, "--tz", "Asia/Shanghai", "incidents", *args],
                              capture_output=True, text=True, timeout=60, env={"ITOPS_TOKEN": token["token"]})

    opened = itops("open", "--title", "UPS on battery", "--severity", "P1", "--category", "environment",
                   "--asset", "ups-1:ZC-0007", "--asset", "room-a")
    assert opened.returncode == 0, opened.stderr
    incident_id = opened.stdout.split(":")[0]
    listing = itops("list", "--open")
    assert incident_id in listing.stdout and "left (by" in listing.stdout and "RESPOND" in listing.stdout
    assert itops("ack", incident_id).returncode == 0
    assert itops("note", incident_id, "generator started").returncode == 0
    assert itops("assign", incident_id, "li").returncode == 0
    shown = itops("show", incident_id)
    assert "generator started" in shown.stdout and "ups-1 (ZC-0007), room-a" in shown.stdout and "met" in shown.stdout
    refused = itops("resolve", incident_id, "--cause", "c", "--resolution", "r")
    assert refused.returncode == 1 and "HTTP 409" in refused.stderr
    assert itops("close", incident_id).returncode == 2  # --sign-off missing
    no_token = subprocess.run([BIN / "itops", "--url", collector.http_url, "incidents", "list"], capture_output=True,
                              text=True, timeout=60, env={})
    assert no_token.returncode == 1 and "HTTP 401" in no_token.stderr
