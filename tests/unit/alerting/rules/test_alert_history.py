from datetime import UTC, datetime, timedelta

from itops.alerting.rules.alert_history import AlertHistory
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.entities import EntityKind

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
    assert open_episode.entity.key == ("host", "db-1") and open_episode.severity is Severity.P2
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


def test_an_episode_is_about_the_clock_not_the_host_polling_it(tmp_path):
    history = AlertHistory(tmp_path / "h.sqlite3")
    history.record([_alert(AlertState.FIRING, clock="front-door", asset_number="ZC-0042")])
    [episode] = history.episodes(T0, T0 + timedelta(hours=1))
    assert (episode.entity.kind, episode.entity.name, episode.entity.asset_number) == (
        EntityKind.ATTENDANCE_CLOCK, "front-door", "ZC-0042")
