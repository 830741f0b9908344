from datetime import UTC, datetime, timedelta

from itops.alerting.rules.alert_history import AlertHistory, ReportEntity, report_entity
from itops.alerting.rules.model import Alert, AlertState, Severity

T0 = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)


def _alert(state: AlertState, firing_since=T0, resolved_at=None, **labels) -> Alert:
    labels = {"alertname": "HostOffline", "severity": "P2", "agent": "a1", "host": "db-1", **labels}
    return Alert("HostOffline", labels, {}, Severity(labels["severity"]), state=state, firing_since=firing_since,
                 resolved_at=resolved_at)


def test_firing_then_resolved_is_one_episode(tmp_path):
    history = AlertHistory(tmp_path / "h.sqlite3")
    history.record([_alert(AlertState.FIRING)])
    [open_episode] = history.episodes(T0, T0 + timedelta(hours=1))
    assert open_episode.ended_at is None and open_episode.started_at == T0
    assert open_episode.entity == ReportEntity("host", "db-1") and open_episode.severity is Severity.P2
    history.record([_alert(AlertState.RESOLVED, resolved_at=T0 + timedelta(minutes=20))])
    [episode] = history.episodes(T0, T0 + timedelta(hours=1))
    assert episode.ended_at == T0 + timedelta(minutes=20)
    assert episode.labels["host"] == "db-1" and episode.alertname == "HostOffline"


def test_resent_firing_after_restart_neither_duplicates_nor_reopens(tmp_path):
    path = tmp_path / "h.sqlite3"
    history = AlertHistory(path)
    history.record([_alert(AlertState.FIRING), _alert(AlertState.RESOLVED, resolved_at=T0 + timedelta(minutes=5))])
    history.close()
    reopened = AlertHistory(path)
    reopened.record([_alert(AlertState.FIRING)])
    [episode] = reopened.episodes(T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert episode.ended_at == T0 + timedelta(minutes=5)


def test_pending_and_inactive_changes_are_not_episodes(tmp_path):
    history = AlertHistory(tmp_path / "h.sqlite3")
    history.record([_alert(AlertState.PENDING, firing_since=None), _alert(AlertState.INACTIVE, firing_since=None)])
    assert history.episodes(T0 - timedelta(days=1), T0 + timedelta(days=1)) == []


def test_a_second_firing_is_a_second_episode(tmp_path):
    history = AlertHistory(tmp_path / "h.sqlite3")
    later = T0 + timedelta(hours=2)
    history.record([_alert(AlertState.RESOLVED, resolved_at=T0 + timedelta(minutes=5))])
    history.record([_alert(AlertState.FIRING, firing_since=later)])
    assert [(e.started_at, e.ended_at) for e in history.episodes(T0, later + timedelta(hours=1))] == [
        (T0, T0 + timedelta(minutes=5)), (later, None)]


def test_episodes_overlapping_the_range_only_and_by_alertname(tmp_path):
    history = AlertHistory(tmp_path / "h.sqlite3")
    history.record([
        _alert(AlertState.RESOLVED, resolved_at=T0 + timedelta(hours=1)),  # ends inside the range below
        _alert(AlertState.RESOLVED, firing_since=T0 - timedelta(days=3), resolved_at=T0 - timedelta(days=2), host="old"),
        _alert(AlertState.FIRING, firing_since=T0 - timedelta(days=5), host="still-down"),
        _alert(AlertState.FIRING, alertname="HostCpuHigh", host="busy"),
    ])
    start, end = T0 + timedelta(minutes=30), T0 + timedelta(days=1)
    assert {e.labels["host"] for e in history.episodes(start, end)} == {"db-1", "still-down", "busy"}
    assert {e.labels["host"] for e in history.episodes(start, end, ["HostOffline"])} == {"db-1", "still-down"}
    assert history.episodes(T0 + timedelta(days=2), T0 + timedelta(days=3), []) == []


def test_prune_forgets_only_ended_episodes_before_the_cut(tmp_path):
    history = AlertHistory(tmp_path / "h.sqlite3")
    history.record([
        _alert(AlertState.RESOLVED, resolved_at=T0 + timedelta(minutes=5)),
        _alert(AlertState.FIRING, host="still-down"),
    ])
    assert history.prune(T0 + timedelta(days=1)) == 1
    assert [e.labels["host"] for e in history.episodes(T0, T0 + timedelta(days=2))] == ["still-down"]


def test_entity_of_device_service_and_host_labels():
    assert report_entity({"host": "pc-1", "device": "printer-2", "check": "snmp_poll", "target": "printer-2"}) \
        == ReportEntity("device", "printer-2")
    clock = report_entity({"host": "pc-1", "clock": "front-door", "asset_number": "ZC-0042"})
    assert clock == ReportEntity("device", "front-door") and clock.asset_number == "ZC-0042"
    assert clock.labels == {"device": "front-door", "clock": "front-door"}
    service = report_entity({"host": "web-1", "check": "systemd_unit", "target": "nginx.service", "agent": "a"})
    assert service.key == ("service", "systemd_unit nginx.service@web-1")
    assert service.labels == {"check": "systemd_unit", "target": "nginx.service", "host": "web-1"}
    assert report_entity({"host": "web-1", "mountpoint": "/"}).labels == {"host": "web-1"}
    assert report_entity({"alertname": "Watchdog"}) is None
