import sqlite3
from datetime import UTC, datetime, timedelta

import numpy as np

from itops.collector.records.coverage import CoverageLedger
from itops.collector.ingest.validation import ValidBatch
from itops.v1 import ingest_pb2

DAY0 = datetime(2026, 10, 10, tzinfo=UTC)
HOST_KEY = 'itops_host_cpu_usage_ratio{host="db-1"}'
PRINTER_KEY = 'itops_printer_supply_remaining_ratio{asset_number="ZC-7",device="printer-1",host="pc-9",supply="1"}'
CLOCK_KEY = 'itops_attendance_clock_up{clock="front-door",host="pc-9"}'
NOBODY_KEY = "itops_collector_thing"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _batch(samples: list[tuple[str, datetime]], checks: tuple = ()) -> ValidBatch:
    keys = sorted({key for key, _ in samples})
    return ValidBatch(1, keys, np.array([keys.index(key) for key, _ in samples], dtype=np.uint32),
                      np.array([_ms(at) for _, at in samples], dtype=np.int64), np.zeros(len(samples)), list(checks), None)


def _check(check: str, target: str, at: datetime, **labels) -> ingest_pb2.CheckResult:
    result = ingest_pb2.CheckResult(check=check, target=target, timestamp_ms=_ms(at))
    for name, value in labels.items():
        result.labels.add(name=name, value=value)
    return result


def _minutes(*offsets: int) -> list[datetime]:
    return [DAY0 + timedelta(minutes=m) for m in offsets]


def test_samples_in_one_bucket_count_one_bucket(tmp_path):
    ledger = CoverageLedger(tmp_path / "c.sqlite3")
    ledger.record_batch(_batch([(HOST_KEY, at) for at in _minutes(0, 1, 4)]))
    assert ledger.covered_seconds(DAY0, DAY0 + timedelta(days=1)) == {("host", "db-1"): 300.0}


def test_buckets_are_those_the_samples_were_taken_in(tmp_path):
    ledger = CoverageLedger(tmp_path / "c.sqlite3")
    backlog = [(HOST_KEY, at) for at in _minutes(0, 5, 10, 60 * 5)]  # a replayed backlog, received now
    ledger.record_batch(_batch(backlog))
    assert ledger.covered_seconds(DAY0, DAY0 + timedelta(days=1)) == {("host", "db-1"): 1200.0}
    assert ledger.covered_seconds(DAY0, DAY0 + timedelta(minutes=10)) == {("host", "db-1"): 600.0}


def test_a_device_series_covers_the_device_and_the_polling_host(tmp_path):
    ledger = CoverageLedger(tmp_path / "c.sqlite3")
    ledger.record_batch(_batch([(PRINTER_KEY, DAY0), (CLOCK_KEY, DAY0), (NOBODY_KEY, DAY0)]))
    assert ledger.covered_seconds(DAY0, DAY0 + timedelta(hours=1)) == {
        ("device", "printer-1"): 300.0, ("attendance_clock", "front-door"): 300.0, ("host", "pc-9"): 300.0}
    entities = {entity.key: entity for entity in ledger.entities()}
    assert entities[("device", "printer-1")].asset_number == "ZC-7"
    assert entities[("attendance_clock", "front-door")].identity == {"clock": "front-door"}


def test_check_results_cover_what_they_check(tmp_path):
    ledger = CoverageLedger(tmp_path / "c.sqlite3")
    checks = (_check("tcp_connect", "db-1:5432", DAY0, host="app-1"),
              _check("snmp_poll", "switch-1", DAY0 + timedelta(minutes=7), host="pc-9", device="switch-1"),
              _check("attendance_clock", "front-door", DAY0, host="pc-9"),
              _check("file_freshness", "erp-db", DAY0, host="app-1"))
    ledger.record_batch(_batch([], checks))
    assert ledger.covered_seconds(DAY0, DAY0 + timedelta(hours=1)) == {
        ("service", "tcp_connect db-1:5432@app-1"): 300.0, ("device", "switch-1"): 300.0,
        ("attendance_clock", "front-door"): 300.0, ("backup", "erp-db"): 300.0}


def test_entities_stored_under_their_older_names_take_their_new_keys(tmp_path):
    path = tmp_path / "c.sqlite3"
    CoverageLedger(path).close()
    older = sqlite3.connect(path)
    with older:  # a clock was a device; a clock's and a backup's checks were services
        older.executemany("INSERT INTO coverage_entities VALUES (?, ?, ?, ?)", [
            ("device", "front-door", '{"device": "front-door", "clock": "front-door"}', "ZC-42"),
            ("service", "attendance_clock front-door@pc-9",
             '{"check": "attendance_clock", "target": "front-door", "host": "pc-9"}', None),
            ("service", "file_freshness erp-db@app-1", '{"check": "file_freshness", "target": "erp-db", "host": "app-1"}', None),
            ("device", "printer-1", '{"device": "printer-1"}', None)])
        older.executemany("INSERT INTO coverage VALUES (?, ?, ?, ?)", [
            ("device", "front-door", 20371, (1).to_bytes(36, "little")),
            ("service", "attendance_clock front-door@pc-9", 20371, (2).to_bytes(36, "little")),
            ("service", "file_freshness erp-db@app-1", 20371, (1).to_bytes(36, "little")),
            ("device", "printer-1", 20371, (1).to_bytes(36, "little"))])
    older.close()
    ledger = CoverageLedger(path)
    day = datetime(2025, 10, 10, tzinfo=UTC)
    assert ledger.covered_seconds(day, day + timedelta(days=1)) == {
        ("attendance_clock", "front-door"): 600.0, ("backup", "erp-db"): 300.0, ("device", "printer-1"): 300.0}
    assert {(e.key, e.asset_number) for e in ledger.entities()} == {
        (("attendance_clock", "front-door"), "ZC-42"), (("backup", "erp-db"), None), (("device", "printer-1"), None)}


def test_flush_or_merges_with_what_is_stored_and_survives_reopening(tmp_path):
    path = tmp_path / "c.sqlite3"
    ledger = CoverageLedger(path)
    ledger.record_batch(_batch([(HOST_KEY, at) for at in _minutes(0, 10)]))
    ledger.flush()
    ledger.record_batch(_batch([(HOST_KEY, at) for at in _minutes(10, 20)]))  # 10 again: once
    ledger.close()
    reopened = CoverageLedger(path)
    assert reopened.covered_seconds(DAY0, DAY0 + timedelta(days=1)) == {("host", "db-1"): 900.0}
    assert [entity.key for entity in reopened.entities()] == [("host", "db-1")]


UPS_KEY = 'itops_ups_battery_charge_ratio{device="ups-1",host="pc-9"}'
UPS_PROBE_KEY = 'itops_environment_temperature_celsius{device="ups-1",host="pc-9",sensor="1"}'
SWITCH_KEY = 'itops_network_interface_oper_status{device="sw-1",host="pc-9",interface="1",status="up"}'


def test_a_devices_kind_is_of_the_profiles_it_sent_series_of_across_batches_and_reopening(tmp_path):
    path = tmp_path / "c.sqlite3"
    ledger = CoverageLedger(path)
    ledger.record_batch(_batch([(UPS_PROBE_KEY, DAY0), (PRINTER_KEY, DAY0)]))
    assert ledger.device_kinds() == {"ups-1": "environment", "printer-1": "printer"}  # unflushed included
    ledger.flush()
    ledger.record_batch(_batch([(UPS_KEY, DAY0 + timedelta(minutes=5))]))  # a UPS card with room probes
    ledger.close()
    reopened = CoverageLedger(path)
    reopened.record_batch(_batch([(SWITCH_KEY, DAY0)]))
    assert reopened.device_kinds() == {"ups-1": "ups", "printer-1": "printer", "sw-1": "switch"}
    # one device stays one entity, keyed by its labels
    assert {("device", "ups-1"), ("device", "sw-1")} <= set(reopened.covered_seconds(DAY0, DAY0 + timedelta(hours=1)))


def test_a_device_without_profile_series_has_no_kind_of_its_own(tmp_path):
    ledger = CoverageLedger(tmp_path / "c.sqlite3")
    ledger.record_batch(_batch([('itops_snmp_up{device="gen-1",host="pc-9"}', DAY0), (CLOCK_KEY, DAY0), (HOST_KEY, DAY0)],
                               (_check("snmp_poll", "gen-2", DAY0, host="pc-9", device="gen-2"),)))
    assert ledger.device_kinds() == {}


def test_a_ledger_file_from_before_device_families_opens(tmp_path):
    path = tmp_path / "c.sqlite3"
    CoverageLedger(path).close()
    older = sqlite3.connect(path)
    with older:
        older.execute("DROP TABLE coverage_device_families")
    older.close()
    ledger = CoverageLedger(path)
    ledger.record_batch(_batch([(PRINTER_KEY, DAY0)]))
    ledger.close()
    assert CoverageLedger(path).device_kinds() == {"printer-1": "printer"}


def test_covered_seconds_spans_days_and_clips_partial_buckets(tmp_path):
    ledger = CoverageLedger(tmp_path / "c.sqlite3")
    everything = [DAY0 + timedelta(minutes=5 * i) for i in range(3 * 288)]
    ledger.record_batch(_batch([(HOST_KEY, at) for at in everything]))
    ledger.flush()
    assert ledger.covered_seconds(DAY0, DAY0 + timedelta(days=3)) == {("host", "db-1"): 3 * 86400.0}
    start = DAY0 + timedelta(hours=16, minutes=2)  # a bucket cut at both ends
    assert ledger.covered_seconds(start, start + timedelta(days=1, minutes=1)) == {("host", "db-1"): 86460.0}
    assert ledger.covered_seconds(start, start + timedelta(minutes=1)) == {("host", "db-1"): 60.0}


def test_prune_drops_whole_days_before(tmp_path):
    ledger = CoverageLedger(tmp_path / "c.sqlite3")
    ledger.record_batch(_batch([(HOST_KEY, DAY0), (HOST_KEY, DAY0 + timedelta(days=2))]))
    ledger.flush()
    assert ledger.prune(DAY0 + timedelta(days=1, hours=5)) == 1
    assert ledger.covered_seconds(DAY0, DAY0 + timedelta(days=3)) == {("host", "db-1"): 300.0}


def test_entity_names_are_unescaped_and_label_text_inside_values_is_not_a_label(tmp_path):
    ledger = CoverageLedger(tmp_path / "c.sqlite3")
    tricky = 'itops_snmp_up{description="moved,host=\\"evil\\"",device="lab \\"B\\" printer",host="pc-1"}'
    ledger.record_batch(_batch([(tricky, DAY0)]))
    assert set(ledger.covered_seconds(DAY0, DAY0 + timedelta(hours=1))) == {("device", 'lab "B" printer'), ("host", "pc-1")}
