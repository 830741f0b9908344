from datetime import datetime, timedelta, timezone

from itops.alerting.rules.alert_store import AlertStore, TrackedAlert
from itops.alerting.rules.model import Alert, AlertState, Severity

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)


def tracked(state=AlertState.FIRING):
    alert = Alert("R", {"alertname": "R", "severity": "P2", "host": "服务器1"}, {"summary_zh": "磁盘满"}, Severity.P2,
                  state=state, value=0.97, pending_since=T0, firing_since=T0 + timedelta(minutes=5),
                  last_change=T0 + timedelta(minutes=5), flapping=True)
    return TrackedAlert(alert, holds=True, last_held=T0 + timedelta(minutes=6), changes=(T0, T0 + timedelta(minutes=5)),
                        message="refused")


def test_saved_alert_loads_back_equal(tmp_path):
    AlertStore(tmp_path / "a.db").save(tracked())
    assert AlertStore(tmp_path / "a.db").load_all() == [tracked()]


def test_save_replaces_the_same_fingerprint(tmp_path):
    store = AlertStore(tmp_path / "a.db")
    store.save(tracked())
    store.save(tracked(AlertState.RESOLVED))
    assert [t.alert.state for t in store.load_all()] == [AlertState.RESOLVED]


def test_delete_removes(tmp_path):
    store = AlertStore(tmp_path / "a.db")
    store.save(tracked())
    store.delete(tracked().alert.fingerprint)
    assert store.load_all() == []
