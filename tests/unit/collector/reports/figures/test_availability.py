"""Availability figures worked out by hand. October 2026 in Asia/Shanghai is 31 days = 2,678,400 s,
from 2026-09-30 16:00 UTC to 2026-10-31 16:00 UTC."""

from datetime import UTC, datetime, timedelta

import pytest

from itops.alerting.rules.alert_history import Episode
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.alerting.rules.model import Severity
from itops.alerting.muting.matchers import parse_matchers
from itops.collector.reports.figures.availability import availability_rows, noisy_entities
from itops.collector.reports.figures.inputs import report_month
from itops.entities import EntityKind, entity_of

OCTOBER = report_month("2026-10")
MONTH_S = 31 * 86400
DAY = datetime(2026, 10, 10, 0, 0, tzinfo=UTC)
DB = entity_of({"host": "db-1", "asset_number": "ZC-001"})


def _episode(start: datetime, end: datetime | None, alertname="HostOffline", **labels) -> Episode:
    labels = {"alertname": alertname, "severity": "P2", "host": "db-1", **labels}
    return Episode("fp", alertname, Severity.P2, labels, entity_of(labels), start, end)


def _window(matcher: str, start: datetime, end: datetime) -> MaintenancePeriod:
    return MaintenancePeriod("patching", tuple(parse_matchers([matcher])), start, end)


def _row(episodes, maintenance=(), coverage=None, entities=(DB,), now=None):
    [row] = availability_rows(OCTOBER, episodes, maintenance, coverage or {}, entities, now=now)
    return row


def test_overlapping_episodes_count_once():
    row = _row([_episode(DAY, DAY + timedelta(hours=1)),
                _episode(DAY + timedelta(minutes=30), DAY + timedelta(hours=2), alertname="PingHostUnreachable")])
    assert (row.unplanned_s, row.planned_s, row.maintenance_s) == (7200, 0, 0)
    assert row.availability == pytest.approx(1 - 7200 / MONTH_S)
    assert (row.kind, row.name, row.asset_number, row.period_s) == ("host", "db-1", "ZC-001", MONTH_S)


def test_episode_spanning_the_month_start_counts_from_the_start():
    row = _row([_episode(OCTOBER.start - timedelta(hours=5), OCTOBER.start + timedelta(hours=1))])
    assert row.unplanned_s == 3600


def test_still_firing_counts_until_the_month_end_or_now():
    still_down = [_episode(OCTOBER.end - timedelta(hours=3), None)]
    assert _row(still_down).unplanned_s == 3 * 3600
    now = OCTOBER.end - timedelta(hours=1)
    row = _row(still_down, now=now)
    assert (row.unplanned_s, row.period_s) == (2 * 3600, MONTH_S - 3600)


def test_maintenance_covering_part_of_an_outage_is_planned():
    window = _window('host="db-1"', DAY + timedelta(hours=1), DAY + timedelta(hours=5))
    other_host = _window('host="web-9"', DAY, DAY + timedelta(days=1))
    row = _row([_episode(DAY, DAY + timedelta(hours=2))], [window, other_host])
    assert (row.planned_s, row.unplanned_s, row.maintenance_s) == (3600, 3600, 4 * 3600)
    assert row.availability == pytest.approx(1 - 3600 / (MONTH_S - 4 * 3600))


def test_overlapping_windows_count_once_and_are_clipped_to_the_month():
    windows = [_window('host="db-1"', OCTOBER.start - timedelta(hours=2), OCTOBER.start + timedelta(hours=2)),
               _window('host=~"db-.*"', OCTOBER.start + timedelta(hours=1), OCTOBER.start + timedelta(hours=3))]
    assert _row([], windows).maintenance_s == 3 * 3600


def test_entity_fully_in_maintenance_has_no_availability():
    row = _row([_episode(DAY, DAY + timedelta(hours=1))], [_window('host="db-1"', OCTOBER.start, OCTOBER.end)])
    assert (row.planned_s, row.unplanned_s, row.maintenance_s) == (3600, 0, MONTH_S)
    assert row.availability is None


def test_completeness_is_covered_share_of_the_period():
    assert _row([], coverage={("host", "db-1"): MONTH_S / 4}).completeness == 0.25
    assert _row([]).completeness == 0.0


def test_service_matched_by_its_host_and_entities_with_only_episodes_get_rows():
    service = {"check": "tcp_connect", "target": "db-1:5432"}
    window = _window('host="db-1"', DAY, DAY + timedelta(hours=1))
    rows = availability_rows(OCTOBER, [_episode(DAY, DAY + timedelta(hours=3), "TcpServiceDown", **service)], [window],
                             {}, [DB])
    assert [(r.kind, r.name, r.planned_s, r.unplanned_s) for r in rows] == [
        ("host", "db-1", 0, 0), ("service", "tcp_connect db-1:5432@db-1", 3600, 7200)]


def test_noisy_counts_episodes_started_in_the_month():
    episodes = [_episode(DAY, DAY), _episode(DAY, None), _episode(OCTOBER.start - timedelta(hours=1), DAY),
                _episode(DAY, DAY, device="printer-1"), _episode(DAY, DAY, host="web-1"),
                _episode(DAY, DAY, host="app-1")]
    noisy = noisy_entities(episodes, OCTOBER, top=3)
    assert [(n.kind, n.name, n.alerts) for n in noisy] == [("host", "db-1", 2), ("device", "printer-1", 1),
                                                           ("host", "app-1", 1)]


def test_a_device_is_shown_as_the_kind_its_series_make_it_as_in_the_console():
    kinds = {"ups-1": EntityKind.UPS, "printer-1": EntityKind.PRINTER}
    ups, generator = entity_of({"device": "ups-1", "asset_number": "ZC-9"}), entity_of({"device": "gen-1"})
    episodes = [_episode(DAY, DAY + timedelta(hours=1), "SnmpDeviceDown", device="printer-1"),
                _episode(DAY, DAY, "UpsOnBattery", device="ups-1"), _episode(DAY, DAY, "UpsLowBattery", device="ups-1")]
    rows = availability_rows(OCTOBER, episodes[:1], [], {("device", "ups-1"): MONTH_S}, [ups, generator],
                             device_kinds=kinds)
    assert [(r.kind, r.name, r.asset_number, r.unplanned_s, r.completeness) for r in rows] == [
        ("device", "gen-1", None, 0, 0.0), ("printer", "printer-1", None, 3600, 0.0), ("ups", "ups-1", "ZC-9", 0, 1.0)]
    noisy = noisy_entities(episodes + [_episode(DAY, DAY, device="gen-1")], OCTOBER, device_kinds=kinds)
    assert [(n.kind, n.name, n.alerts) for n in noisy] == [("ups", "ups-1", 2), ("device", "gen-1", 1),
                                                           ("printer", "printer-1", 1)]


def test_a_clock_is_an_attendance_clock_as_in_the_console_and_its_maintenance_is_matched_by_clock():
    clock = {"host": "vm", "clock": "front-door", "asset_number": "ZC-0042"}
    window = _window('clock="front-door"', DAY, DAY + timedelta(hours=1))
    [row] = availability_rows(OCTOBER, [_episode(DAY, DAY + timedelta(hours=2), "AttendanceClockOffline", **clock)],
                              [window], {}, [])
    assert (row.kind, row.name, row.asset_number, row.planned_s, row.unplanned_s) == (
        "attendance_clock", "front-door", "ZC-0042", 3600, 3600)
