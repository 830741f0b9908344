"""The fleet figures on /metrics, worked out from a real agent register, store, entity directory, alert evaluator
and incident store, at a fixed instant: 03:30 on 5 March 2031 in Shanghai, so "this month" is March there."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from itops.alerting.assembly import build_alerting
from itops.alerting.config import AlertingConfig
from itops.alerting.incidents.model import Category
from itops.alerting.rules.model import ObservedBatch, SampleObservation, Severity
from itops.collector.ingest.self_metrics import CollectorMetrics
from itops.collector.records.agent_register import AgentRegister
from itops.collector.records.entity_directory import EntityDirectory
from itops.collector.reports.fleet_figures import FleetFigures
from itops.common.yaml_config import load_text
from itops.series_key import parse_series_key
from itops.v1 import ingest_pb2
from tests.unit.collector.storage.sqlite.storage_helpers import batch, opened_store

T = datetime(2031, 3, 4, 19, 30, tzinfo=UTC)
T_MS = int(T.timestamp() * 1000)
OFFLINE_AFTER_S = 120
DEVICE_SERIES = {  # agent → (series key, value) sent 30 s before T
    "a1": [('itops_snmp_up{device="p1",host="pc-1"}', 1.0), ('itops_printer_pages_total{device="p1",host="pc-1"}', 9.0),
           ('itops_snmp_up{device="u1",host="pc-1"}', 0.0), ('itops_ups_battery_charge_ratio{device="u1",host="pc-1"}', 1.0),
           ('itops_attendance_clock_up{clock="c1",host="pc-1"}', 1.0)],
    "a2": [('itops_snmp_up{device="sw1",host="pc-2"}', 1.0),
           ('itops_network_interface_oper_status{device="sw1",host="pc-2",interface="1",status="up"}', 1.0)],
}


def _alerting(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {name: ValueHigh, metric: m, function: last, op: '>', threshold: 10, severity: P2}\n")
    config = load_text(f"shipped_rules: false\nrule_files: ['{rules}']\nincidents: {{}}\n", AlertingConfig)
    return build_alerting(config, str(tmp_path / "alerting"), lambda: T)


def _incidents(alerting) -> None:
    """P1 acknowledged after 20 minutes (its 10-minute target missed) and resolved 2 hours after opening; P1
    acknowledged after 5 minutes, still open; P3 from last month, still open."""
    store = alerting.incidents
    first = store.open_incident(title="down", severity=Severity.P1, category=Category.HARDWARE, reporter="li",
                                at=T - timedelta(hours=3))
    store.acknowledge(first.id, "li", T - timedelta(hours=3) + timedelta(minutes=20))
    store.resolve(first.id, "li", T - timedelta(hours=1), cause="disk", resolution="replaced")
    second = store.open_incident(title="slow", severity=Severity.P1, category=Category.HARDWARE, reporter="li",
                                 at=T - timedelta(hours=2))
    store.acknowledge(second.id, "li", T - timedelta(hours=2) + timedelta(minutes=5))
    store.open_incident(title="old", severity=Severity.P3, category=Category.HARDWARE, reporter="li",
                        at=T - timedelta(days=15))


async def _register(tmp_path) -> AgentRegister:
    state = AgentRegister(str(tmp_path / "state"))
    state.record_hello("a1", ingest_pb2.AgentHello(hostname="pc-1"), "ipv4:127.0.0.1:1", T_MS - 10_000)
    state.record_hello("a2", ingest_pb2.AgentHello(hostname="pc-2"), "ipv4:127.0.0.1:2", T_MS - 3_600_000)
    return state


@contextlib.asynccontextmanager
async def _fleet(tmp_path, alerting):
    """FleetFigures over a register of two agents and a store of their devices' series, registered, not refreshed."""
    state = await _register(tmp_path)
    async with opened_store(tmp_path / "tsdb") as store:
        for sequence, (agent, series) in enumerate(DEVICE_SERIES.items(), start=1):
            ids = store.resolve_series(agent, [key for key, _ in series], parse_series_key)
            await store.write(batch(agent, sequence, ids, [T_MS - 30_000] * len(series), [v for _, v in series]))
        directory = EntityDirectory(store, state, OFFLINE_AFTER_S, clock=lambda: T.timestamp())
        metrics = CollectorMetrics(CollectorRegistry())
        fleet = FleetFigures(metrics, state, directory, store, OFFLINE_AFTER_S, alerting, "Asia/Shanghai", lambda: T)
        metrics.registry.register(fleet)
        yield fleet, metrics.registry


@pytest.fixture
def alerting(tmp_path):
    built = _alerting(tmp_path)
    _incidents(built)
    yield built
    built.incidents.dispose()


@pytest.fixture
def figures(tmp_path, alerting):
    async def scenario():
        alerting.pipeline.observe(ObservedBatch("a1", T_MS, samples=(  # on a running loop, as the dispatcher wants
            SampleObservation("m", {"host": "pc-1"}, (T_MS,), (50.0,)),)))
        async with _fleet(tmp_path, alerting) as (fleet, registry):
            before = generate_latest(registry).decode()
            await fleet.refresh()
            return registry, before

    return asyncio.run(scenario())


def _value(registry, name, **labels):
    return registry.get_sample_value(name, labels)


def test_hosts_are_up_while_their_agent_is_heard_from(figures):
    registry, _ = figures
    assert _value(registry, "itops_host_up", host="pc-1", agent="a1") == 1.0
    assert _value(registry, "itops_host_up", host="pc-2", agent="a2") == 0.0
    assert _value(registry, "itops_collector_known_agents") == 2.0
    assert _value(registry, "itops_collector_connected_agents") == 1.0


def test_a_device_is_up_when_it_answered_its_last_poll_and_its_agent_is_heard_from(figures):
    registry, _ = figures
    assert _value(registry, "itops_device_up", device="p1", kind="printer") == 1.0
    assert _value(registry, "itops_device_up", device="u1", kind="ups") == 0.0  # its poll went unanswered
    assert _value(registry, "itops_device_up", device="c1", kind="attendance_clock") == 1.0
    assert _value(registry, "itops_device_up", device="sw1", kind="switch") == 0.0  # its agent went quiet


def test_alerts_firing_and_open_incidents_by_severity_and_state(figures):
    registry, _ = figures
    assert [_value(registry, "itops_alerts_firing", severity=s.value) for s in Severity] == [0.0, 1.0, 0.0, 0.0]
    assert _value(registry, "itops_incidents_open", severity="P1", state="acknowledged") == 1.0
    assert _value(registry, "itops_incidents_open", severity="P1", state="open") == 0.0
    assert _value(registry, "itops_incidents_open", severity="P2", state="open") == 1.0  # the alert's incident
    assert _value(registry, "itops_incidents_open", severity="P3", state="open") == 1.0  # opened last month
    assert _value(registry, "itops_incidents_open", severity="P1", state="resolved") is None


def test_this_months_sla_breaches_and_mean_times_are_the_monthly_reports(figures):
    registry, _ = figures
    assert _value(registry, "itops_incident_sla_breaches_this_month", severity="P1", sla="response") == 1.0
    assert _value(registry, "itops_incident_sla_breaches_this_month", severity="P1", sla="resolution") == 0.0
    assert _value(registry, "itops_incident_sla_breaches_this_month", severity="P3", sla="response") == 0.0
    assert _value(registry, "itops_incident_mean_time_to_acknowledge_seconds", severity="P1") == (20 * 60 + 5 * 60) / 2
    assert _value(registry, "itops_incident_mean_time_to_resolve_seconds", severity="P1") == 2 * 3600
    assert _value(registry, "itops_incident_mean_time_to_acknowledge_seconds", severity="P3") is None  # none this month


def test_nothing_is_read_before_the_first_refresh(figures):
    _, before = figures
    assert "itops_host_up{" not in before and "itops_alerts_firing" not in before


def test_figures_a_store_cannot_give_are_left_out_and_the_collectors_own_metrics_stay(tmp_path, alerting):
    async def scenario():
        async with _fleet(tmp_path, alerting) as (fleet, registry):
            await fleet.refresh()
            with sqlite3.connect(tmp_path / "alerting" / "incidents.sqlite3") as db:
                db.execute("DROP TABLE incident_alerts")
            await fleet.refresh()
            return generate_latest(registry).decode()

    text = asyncio.run(scenario())
    assert "itops_collector_known_agents 2.0" in text  # set by the refresh before
    assert "itops_incidents_open{" not in text and "itops_host_up{" not in text
