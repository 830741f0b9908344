"""The incidents HTTP API and the ``itops incidents`` CLI against the real collector process: a full
lifecycle with the SLA clocks in every answer, roles, errors, and the OpenAPI document."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .conftest import BIN, CollectorProcess, wait_until
from .test_alerting import _push
from .test_auth import ApiSession, add_user, make_user
from .test_incidents_from_alerts import RULES as FIRING_RULES

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
    _step(operator, incident_id, "ack")
    resolved = _step(operator, incident_id, "resolve", {"cause": "a", "resolution": "b"})  # the form needs no "in progress"
    assert resolved["state"] == "resolved"
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


def _itops(collector, token: str):
    def itops(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([BIN / "itops", "--url", collector.http_url, "--tz", "Asia/Shanghai", "incidents", *args],
                              capture_output=True, text=True, timeout=60, env={"ITOPS_TOKEN": token})
    return itops


def _cli_token(sessions) -> str:
    status, token = sessions["admin"].call("POST", "/api/v1/users/zhao/tokens", {"name": "cli"})
    assert status == 201
    return token["token"]


def test_cli_opens_works_and_lists_incidents(collector, sessions):
    itops = _itops(collector, _cli_token(sessions))
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
    resolved = itops("resolve", incident_id, "--cause", "mains cut", "--resolution", "mains back")
    assert resolved.returncode == 0 and resolved.stdout.startswith(f"{incident_id}: resolved"), resolved.stderr
    assert itops("close", incident_id).returncode == 2  # --sign-off missing
    no_token = subprocess.run([BIN / "itops", "--url", collector.http_url, "incidents", "list"], capture_output=True,
                              text=True, timeout=60, env={})
    assert no_token.returncode == 1 and "HTTP 401" in no_token.stderr


def test_cli_has_every_action_of_the_console(collector, sessions):
    itops = _itops(collector, _cli_token(sessions))
    incident_id = itops("open", "--title", "core switch down", "--severity", "P3", "--category", "network").stdout.split(":")[0]
    steps = [
        (("ack", incident_id), "acknowledged"),
        (("start", incident_id), "in_progress"),
        (("wait-vendor", incident_id, "--vendor-ticket", "H3C-20261203-7", "--note", "RMA"), "waiting_for_vendor"),
        (("start", incident_id), "in_progress"),
        (("severity", incident_id, "P1", "--reason", "whole floor offline"), "in_progress"),
        (("breach-reason", incident_id, "spare part came from Beijing"), "in_progress"),
        (("resolve", incident_id, "--cause", "PSU", "--resolution", "PSU replaced"), "resolved"),
        (("reopen", incident_id, "--note", "down again"), "in_progress"),
        (("resolve", incident_id, "--cause", "PSU", "--resolution", "second PSU replaced"), "resolved"),
        (("close", incident_id, "--sign-off", "王经理"), "closed"),
    ]
    for args, state in steps:
        done = itops(*args)
        assert done.returncode == 0 and done.stdout.startswith(f"{incident_id}: {state} "), (args, done.stderr)
    incident = sessions["admin"].call("GET", f"/api/v1/incidents/{incident_id}")[1]
    assert (incident["vendor_ticket"], incident["severity"], incident["signed_off_by"]) == ("H3C-20261203-7", "P1", "王经理")
    assert incident["breach_reason"] == "spare part came from Beijing"
    assert [e["to"] for e in incident["timeline"] if e["kind"] == "transition"] == [
        "acknowledged", "in_progress", "waiting_for_vendor", "in_progress", "resolved", "in_progress", "resolved", "closed"]
    assert itops("wait-vendor", incident_id).returncode == 2  # --vendor-ticket missing


def test_cli_back_dates_with_local_times(collector, sessions):
    itops = _itops(collector, _cli_token(sessions))
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    reported, occurred = now - timedelta(hours=9), now - timedelta(hours=9, minutes=20)
    opened = itops("open", "--title", "night call", "--severity", "P2", "--category", "hardware",
                   "--reported-at", reported.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                   "--occurred-at", occurred.isoformat())
    assert opened.returncode == 0, opened.stderr
    incident_id = opened.stdout.split(":")[0]
    acked_at = now - timedelta(hours=3)
    assert itops("ack", incident_id, "--at", acked_at.astimezone(zone).strftime("%H:%M")).returncode == 0
    incident = sessions["admin"].call("GET", f"/api/v1/incidents/{incident_id}")[1]
    assert datetime.fromisoformat(incident["opened_at"]) == reported
    assert datetime.fromisoformat(incident["occurred_at"]) == occurred
    assert datetime.fromisoformat(incident["acknowledged_at"]) == acked_at
    assert incident["sla"]["response"]["elapsed_s"] == 6 * 3600 and incident["sla"]["response"]["breached"]
    shown = itops("show", incident_id)
    assert acked_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:00") in shown.stdout and " by zhao" in shown.stdout
    refused = itops("note", incident_id, "typo", "--at", "yesterday")
    assert refused.returncode == 2 and "expected local time in Asia/Shanghai" in refused.stderr
    misplaced = itops("open", "--title", "t", "--severity", "P3", "--category", "network", "--at", "03:12")
    assert misplaced.returncode == 2 and "give --reported-at" in misplaced.stderr


def test_reported_and_occurred_times_and_back_dated_actions(sessions):
    operator = sessions["operator"]
    now = datetime.now(UTC).replace(microsecond=0)
    reported, occurred = now - timedelta(hours=8), now - timedelta(hours=8, minutes=30)
    opened = _open(operator, reported_at=reported.isoformat(), occurred_at=occurred.isoformat())
    assert (opened["opened_at"], opened["occurred_at"]) == (reported.isoformat(), occurred.isoformat())
    assert opened["sla"]["response"]["elapsed_s"] >= 8 * 3600 and opened["sla"]["response"]["breached"]
    first = opened["timeline"][0]
    assert first["at"] == reported.isoformat() and first["entered_by"] == "zhao"
    assert datetime.fromisoformat(first["entered_at"]) >= now
    incident_id = opened["id"]

    def refused(action: str, body: dict) -> dict:
        status, answer = operator.call("POST", f"/api/v1/incidents/{incident_id}/{action}", body)
        assert status == 400, (action, answer)
        return answer

    before_opening = refused("ack", {"at": (reported - timedelta(minutes=1)).isoformat()})
    assert before_opening["parameter"] == "at" and "before the incident's previous step" in before_opening["error"]
    assert "in the future" in refused("ack", {"at": (now + timedelta(hours=1)).isoformat()})["error"]
    assert refused("ack", {"at": "03:12"})["parameter"] == "at"
    acked_at = now - timedelta(hours=5)
    acked = _step(operator, incident_id, "ack", {"at": acked_at.isoformat()})
    assert acked["acknowledged_at"] == acked_at.isoformat() and acked["sla"]["response"]["elapsed_s"] == 3 * 3600
    assert acked["sla"]["response"]["stopped_at"] == acked_at.isoformat()
    assert refused("note", {"text": "x", "at": (acked_at - timedelta(seconds=1)).isoformat()})["parameter"] == "at"
    resolved = _step(operator, incident_id, "resolve", {"cause": "fan", "resolution": "fan replaced",
                                                        "at": (now - timedelta(hours=1)).isoformat()})
    assert resolved["sla"]["resolution"]["elapsed_s"] == 7 * 3600
    skewed = _step(operator, incident_id, "note", {"text": "clock ahead", "at": (now + timedelta(seconds=30)).isoformat()})
    last = skewed["timeline"][-1]
    assert last["at"] == last["entered_at"]  # a little ahead is taken as now

    status, answer = operator.call("POST", "/api/v1/incidents", {
        "title": "t", "severity": "P3", "category": "network", "reported_at": (now + timedelta(hours=2)).isoformat()})
    assert status == 400 and answer["parameter"] == "reported_at" and "in the future" in answer["error"]
    status, answer = operator.call("POST", "/api/v1/incidents", {
        "title": "t", "severity": "P3", "category": "network", "reported_at": reported.isoformat(),
        "occurred_at": (reported + timedelta(minutes=1)).isoformat()})
    assert status == 400 and answer["parameter"] == "occurred_at"
    status, answer = operator.call("POST", "/api/v1/incidents", {
        "title": "t", "severity": "P3", "category": "network", "reported_at": "2026-12-03 22:40"})
    assert status == 400 and "needs a zone offset" in answer["error"]


def test_unknown_and_invalid_fields_are_refused_naming_the_field(sessions):
    operator = sessions["operator"]
    base = {"title": "x", "severity": "P3", "category": "hardware"}
    status, answer = operator.call("POST", "/api/v1/incidents", {**base, "opend_at": "2026-12-03T22:40:00+08:00"})
    assert status == 400 and answer["parameter"] == "opend_at"
    assert answer["error"].startswith('"opend_at": unknown field; known: title, severity, category, assets,')
    incident_id = _open(operator)["id"]
    assert operator.call("POST", f"/api/v1/incidents/{incident_id}/ack", {"note": "by phone"})[1]["parameter"] == "note"
    for body, field in (({**base, "title": "x" * 501}, "title"), ({**base, "assets": [{"name": "a", "tag": "b"}]}, "assets[0].tag"),
                        ({**base, "title": "   "}, "title"), ({**base, "assignee": 7}, "assignee"),
                        ({"severity": "P3", "category": "hardware"}, "title")):
        status, answer = operator.call("POST", "/api/v1/incidents", body)
        assert (status, answer["parameter"]) == (400, field), body
    admin = sessions["admin"]
    assert admin.call("POST", "/api/v1/users/li", {"roel": "admin"})[1]["parameter"] == "roel"
    assert admin.call("POST", "/api/v1/silences", {"matchers": ['host="a"'], "duration": "1h", "coment": "x"})[1][
        "parameter"] == "coment"
    assert ApiSession(admin.base_url).call("POST", "/api/v1/login", {"username": "admin", "password": "p", "remember": True}) == (
        400, {"error": '"remember": unknown field; known: username, password', "parameter": "remember"})
    schema = admin.call("GET", "/api/v1/openapi.json")[1]["paths"]["/api/v1/incidents"]["post"]["requestBody"]
    declared = schema["content"]["application/json"]["schema"]
    assert declared["additionalProperties"] is False and declared["required"] == ["title", "severity", "category"]
    assert declared["properties"]["severity"]["enum"] == ["P1", "P2", "P3", "P4"]
    assert declared["properties"]["title"]["maxLength"] == 500
    assert declared["properties"]["reported_at"]["format"] == "date-time"


@pytest.fixture
def firing_collector(tmp_path, tls_dir, agent_token):
    rules = tmp_path / "rules.yaml"
    rules.write_text(FIRING_RULES)
    config = f"alerting:\n  shipped_rules: false\n  rule_files: ['{rules}']\n  evaluation_interval: 0.5s\n  incidents: {{}}\n"
    process = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}, extra_config=config).start()
    add_user(process, "admin", "admin", "admin password")
    yield process
    if process.process.poll() is None:
        process.process.kill()


@pytest.mark.timeout(120)
def test_resolving_while_the_alert_fires_needs_force_and_says_so(firing_collector, tls_dir, agent_token):
    admin = ApiSession(firing_collector.http_url)
    assert admin.login("admin", "admin password")[0] == 200
    pushed_at = datetime.now(UTC)
    _push(firing_collector, tls_dir, agent_token, 1, 50.0)
    wait_until(lambda: admin.call("GET", "/api/v1/incidents")[1]["incidents"], 15, "the incident from the alert")
    [incident] = admin.call("GET", "/api/v1/incidents")[1]["incidents"]
    incident_id, fingerprints = incident["id"], incident["fingerprints"]
    _step(admin, incident_id, "ack")
    resolution = {"cause": "dirty fibre", "resolution": "cleaned"}
    status, refused = admin.call("POST", f"/api/v1/incidents/{incident_id}/resolve", resolution)
    assert status == 409 and refused["firing"] == fingerprints and "still firing" in refused["error"]
    itops = _itops(firing_collector, admin.call("POST", "/api/v1/users/admin/tokens", {"name": "cli"})[1]["token"])
    without_force = itops("resolve", incident_id, "--cause", "c", "--resolution", "r")
    assert without_force.returncode == 1 and "send force: true" in without_force.stderr
    forced = itops("resolve", incident_id, "--cause", "dirty fibre", "--resolution", "cleaned", "--force")
    assert forced.returncode == 0, forced.stderr
    timeline = admin.call("GET", f"/api/v1/incidents/{incident_id}")[1]["timeline"]
    assert [(e["kind"], e["text"]) for e in timeline[-2:]] == [
        ("transition", "dirty fibre\ncleaned"), ("resolved_while_firing", ", ".join(fingerprints))]

    # pc-1 exists since its first batch: an incident about it cannot have begun before that
    status, answer = admin.call("POST", "/api/v1/incidents", {
        "title": "pc-1 slow", "severity": "P3", "category": "hardware", "assets": [{"name": "pc-1"}],
        "reported_at": (pushed_at - timedelta(minutes=5)).isoformat()})
    assert status == 400 and answer["parameter"] == "reported_at" and "before pc-1 existed" in answer["error"]
    status, answer = admin.call("POST", "/api/v1/incidents", {
        "title": "pc-1 slow", "severity": "P3", "category": "hardware", "assets": [{"name": "pc-1"}],
        "reported_at": datetime.now(UTC).isoformat(), "occurred_at": (pushed_at - timedelta(minutes=5)).isoformat()})
    assert status == 400 and answer["parameter"] == "occurred_at"
    status, _ = admin.call("POST", "/api/v1/incidents", {
        "title": "printer", "severity": "P3", "category": "hardware", "assets": [{"name": "never-seen-printer"}],
        "reported_at": (pushed_at - timedelta(days=3)).isoformat()})
    assert status == 201  # an asset this collector does not monitor has no known beginning
