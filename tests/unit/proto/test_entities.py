"""entity_of: which host, device, clock, backup or service a series, check result or alert is about."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itops.collector.reports import texts
from itops.entities import (
    ENTITY_OF_LABELS,
    EntityKind,
    entities_of,
    entity_of,
    primary_device_kind,
)
from tests.unit.test_glossary import console_texts

K = EntityKind


def described(entity) -> tuple[str, str, str]:
    return entity.kind.value, entity.name, entity.label


def test_a_clock_series_is_about_the_clock_not_the_host_polling_it():
    labels = {"host": "vm", "clock": "main-entrance", "address": "10.0.0.9", "asset_number": "ZC-0042", "agent": "a1"}
    clock = entity_of(labels, "itops_attendance_clock_drift_seconds")
    assert described(clock) == ("attendance_clock", "main-entrance", "clock")
    assert clock.asset_number == "ZC-0042" and clock.identity == {"clock": "main-entrance"}
    assert [described(e) for e in entities_of(labels)] == [
        ("attendance_clock", "main-entrance", "clock"), ("host", "vm", "host")]
    assert entities_of(labels)[1].asset_number is None  # the asset number is the clock's


def test_a_printer_series_is_a_printer_named_by_its_device_label():
    labels = {"host": "pc-9", "device": "printer-3f", "supply": "1", "asset_number": "ZC-7"}
    printer = entity_of(labels, "itops_printer_supply_remaining_ratio")
    assert described(printer) == ("printer", "printer-3f", "device") and printer.asset_number == "ZC-7"
    assert printer.identity == {"device": "printer-3f"}


@pytest.mark.parametrize(("metric", "kind"), [
    ("itops_ups_battery_charge_ratio", K.UPS), ("itops_network_interface_oper_status", K.SWITCH),
    ("itops_environment_temperature_celsius", K.ENVIRONMENT), ("itops_snmp_up", K.DEVICE), ("", K.DEVICE)])
def test_an_snmp_devices_kind_follows_from_its_profiles_metric_family(metric, kind):
    assert entity_of({"host": "pc-9", "device": "d-1"}, metric).kind is kind


def test_a_device_read_by_several_profiles_is_of_the_first_profiles_kind():
    assert primary_device_kind([K.DEVICE, K.ENVIRONMENT, K.UPS]) is K.UPS
    assert primary_device_kind([K.SWITCH, K.PRINTER]) is K.PRINTER
    assert primary_device_kind([K.DEVICE]) is K.DEVICE and primary_device_kind([]) is K.DEVICE


def test_a_host_series_is_about_its_host():
    host = entity_of({"host": "db-1", "cpu": "total", "asset_number": "ZC-001"}, "itops_host_cpu_usage_ratio")
    assert described(host) == ("host", "db-1", "host") and host.asset_number == "ZC-001"
    assert entities_of({"host": "db-1"}) == (host,)


def test_a_check_result_is_about_the_service_it_checks_on_its_host():
    service = entity_of({"host": "web-1", "check": "systemd_unit", "target": "nginx.service", "agent": "a"})
    assert described(service) == ("service", "systemd_unit nginx.service@web-1", "target")
    assert service.identity == {"check": "systemd_unit", "target": "nginx.service", "host": "web-1"}
    assert entity_of({"check": "tcp_connect", "target": "db:5432"}).name == "tcp_connect db:5432"
    assert [e.kind for e in entities_of({"host": "web-1", "check": "http", "target": "https://erp"})] == [
        K.SERVICE, K.HOST]


def test_a_check_of_a_clock_a_backup_or_a_device_is_about_that():
    clock = entity_of({"host": "vm", "check": "attendance_clock", "target": "gate", "address": "10.0.0.9"})
    assert described(clock) == ("attendance_clock", "gate", "clock")
    backup = entity_of({"host": "db-1", "check": "file_freshness", "target": "erp-db"})
    assert described(backup) == ("backup", "erp-db", "target")
    device = entity_of({"host": "pc-9", "device": "switch-1", "check": "snmp_poll", "target": "switch-1"})
    assert described(device) == ("device", "switch-1", "device")


def test_the_file_freshness_series_name_their_backup_and_other_target_series_their_host():
    assert entity_of({"host": "db-1", "target": "erp-db"}, "itops_file_newest_age_seconds").key == ("backup", "erp-db")
    assert entity_of({"host": "db-1", "target": "erp-db"}).key == ("host", "db-1")
    assert entity_of({"host": "web-1", "target": "https://erp"}, "itops_http_response_seconds").key == ("host", "web-1")


def test_labels_naming_nothing_are_about_nothing():
    assert entity_of({"alertname": "Watchdog", "severity": "P4"}) is None
    assert entities_of({"alertname": "Watchdog"}) == ()
    assert entity_of({"host": "", "device": ""}) is None


def test_an_alert_is_about_what_its_series_or_check_was_about():
    alert = {"alertname": "AttendanceClockFast", "severity": "P3", "category": "application", "host": "vm",
             "clock": "main-entrance", "agent": "a1"}
    assert entity_of(alert).key == ("attendance_clock", "main-entrance")


def test_older_stores_name_a_clock_by_both_device_and_clock_and_it_is_the_clock():
    assert entity_of({"device": "front-door", "clock": "front-door"}).key == ("attendance_clock", "front-door")


@pytest.mark.parametrize("labels", [
    {"host": "db-1"}, {"device": "ups-1", "host": "pc-9"}, {"clock": "gate", "host": "vm"},
    {"check": "file_freshness", "target": "erp-db", "host": "db-1"}, {"check": "ping", "target": "gw", "host": "pc-1"}])
def test_an_entitys_identity_names_it_again(labels):
    entity = entity_of(labels)
    assert entity_of(entity.identity) == entity


def test_hosts_devices_and_clocks_are_assets_backups_and_services_not():
    assets = {entity.kind: entity.is_asset for entity in (
        entity_of({"host": "h"}), entity_of({"device": "d"}), entity_of({"clock": "c"}),
        entity_of({"check": "file_freshness", "target": "b"}), entity_of({"check": "ping", "target": "p"}))}
    assert assets == {K.HOST: True, K.DEVICE: True, K.ATTENDANCE_CLOCK: True, K.BACKUP: False, K.SERVICE: False}


def test_every_kind_is_named_alike_in_the_console_and_in_the_reports():
    console = {key.removeprefix("i18n.js kind."): pair for key, pair in console_texts().items()
               if key.startswith("i18n.js kind.")}
    assert set(console) == {kind.value for kind in EntityKind}
    assert {kind: texts._LABELS[kind] for kind in console} == console


def test_the_module_is_light_enough_for_the_agent():
    loaded = subprocess.run([sys.executable, "-c", "import sys, itops.entities; "
                             "print(sorted(m for m in sys.modules if m.startswith('itops')))"],
                            capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['itops', 'itops.entities']"


@given(st.dictionaries(st.sampled_from(["host", "device", "clock", "check", "target", "asset_number", "cpu", "agent",
                                        "mountpoint", "supply"]), st.sampled_from(["", "a", "b"]), max_size=6),
       st.sampled_from(["", "itops_printer_supply_level_ratio", "itops_file_newest_age_seconds", "itops_host_load1"]))
def test_entity_of_reads_only_the_labels_it_declares(labels, metric):
    """The coverage ledger reads these labels straight off a series key; any other label must change nothing."""
    declared = {name: value for name, value in labels.items() if name in ENTITY_OF_LABELS}
    assert entity_of(labels, metric) == entity_of(declared, metric)
    assert entities_of(labels, metric) == entities_of(declared, metric)
