"""The entity directory over a real SQLite storage and a real AgentRegister, and GET /api/v1/entities."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

import numpy as np
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.collector.api.access import access_middlewares
from itops.collector.api.roles import Role
from itops.collector.api.routes.entities import add_entity_routes
from itops.collector.api.user_store import UserStore
from itops.collector.records.agent_register import AgentRegister
from itops.collector.records.entity_directory import EntityDirectory
from itops.collector.storage.base import SampleWrite
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage
from itops.series_key import format_series_key, parse_series_key
from itops.v1 import ingest_pb2

NOW_S = 1_800_000_000.0
NOW_MS = int(NOW_S * 1000)
OFFLINE_AFTER_S = 120.0
OK, WARNING, CRITICAL = ingest_pb2.CHECK_STATUS_OK, ingest_pb2.CHECK_STATUS_WARNING, ingest_pb2.CHECK_STATUS_CRITICAL

PC1 = {"host": "pc-1"}
PRINTER = {"host": "pc-1", "device": "prn-1", "asset_number": "PRN-007", "location": "2F"}
UPS = {"host": "pc-1", "device": "ups-1"}
SWITCH = {"host": "pc-1", "device": "sw-1"}
ROOM = {"host": "pc-1", "device": "room-1"}
GENERIC = {"host": "pc-1", "device": "gen-1"}
CLOCK = {"host": "pc-1", "clock": "gate", "address": "10.0.0.9"}

A1_SAMPLES = [
    ("itops_host_cpu_usage_ratio", {**PC1, "cpu": "total"}, 0.25),
    ("itops_host_cpu_usage_ratio", {**PC1, "cpu": "0"}, 0.9),
    ("itops_host_memory_usage_ratio", PC1, 0.5),
    ("itops_host_filesystem_usage_ratio", {**PC1, "mountpoint": "/", "disk": "sda1"}, 0.4),
    ("itops_host_filesystem_usage_ratio", {**PC1, "mountpoint": "/var", "disk": "sda2"}, 0.93),
    ("itops_snmp_up", PRINTER, 1.0),
    ("itops_printer_supply_remaining_ratio", {**PRINTER, "supply": "1", "description": "Black Toner"}, 0.35),
    ("itops_printer_supply_remaining_ratio", {**PRINTER, "supply": "2", "description": "Cyan Toner"}, 0.08),
    ("itops_printer_pages_total", {**PRINTER, "marker": "1"}, 12000.0),
    ("itops_snmp_up", UPS, 1.0),
    ("itops_ups_battery_charge_ratio", UPS, 1.0),
    ("itops_ups_battery_runtime_seconds", UPS, 1200.0),
    ("itops_ups_battery_replace_needed", UPS, 1.0),
    ("itops_ups_output_source", {**UPS, "source": "battery"}, 0.0),
    ("itops_ups_output_source", {**UPS, "source": "normal"}, 1.0),
    ("itops_snmp_up", SWITCH, 1.0),
    *[("itops_network_interface_oper_status", {**SWITCH, "interface": f"ge{i}", "status": "up"}, float(i != 4))
      for i in range(1, 5)],
    *[("itops_network_interface_oper_status", {**SWITCH, "interface": f"ge{i}", "status": "down"}, float(i == 4))
      for i in range(1, 5)],
    *[("itops_network_interface_admin_status", {**SWITCH, "interface": f"ge{i}", "status": "up"}, 1.0)
      for i in range(1, 5)],
    ("itops_snmp_up", ROOM, 1.0),
    ("itops_environment_temperature_celsius", {**ROOM, "sensor": "rack-a"}, 24.0),
    ("itops_environment_temperature_celsius", {**ROOM, "sensor": "rack-b"}, 27.5),
    ("itops_environment_humidity_ratio", {**ROOM, "sensor": "rack-a"}, 0.45),
    ("itops_snmp_up", GENERIC, 0.0),
    ("itops_attendance_clock_up", CLOCK, 1.0),
    ("itops_attendance_clock_users_usage_ratio", CLOCK, 0.2),
    ("itops_attendance_clock_records_usage_ratio", CLOCK, 0.95),
    ("itops_file_newest_age_seconds", {**PC1, "target": "erp-db"}, 200_000.0),
]
A1_CHECKS = [
    ("ping", "gateway", OK, NOW_MS - 5_000, {}),
    ("http", "http://retired.example", CRITICAL, NOW_MS - 2 * 86_400_000, {}),  # no longer configured
    ("snmp_poll", "prn-1", OK, NOW_MS - 5_000, {}),
    ("printer_supply", "prn-1", WARNING, NOW_MS - 5_000, {}),
    ("snmp_poll", "ups-1", OK, NOW_MS - 4_000, {}),
    ("network_interfaces", "sw-1", WARNING, NOW_MS - 5_000, {"device": "sw-1"}),
    ("snmp_poll", "room-1", OK, NOW_MS - 5_000, {}),
    ("snmp_poll", "gen-1", CRITICAL, NOW_MS - 5_000, {}),
    ("attendance_clock", "gate", WARNING, NOW_MS - 3_000, {"address": "10.0.0.9"}),
    ("file_freshness", "erp-db", CRITICAL, NOW_MS - 6_000, {}),
]
OLD_PRINTER = {"host": "old-pc", "device": "prn-old"}


async def write_samples(store: SQLiteStorage, agent: str, sequence: int, samples, at_ms: int) -> None:
    keys = [format_series_key(name, labels) for name, labels, _ in samples]
    ids = store.resolve_series(agent, keys, parse_series_key)
    await store.write(SampleWrite(agent, sequence, ids, np.full(len(ids), at_ms, dtype=np.int64),
                                  np.array([value for _, _, value in samples], dtype=np.float64)))


def write_checks(state: AgentRegister, agent: str, sequence: int, checks) -> None:
    batch = ingest_pb2.Batch(sequence=sequence)
    for check, target, status, at_ms, labels in checks:
        result = batch.checks.add(check=check, target=target, status=status, timestamp_ms=at_ms, message=f"{check} says")
        for name, value in labels.items():
            result.labels.add(name=name, value=value)
    state.write_batch_records(agent, batch)


def populated_state(path) -> AgentRegister:
    state = AgentRegister(str(path))
    hello = ingest_pb2.AgentHello(hostname="pc-1", agent_version="0.1.0",
                                  asset=ingest_pb2.Asset(asset_number="IT-001", department="Finance"))
    state.record_hello("a1", hello, "ipv4:127.0.0.1:5000", NOW_MS - 10_000)
    state.record_hello("a2", ingest_pb2.AgentHello(hostname="old-pc"), "ipv4:127.0.0.1:5001", NOW_MS - 7_200_000)
    write_checks(state, "a1", 1, A1_CHECKS)
    write_checks(state, "a2", 1, [("snmp_poll", "prn-old", OK, NOW_MS - 7_200_000, {})])
    return state


def firing(labels: dict[str, str], state: AlertState = AlertState.FIRING) -> Alert:
    return Alert(rule=labels["alertname"], labels={**labels, "severity": "P3"}, annotations={},
                 severity=Severity.P3, state=state)


ALERTS = [
    firing({"alertname": "PrinterTonerLow", "device": "prn-1", "agent": "a1", "host": "pc-1"}),
    firing({"alertname": "PrinterJam", "device": "prn-1", "agent": "a1", "host": "pc-1"}),
    firing({"alertname": "PrinterOffline", "device": "prn-1", "agent": "a1"}, AlertState.PENDING),
    firing({"alertname": "FilesystemFull", "agent": "a1", "host": "pc-1", "mountpoint": "/var"}),
    firing({"alertname": "BackupStale", "check": "file_freshness", "target": "erp-db", "agent": "a1", "host": "pc-1"}),
]


class Clock:
    def __init__(self, now_s: float):
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


async def with_directory(tmp_path, scenario, clock=None, alerts=ALERTS):
    store = SQLiteStorage(SQLiteConfig(path=str(tmp_path / "tsdb")))
    await store.open()
    state = populated_state(tmp_path / "state")
    try:
        await write_samples(store, "a1", 1, A1_SAMPLES, NOW_MS - 5_000)
        await write_samples(store, "a2", 1, [("itops_host_memory_usage_ratio", {"host": "old-pc"}, 0.3),
                                             ("itops_snmp_up", OLD_PRINTER, 1.0),
                                             ("itops_printer_pages_total", {**OLD_PRINTER, "marker": "1"}, 5.0)], NOW_MS - 7_200_000)
        directory = EntityDirectory(store, state, OFFLINE_AFTER_S, clock or Clock(NOW_S), firing_alert_labels=lambda: [alert.labels for alert in alerts if alert.state is AlertState.FIRING])
        return await scenario(directory, store, state)
    finally:
        await store.close()
        state.close()


def entities_by_name(tmp_path) -> dict:
    async def scenario(directory, _store, _state):
        return {e.name: e for e in await directory.entities()}
    return asyncio.run(with_directory(tmp_path, scenario))


def readings(entity) -> dict:
    return {m.name: (m.value, m.unit, m.target) for m in entity.metrics}


def test_host_shows_its_asset_cpu_memory_and_fullest_filesystem(tmp_path):
    host = entities_by_name(tmp_path)["pc-1"]
    assert (host.kind, host.agent, host.status) == ("host", "a1", "ok")
    assert host.asset == {"asset_number": "IT-001", "department": "Finance"}
    assert host.last_seen == datetime.fromtimestamp((NOW_MS - 10_000) / 1000, UTC)
    assert readings(host) == {"cpu_usage": (0.25, "ratio", None), "memory_usage": (0.5, "ratio", None),
                              "fullest_filesystem_usage": (0.93, "ratio", "/var")}


def test_a_check_no_longer_reported_is_left_out(tmp_path):
    host = entities_by_name(tmp_path)["pc-1"]
    assert [(c.check, c.target) for c in host.checks] == [("ping", "gateway")]


def test_device_kind_follows_the_metric_families_it_reports(tmp_path):
    found = entities_by_name(tmp_path)
    kinds = {name: found[name].kind for name in ("prn-1", "ups-1", "sw-1", "room-1", "gen-1", "gate", "erp-db")}
    assert kinds == {"prn-1": "printer", "ups-1": "ups", "sw-1": "switch", "room-1": "environment",
                     "gen-1": "device", "gate": "attendance_clock", "erp-db": "backup"}


def test_a_ups_card_with_room_probes_is_a_ups_that_also_shows_the_room(tmp_path):
    card = {"host": "pc-1", "device": "ups-card"}
    samples = [("itops_environment_temperature_celsius", {**card, "sensor": "Temp. Rack"}, 30.0),  # first, on purpose
               ("itops_ups_battery_charge_ratio", card, 0.9), ("itops_ups_battery_runtime_seconds", card, 4560.0)]

    async def scenario(directory, store, _state):
        await write_samples(store, "a1", 2, samples, NOW_MS - 5_000)
        return {e.name: e for e in await directory.entities()}["ups-card"]
    found = asyncio.run(with_directory(tmp_path, scenario))
    assert found.kind == "ups"
    assert readings(found) == {"battery_charge": (0.9, "ratio", None), "battery_runtime": (4560.0, "seconds", None),
                               "temperature": (30.0, "celsius", "Temp. Rack")}


def test_printer_shows_its_lowest_supply_and_page_count(tmp_path):
    printer = entities_by_name(tmp_path)["prn-1"]
    assert readings(printer) == {"lowest_supply_remaining": (0.08, "ratio", "Cyan Toner"),
                                 "pages": (12000.0, "pages", None)}
    assert printer.asset == {"asset_number": "PRN-007", "location": "2F"}
    assert (printer.status, printer.agent) == ("warning", "a1")
    assert printer.last_seen == datetime.fromtimestamp((NOW_MS - 5_000) / 1000, UTC)


def test_ups_switch_room_and_clock_readings(tmp_path):
    found = entities_by_name(tmp_path)
    assert readings(found["ups-1"]) == {"battery_charge": (1.0, "ratio", None),
                                        "battery_runtime": (1200.0, "seconds", None), "on_battery": (0.0, "bool", None),
                                        "battery_replace_needed": (1.0, "bool", None)}
    assert readings(found["sw-1"]) == {"ports_up": (3.0, "count", None), "ports_down": (1.0, "count", None)}
    assert readings(found["room-1"]) == {"temperature": (27.5, "celsius", "rack-b"),
                                         "humidity": (0.45, "humidity_ratio", "rack-a")}
    assert readings(found["gate"]) == {"users_storage_usage": (0.2, "ratio", None),
                                       "records_storage_usage": (0.95, "ratio", None)}


def test_status_comes_from_checks_and_the_up_metric(tmp_path):
    found = entities_by_name(tmp_path)
    statuses = {name: found[name].status for name in ("ups-1", "sw-1", "room-1", "gen-1", "gate", "erp-db")}
    assert statuses == {"ups-1": "ok", "sw-1": "warning", "room-1": "ok", "gen-1": "critical", "gate": "warning",
                        "erp-db": "critical"}


def test_everything_an_offline_agent_reports_for_is_offline(tmp_path):
    found = entities_by_name(tmp_path)
    assert (found["old-pc"].status, found["prn-old"].status) == ("offline", "offline")
    assert found["old-pc"].metrics == (), "a reading older than the lookback is not shown as latest"


def test_open_alerts_count_firing_alerts_of_each_entity(tmp_path):
    found = entities_by_name(tmp_path)
    counts = {name: found[name].open_alerts for name in ("prn-1", "pc-1", "erp-db", "ups-1")}
    assert counts == {"prn-1": 2, "pc-1": 1, "erp-db": 1, "ups-1": 0}


def test_hosts_come_first_then_kinds_in_order(tmp_path):
    names = list(entities_by_name(tmp_path))
    assert names == ["old-pc", "pc-1", "prn-1", "prn-old", "ups-1", "sw-1", "room-1", "gate", "erp-db", "gen-1"]


def test_refresh_is_cached_for_a_few_seconds(tmp_path):
    clock = Clock(NOW_S)

    async def scenario(directory, store, _state):
        before = await directory.entities()
        await write_samples(store, "a1", 2, [("itops_host_memory_usage_ratio", PC1, 0.75)], NOW_MS + 1_000)
        clock.now_s = NOW_S + 2
        cached = await directory.entities()
        clock.now_s = NOW_S + 6
        refreshed = await directory.entities()
        return before, cached, refreshed

    before, cached, refreshed = asyncio.run(with_directory(tmp_path, scenario, clock))
    memory = [next(e for e in found if e.name == "pc-1").metric("memory_usage").value
              for found in (before, cached, refreshed)]
    assert cached is before
    assert memory == [0.5, 0.5, 0.75]


ADMIN_TOKEN = "entities-admin-token"


async def api_call(tmp_path, path: str, headers: dict[str, str]):
    users = UserStore.open(f"sqlite:///{tmp_path / 'users.db'}")
    at = datetime.fromtimestamp(NOW_S, UTC)
    users.add_user("li", password="viewer-password-1", role=Role.VIEWER, at=at)
    _, viewer_token = users.create_token("li", "console", at)

    async def scenario(directory, _store, _state):
        app = web.Application(middlewares=access_middlewares(
            users, {hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest(): "wang"}, require_login_for_reads=False, clock=lambda: at))
        add_entity_routes(app, directory)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            sent = {k: v.replace("VIEWER", viewer_token) for k, v in headers.items()}
            response = await client.get(path, headers=sent)
            return response.status, await response.json()

    try:
        return await with_directory(tmp_path, scenario)
    finally:
        users.close()


def test_api_lists_entities_for_a_viewer(tmp_path):
    status, body = asyncio.run(api_call(tmp_path, "/api/v1/entities?kind=printer",
                                        {"Authorization": "Bearer VIEWER"}))
    assert status == 200
    printer = next(e for e in body["entities"] if e["name"] == "prn-1")
    assert [e["kind"] for e in body["entities"]] == ["printer", "printer"]
    assert printer["status"] == "warning" and printer["open_alerts"] == 2
    assert printer["last_seen"] == datetime.fromtimestamp((NOW_MS - 5_000) / 1000, UTC).isoformat()
    assert {"name": "pages", "value": 12000.0, "unit": "pages", "target": None,
            "label": {"zh-CN": "打印量", "en": "Printed"}, "text": {"zh-CN": "12,000 页", "en": "12,000 pages"}} in printer["metrics"]
    assert {(c["check"], c["status"]) for c in printer["checks"]} == {("snmp_poll", "ok"), ("printer_supply", "warning")}


def test_api_filters_by_status(tmp_path):
    status, body = asyncio.run(api_call(tmp_path, "/api/v1/entities?status=critical", {"Authorization": "Bearer VIEWER"}))
    assert status == 200
    assert sorted(e["name"] for e in body["entities"]) == ["erp-db", "gen-1"]


def test_api_needs_a_principal(tmp_path):
    status, body = asyncio.run(api_call(tmp_path, "/api/v1/entities", {}))
    assert status == 401 and "error" in body


@pytest.mark.parametrize(("query", "parameter"), [("kind=toaster", "kind"), ("status=broken", "status")])
def test_api_names_the_bad_parameter(tmp_path, query, parameter):
    status, body = asyncio.run(api_call(tmp_path, f"/api/v1/entities?{query}", {"Authorization": "Bearer VIEWER"}))
    assert status == 400 and body["parameter"] == parameter and body["error"].startswith(f"{parameter}: ")
