from datetime import datetime, timedelta, timezone

import pytest

from itops.alerting.rules.alert_store import AlertStore
from itops.alerting.rules.evaluator import Evaluator
from itops.alerting.rules.model import AlertState, CheckObservation, ObservedBatch, SampleObservation
from itops.alerting.rules.loader import load_rules

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
HOST = {"agent": "a1", "host": "pc1"}


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


def rules_from(tmp_path, text):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n" + text)
    return load_rules([path])


def metric_rule(function="last", op=">", threshold=0.9, extra=""):
    return (f"  - {{name: R, metric: m, function: {function}, window: 1m, op: '{op}', threshold: {threshold}, "
            f"severity: P3{extra}}}\n")


class Harness:
    def __init__(self, tmp_path, text, store=None, **options):
        self.clock = Clock()
        self.evaluator = Evaluator(rules_from(tmp_path, text), store, self.clock, **options)

    def at(self, seconds):
        self.clock.now = T0 + timedelta(seconds=seconds)
        return self.clock.now

    def sample(self, seconds, value, labels=None, name="m"):
        now = self.at(seconds)
        ms = int(now.timestamp() * 1000)
        obs = SampleObservation(name, dict(labels or HOST), (ms,), (value,))
        return self.evaluator.observe(ObservedBatch("a1", ms, samples=(obs,)))

    def check(self, seconds, status, message="", target="erp:443"):
        now = self.at(seconds)
        ms = int(now.timestamp() * 1000)
        obs = CheckObservation("tcp_connect", target, status, message, ms, dict(HOST))
        return self.evaluator.observe(ObservedBatch("a1", ms, checks=(obs,)))

    def tick(self, seconds):
        return self.evaluator.tick(self.at(seconds))

    def states(self, rule="R"):
        return [a.state for a in self.evaluator.alerts() if a.rule == rule]


def test_last_above_threshold_fires_at_once_with_labels_and_value(tmp_path):
    h = Harness(tmp_path, metric_rule(extra=", labels: {team: ops}"))
    [alert] = h.sample(0, 0.95)
    assert alert.state is AlertState.FIRING
    assert alert.labels == {"agent": "a1", "host": "pc1", "team": "ops", "alertname": "R", "severity": "P3"}
    assert alert.value == 0.95
    assert alert.firing_since == T0


def test_below_threshold_creates_no_alert(tmp_path):
    h = Harness(tmp_path, metric_rule())
    assert h.sample(0, 0.5) == []
    assert h.evaluator.alerts() == []


def test_alert_resolves_when_condition_stops(tmp_path):
    h = Harness(tmp_path, metric_rule())
    h.sample(0, 0.95)
    [alert] = h.sample(15, 0.5)
    assert (alert.state, alert.resolved_at) == (AlertState.RESOLVED, T0 + timedelta(seconds=15))


@pytest.mark.parametrize("function, values, expected", [
    ("avg", [1, 2, 6], 3.0),
    ("min", [4, 2, 6], 2.0),
    ("max", [4, 9, 6], 9.0),
    ("count", [4, 9, 6], 3.0),
])
def test_window_functions(tmp_path, function, values, expected):
    h = Harness(tmp_path, metric_rule(function, ">=", 0))
    for i, value in enumerate(values):
        changed = h.sample(i * 30, value)  # two samples 30 s apart cover the 1m window: it answers from then
    assert h.evaluator.alerts()[0].value == expected
    assert changed == []  # a new value is not a state change


def test_window_drops_samples_older_than_the_window(tmp_path):
    h = Harness(tmp_path, metric_rule("max", ">", 5))
    h.sample(0, 9)
    h.sample(30, 2)
    [alert] = h.sample(61, 1)  # the 9 is now 61 s old, outside the 1m window
    assert (alert.state, alert.value) == (AlertState.RESOLVED, 2.0)


def test_rate_is_per_second_increase(tmp_path):
    h = Harness(tmp_path, metric_rule("rate", ">", 100))
    h.sample(0, 1000)
    [alert] = h.sample(30, 7000)
    assert alert.value == 200.0


def test_rate_handles_counter_reset(tmp_path):
    h = Harness(tmp_path, metric_rule("rate", ">=", 0))
    h.sample(0, 1000)
    h.sample(10, 1100)
    h.sample(20, 50)  # restarted: 50 counted since the reset
    assert h.evaluator.alerts()[0].value == pytest.approx((100 + 50) / 20)


def test_rate_needs_two_samples(tmp_path):
    h = Harness(tmp_path, metric_rule("rate", ">=", 0))
    assert h.sample(0, 1000) == []


def test_for_keeps_alert_pending_then_tick_fires_it(tmp_path):
    h = Harness(tmp_path, metric_rule(extra=", for: 1m"))
    [pending] = h.sample(0, 0.95)
    assert pending.state is AlertState.PENDING
    assert h.tick(59) == []
    [firing] = h.tick(60)
    assert (firing.state, firing.pending_since, firing.firing_since) == (AlertState.FIRING, T0, T0 + timedelta(seconds=60))


def test_pending_alert_that_stops_holding_goes_inactive_without_firing(tmp_path):
    h = Harness(tmp_path, metric_rule(extra=", for: 1m"))
    h.sample(0, 0.95)
    [alert] = h.sample(30, 0.5)
    assert alert.state is AlertState.INACTIVE
    assert h.tick(90) == []


def test_recovery_threshold_keeps_firing_between_thresholds(tmp_path):
    h = Harness(tmp_path, metric_rule(extra=", recovery_threshold: 0.8"))
    h.sample(0, 0.95)
    assert h.sample(15, 0.85) == []  # below 0.9 but above 0.8: still firing
    [alert] = h.sample(30, 0.75)
    assert alert.state is AlertState.RESOLVED


def test_recovery_threshold_does_not_lower_the_firing_threshold(tmp_path):
    h = Harness(tmp_path, metric_rule(extra=", recovery_threshold: 0.8"))
    assert h.sample(0, 0.85) == []


def test_keep_firing_for_delays_resolution(tmp_path):
    h = Harness(tmp_path, metric_rule(extra=", keep_firing_for: 2m"))
    h.sample(0, 0.95)
    assert h.sample(15, 0.5) == []
    assert h.tick(119) == []
    [alert] = h.tick(120)
    assert alert.state is AlertState.RESOLVED


def test_annotations_render_value_and_labels(tmp_path):
    h = Harness(tmp_path, "  - {name: R, metric: m, op: '>', threshold: 0.9, severity: P3, "
                          "annotations: {summary: 'CPU {{ value | percent }} on {{ labels.host }}'}}\n")
    [alert] = h.sample(0, 0.953)
    assert alert.annotations == {"summary": "CPU 95.3 % on pc1"}


def test_a_pending_alerts_annotations_follow_its_current_value(tmp_path):
    h = Harness(tmp_path, "  - {name: R, metric: m, op: '>', threshold: 0.9, for: 10m, severity: P3, "
                          "annotations: {summary: 'CPU {{ value | percent }} on {{ labels.host }}'}}\n")
    [pending] = h.sample(0, 0.91)
    assert (pending.state, pending.annotations) == (AlertState.PENDING, {"summary": "CPU 91 % on pc1"})
    assert h.sample(60, 0.97) == []  # no change of state …
    [alert] = h.evaluator.alerts()
    assert alert.annotations == {"summary": "CPU 97 % on pc1"}  # … but the text says what it is now
    [refreshed] = h.evaluator.take_refreshed()
    assert refreshed.annotations == {"summary": "CPU 97 % on pc1"}
    assert h.evaluator.take_refreshed() == []
    h.sample(120, 0.97)
    assert h.evaluator.take_refreshed() == []  # the same text is no news


def test_a_firing_check_alerts_message_follows_the_latest_check(tmp_path):
    h = Harness(tmp_path, "  - {name: C, check: tcp_connect, statuses: {CRITICAL: P2}, "
                          "annotations: {summary: '{{ labels.target }}: {{ message }}'}}\n")
    h.check(0, "CRITICAL", "connection refused")
    h.check(60, "CRITICAL", "timed out after 5s")
    [alert] = h.evaluator.alerts()
    assert (alert.state, alert.annotations["summary"]) == (AlertState.FIRING, "erp:443: timed out after 5s")


def test_a_refreshed_check_alert_keeps_its_message_in_the_annotations_language(tmp_path):
    h = Harness(tmp_path, "  - {name: C, check: tcp_connect, statuses: {CRITICAL: P2}, "
                          "annotations: {summary: '{{ message }}', summary_zh: '{{ message }}'}}\n")
    for seconds, en, zh in ((0, "connection refused", "连接被拒绝"), (60, "timed out", "连接超时")):
        ms = int(h.at(seconds).timestamp() * 1000)
        obs = CheckObservation("tcp_connect", "erp:443", "CRITICAL", en, ms, dict(HOST), {"zh-CN": zh, "en": en})
        h.evaluator.observe(ObservedBatch("a1", ms, checks=(obs,)))
    [alert] = h.evaluator.alerts()
    assert alert.annotations == {"summary": "timed out", "summary_zh": "连接超时"}


def test_an_alerts_value_is_written_in_its_metrics_unit_and_follows_it(tmp_path):
    store = AlertStore(tmp_path / "alerts.db")
    h = Harness(tmp_path, metric_rule().replace("metric: m", "metric: itops_host_cpu_usage_ratio"), store=store)
    h.sample(0, 0.953, name="itops_host_cpu_usage_ratio")
    h.sample(60, 0.97, name="itops_host_cpu_usage_ratio")
    [alert] = h.evaluator.alerts()
    assert alert.value_texts == {"zh-CN": "97 %", "en": "97 %"}
    assert [t.alert.value_texts for t in AlertStore(tmp_path / "alerts.db").load_all()] == [alert.value_texts]


def test_refreshed_annotations_are_stored(tmp_path):
    store = AlertStore(tmp_path / "alerts.db")
    h = Harness(tmp_path, metric_rule(extra=", annotations: {summary: '{{ value }}'}"), store=store)
    h.sample(0, 0.95)
    h.sample(10, 0.99)
    [tracked] = AlertStore(tmp_path / "alerts.db").load_all()
    assert tracked.alert.annotations == {"summary": "0.99"}


def test_match_and_match_re_select_series(tmp_path):
    h = Harness(tmp_path, "  - {name: R, metric: m, op: '>', threshold: 0, severity: P3, match: {cpu: total}, "
                          "match_re: {host: 'pc[0-9]'}}\n")
    assert h.sample(0, 1, {**HOST, "cpu": "0"}) == []
    assert h.sample(0, 1, {"agent": "a1", "host": "pc10", "cpu": "total"}) == []
    assert len(h.sample(0, 1, {**HOST, "cpu": "total"})) == 1


def test_one_alert_per_series(tmp_path):
    h = Harness(tmp_path, metric_rule())
    h.sample(0, 0.95, {"agent": "a1", "host": "pc1"})
    h.sample(0, 0.95, {"agent": "a2", "host": "pc2"})
    assert sorted(a.labels["host"] for a in h.evaluator.alerts()) == ["pc1", "pc2"]


def test_absent_fires_when_series_stops(tmp_path):
    h = Harness(tmp_path, "  - {name: R, metric: m, function: absent, window: 2m, severity: P2}\n")
    h.sample(0, 1)
    assert h.tick(119) == []
    [alert] = h.tick(120)
    assert (alert.state, alert.value) == (AlertState.FIRING, 120.0)
    [back] = h.sample(130, 1)
    assert back.state is AlertState.RESOLVED


CHECK_RULE = "  - {name: C, check: tcp_connect, statuses: {CRITICAL: P2, WARNING: P3}, annotations: {summary: '{{ labels.target }} down: {{ message }}'}}\n"


def test_check_critical_fires_with_message(tmp_path):
    h = Harness(tmp_path, CHECK_RULE)
    [alert] = h.check(0, "CRITICAL", "connection refused")
    assert alert.state is AlertState.FIRING
    assert alert.labels == {**HOST, "check": "tcp_connect", "target": "erp:443", "alertname": "C", "severity": "P2"}
    assert alert.annotations == {"summary": "erp:443 down: connection refused"}
    assert alert.value == 2.0


def test_check_ok_resolves(tmp_path):
    h = Harness(tmp_path, CHECK_RULE)
    h.check(0, "CRITICAL")
    [alert] = h.check(30, "OK")
    assert alert.state is AlertState.RESOLVED


def test_check_unknown_not_listed_changes_nothing(tmp_path):
    h = Harness(tmp_path, CHECK_RULE)
    h.check(0, "CRITICAL")
    assert h.check(30, "UNKNOWN") == []
    assert h.states("C") == [AlertState.FIRING]


def test_check_severity_change_hands_over_firing_without_waiting_for(tmp_path):
    h = Harness(tmp_path, CHECK_RULE.replace("statuses", "for: 1m, statuses"))
    h.check(0, "WARNING")
    h.tick(60)
    changed = h.check(90, "CRITICAL")
    assert sorted((a.severity.value, a.state) for a in changed) == [("P2", AlertState.FIRING), ("P3", AlertState.RESOLVED)]


def test_check_for_applies(tmp_path):
    h = Harness(tmp_path, CHECK_RULE.replace("statuses", "for: 1m, statuses"))
    [alert] = h.check(0, "CRITICAL")
    assert alert.state is AlertState.PENDING
    assert [a.state for a in h.tick(60)] == [AlertState.FIRING]


OFFLINE_RULE = "  - {name: HostOff, offline: {entity: host, after: 3m}, severity: P2}\n"


def test_offline_fires_after_silence_and_resolves_on_return(tmp_path):
    h = Harness(tmp_path, OFFLINE_RULE + metric_rule())
    h.sample(0, 0.5)
    assert h.tick(179) == []
    [alert] = h.tick(180)
    assert (alert.state, alert.labels) == (AlertState.FIRING, {**HOST, "alertname": "HostOff", "severity": "P2"})
    [back] = h.sample(200, 0.5)
    assert (back.rule, back.state) == ("HostOff", AlertState.RESOLVED)


def test_offline_entity_holds_its_other_alerts(tmp_path):
    h = Harness(tmp_path, OFFLINE_RULE + metric_rule(extra=", keep_firing_for: 1m"))
    h.sample(0, 0.95)
    h.sample(10, 0.5)  # would resolve at 70 s through keep_firing_for …
    changed = h.tick(190)  # … but the host has been offline since 180 s
    assert [(a.rule, a.state) for a in changed] == [("HostOff", AlertState.FIRING)]
    assert h.states("R") == [AlertState.FIRING]


def test_offline_entity_does_not_fire_pending_alerts(tmp_path):
    h = Harness(tmp_path, OFFLINE_RULE + metric_rule(extra=", for: 5m"))
    h.sample(0, 0.95)
    h.tick(400)
    assert h.states("R") == [AlertState.PENDING]


def test_a_clock_is_held_while_the_host_polling_it_is_offline(tmp_path):
    h = Harness(tmp_path, OFFLINE_RULE + metric_rule(extra=", for: 5m"))
    h.sample(0, 0.95, {**HOST, "clock": "gate"})  # no offline rule watches clocks: their host's silence holds them
    h.tick(400)
    assert h.states("R") == [AlertState.PENDING]


def test_a_device_watched_by_an_offline_rule_is_held_by_its_own_silence_only(tmp_path):
    device_offline = "  - {name: DeviceOff, offline: {entity: device, after: 10m}, severity: P3}\n"
    h = Harness(tmp_path, OFFLINE_RULE + device_offline + metric_rule(extra=", for: 5m"))
    h.sample(0, 0.95, {**HOST, "device": "ups-1"})
    h.tick(400)  # the host is offline since 180 s, the device not yet
    assert h.states("R") == [AlertState.FIRING]


def test_flapping_after_more_than_n_changes(tmp_path):
    h = Harness(tmp_path, metric_rule(), flap_changes=3, flap_window_s=600)
    results = [h.sample(i * 10, 0.95 if i % 2 == 0 else 0.5)[0] for i in range(4)]
    assert [a.flapping for a in results] == [False, False, False, True]
    [calm] = h.tick(10 * 3 + 600)
    assert calm.flapping is False


def test_restart_keeps_firing_alert_without_renotifying(tmp_path):
    store = AlertStore(tmp_path / "alerts.db")
    Harness(tmp_path, metric_rule(), store).sample(0, 0.95)
    again = Harness(tmp_path, metric_rule(), AlertStore(tmp_path / "alerts.db"))
    assert again.sample(15, 0.96) == []
    assert again.states() == [AlertState.FIRING]
    [resolved] = again.sample(30, 0.5)
    assert resolved.state is AlertState.RESOLVED


def test_restart_continues_pending_timer(tmp_path):
    Harness(tmp_path, metric_rule(extra=", for: 1m"), AlertStore(tmp_path / "a.db")).sample(0, 0.95)
    again = Harness(tmp_path, metric_rule(extra=", for: 1m"), AlertStore(tmp_path / "a.db"))
    [alert] = again.tick(60)
    assert (alert.state, alert.pending_since) == (AlertState.FIRING, T0)


def test_resolved_alert_is_forgotten_after_retention(tmp_path):
    store = AlertStore(tmp_path / "a.db")
    h = Harness(tmp_path, metric_rule(), store, resolved_retention_s=60)
    h.sample(0, 0.95)
    h.sample(10, 0.5)
    h.tick(70)
    assert h.evaluator.alerts() == []
    assert store.load_all() == []


def test_removed_rule_resolves_its_firing_alerts(tmp_path):
    h = Harness(tmp_path, metric_rule())
    h.sample(0, 0.95)
    h.evaluator.replace_rules([])
    [alert] = h.tick(10)
    assert alert.state is AlertState.RESOLVED


def test_samples_of_metrics_without_rules_are_ignored(tmp_path):
    h = Harness(tmp_path, metric_rule())
    assert h.sample(0, 99, name="other") == []
