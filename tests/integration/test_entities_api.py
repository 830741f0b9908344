"""The entity directory on data the real collector stored: an agent says hello and pushes host and device
batches over gRPC (TLS, token); the collector stops; GET /api/v1/entities is served from its data directory
by aiohttp on 127.0.0.1 with the real access middlewares."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

import grpc
import pytest
from aiohttp import web

from itops.collector.api.access import access_middlewares
from itops.collector.api.routes.entities import add_entity_routes
from itops.collector.api.user_store import UserStore
from itops.collector.records.agent_register import AgentRegister
from itops.collector.records.entity_directory import EntityDirectory
from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.collector.storage.sqlite.sqlite import SQLiteStorage
from itops.series_key import format_series_key
from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import CollectorProcess, free_port, wait_until

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "entities-admin-token"
HOUR_MS = 3_600_000
PRINTER = {"host": "pc-1", "device": "prn-1", "asset_number": "PRN-007"}
SWITCH = {"host": "pc-1", "device": "sw-1"}
CYAN_TONER = {**PRINTER, "supply": "2", "description": "Cyan Toner"}
BLACK_TONER = {**PRINTER, "supply": "1", "description": "Black Toner"}


def host_and_device_samples(now_ms: int) -> list[tuple[str, dict, int, float]]:
    """One agent's view: its host, a printer whose cyan toner fell 5 points a day for three days (the agent's own
    forecast, from its longer history: empty in 2.5 days) and whose black toner was replaced at the last poll, a
    switch with one of two enabled ports down, a disk filling 2 points a day."""
    samples = [
        ("itops_host_cpu_usage_ratio", {"host": "pc-1", "cpu": "total"}, now_ms, 0.3),
        ("itops_host_memory_usage_ratio", {"host": "pc-1"}, now_ms, 0.6),
        ("itops_snmp_up", PRINTER, now_ms, 1.0),
        ("itops_printer_pages_total", {**PRINTER, "marker": "1"}, now_ms, 4200.0),
        ("itops_snmp_up", SWITCH, now_ms, 1.0),
        ("itops_http_tls_certificate_expiry_seconds", {"host": "pc-1", "target": "https://erp.example"}, now_ms,
         9 * 86400.0),
    ]
    for port, up in (("ge1", 1.0), ("ge2", 0.0)):
        samples += [("itops_network_interface_oper_status", {**SWITCH, "interface": port, "status": "up"}, now_ms, up),
                    ("itops_network_interface_admin_status", {**SWITCH, "interface": port, "status": "up"}, now_ms, 1.0)]
    samples.append(("itops_printer_supply_forecast_empty_seconds", CYAN_TONER, now_ms, 2.5 * 86400))
    for hours_ago in range(72, -1, -6):
        at_ms = now_ms - hours_ago * HOUR_MS
        samples.append(("itops_printer_supply_remaining_ratio", CYAN_TONER, at_ms, 0.3 - 0.05 * (72 - hours_ago) / 24))
        samples.append(("itops_printer_supply_remaining_ratio", BLACK_TONER, at_ms, 0.98 if hours_ago == 0 else 0.05))
        if hours_ago:  # no forecast for the new cartridge yet
            samples.append(("itops_printer_supply_forecast_empty_seconds", BLACK_TONER, at_ms, 86400.0))
        samples.append(("itops_host_filesystem_usage_ratio", {"host": "pc-1", "mountpoint": "/var", "disk": "sda2"},
                        at_ms, 0.9 + 0.02 * (72 - hours_ago) / 24))
    return samples


def checks(now_ms: int) -> list[ingest_pb2.CheckResult]:
    return [
        ingest_pb2.CheckResult(check="snmp_poll", target="prn-1", status=ingest_pb2.CHECK_STATUS_OK,
                               message="answered, 40 values, profile printer", timestamp_ms=now_ms),
        ingest_pb2.CheckResult(check="network_interfaces", target="sw-1", status=ingest_pb2.CHECK_STATUS_WARNING,
                               message="1 of 2 enabled interfaces are down: ge2", timestamp_ms=now_ms),
        ingest_pb2.CheckResult(check="file_freshness", target="erp-db", status=ingest_pb2.CHECK_STATUS_CRITICAL,
                               message="last erp-db older than 26 h: erp.dump modified 40 h ago", timestamp_ms=now_ms),
    ]


def push_fleet(collector: CollectorProcess, tls_dir, token: str) -> int:
    """Hello and one batch, as the agent would send them; returns the batch's "now"."""
    now_ms = int(time.time() * 1000)
    samples = host_and_device_samples(now_ms)
    keys = sorted({format_series_key(name, labels) for name, labels, _, _ in samples})
    block = ingest_pb2.SampleBlock(series=keys)
    for name, labels, at_ms, value in samples:
        block.series_index.append(keys.index(format_series_key(name, labels)))
        block.timestamps_ms.append(at_ms)
        block.values.append(value)
    batch = ingest_pb2.Batch(sequence=1, samples=block, checks=checks(now_ms))
    hello = ingest_pb2.AgentHello(agent_id="agent-a", hostname="pc-1", agent_version="0.1.0",
                                  asset=ingest_pb2.Asset(asset_number="IT-001", location="3F"))
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    metadata = (("authorization", f"Bearer {token}"),)
    with grpc.secure_channel(collector.grpc_address, credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        stub = ingest_pb2_grpc.IngestStub(channel)
        stub.Hello(hello, metadata=metadata, timeout=10)
        stub.Push(batch, metadata=metadata, timeout=10)
    wait_until(lambda: len(collector.get("/api/v1/checks")["checks"]) == 3, 15, "the check results to be stored")
    return now_ms


def collect_fleet(workdir, tls_dir, token: str) -> int:
    """Run a real collector in ``workdir`` that takes the fleet's batch, and stop it cleanly."""
    collector = CollectorProcess(workdir, tls_dir, {"agent-a": token}).start()
    try:
        now_ms = push_fleet(collector, tls_dir, token)
        assert collector.stop() == 0
    finally:
        if collector.process.poll() is None:
            collector.kill()
    return now_ms


@pytest.fixture
def fleet_data(tmp_path, tls_dir, agent_token):
    return tmp_path, collect_fleet(tmp_path, tls_dir, agent_token)


@contextlib.asynccontextmanager
async def collector_directory(workdir, now_ms: int):
    storage = SQLiteStorage(SQLiteConfig(path=str(workdir / "tsdb")))
    await storage.open()
    state = AgentRegister(str(workdir / "state"))
    try:
        yield EntityDirectory(storage, state, offline_after_s=120, clock=lambda: now_ms / 1000 + 1), storage
    finally:
        await storage.close()
        state.close()


async def serve_and_get(workdir, now_ms: int, headers: dict[str, str]) -> tuple[int, dict]:
    users = UserStore.open(f"sqlite:///{workdir / 'users.db'}")
    async with collector_directory(workdir, now_ms) as (directory, _storage):
        app = web.Application(middlewares=access_middlewares(
            users, {hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest(): "wang"}, require_login_for_reads=False,
            clock=lambda: datetime.fromtimestamp(now_ms / 1000, UTC)))
        add_entity_routes(app, directory)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            return await asyncio.to_thread(_get, f"http://127.0.0.1:{port}/api/v1/entities", headers)
        finally:
            await runner.cleanup()
            users.close()


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


@pytest.mark.timeout(120)
def test_entities_of_the_collectors_data_over_http(fleet_data):
    workdir, now_ms = fleet_data
    status, body = asyncio.run(serve_and_get(workdir, now_ms, {"Authorization": f"Bearer {ADMIN_TOKEN}"}))
    assert status == 200
    found = {e["name"]: e for e in body["entities"]}
    assert {name: (e["kind"], e["status"]) for name, e in found.items()} == {
        "pc-1": ("host", "ok"), "prn-1": ("printer", "ok"), "sw-1": ("switch", "warning"),
        "erp-db": ("backup", "critical")}
    host = found["pc-1"]
    assert (host["agent"], host["asset"]) == ("agent-a", {"asset_number": "IT-001", "location": "3F"})
    assert {m["name"]: (m["value"], m["target"]) for m in host["metrics"]} == {
        "cpu_usage": (0.3, None), "memory_usage": (0.6, None), "fullest_filesystem_usage": (pytest.approx(0.96), "/var")}
    assert {m["name"]: m["value"] for m in found["sw-1"]["metrics"]} == {"ports_up": 1.0, "ports_down": 1.0}
    assert {m["name"]: m["value"] for m in found["prn-1"]["metrics"]} == {
        "lowest_supply_remaining": pytest.approx(0.15), "pages": 4200.0}
    assert found["prn-1"]["asset"] == {"asset_number": "PRN-007"}
    assert found["erp-db"]["checks"][0]["message"].startswith("last erp-db older than 26 h")


@pytest.mark.timeout(120)
def test_entities_need_a_principal(fleet_data):
    workdir, now_ms = fleet_data
    status, body = asyncio.run(serve_and_get(workdir, now_ms, {}))
    assert status == 401 and "error" in body
