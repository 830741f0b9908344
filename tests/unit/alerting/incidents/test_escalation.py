"""Escalator: the response escalation ladder with a fake clock (explicit `now`), delivered through real webhook
notifiers to real HTTP receivers on 127.0.0.1; restart safety through the incident database."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from itops.alerting.dispatch.notification_metrics import NotificationMetrics
from itops.alerting.incidents.model import AffectedAsset, Category, IncidentState, TimelineKind
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.incidents.config import EscalationLevel
from itops.alerting.incidents.escalation import Escalator
from itops.alerting.incidents.oncall import OnCall, OnCallConfig
from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.sla_config import SlaConfig
from itops.alerting.rules.model import Severity
from itops.alerting.dispatch.notification_log import NotificationLog, Outcome
from itops.alerting.notifiers.webhook.webhook import WebhookConfig, WebhookNotifier
from itops.common.yaml_config import load_text

from tests.simulators.webhook_receiver import WebhookReceiver

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Monday
ONCALL = """
people:
  wang: {display_name: 王工, receiver: wang-hook}
  li: {display_name: 李组长, receiver: li-hook}
schedules:
  ops:
    time_zone: Asia/Shanghai
    rotation: {members: [wang], start: "2026-01-05 09:00", shift: 1w}
"""
LADDER = [EscalationLevel(at=0.0, notify="oncall:ops"), EscalationLevel(at=0.5, notify="oncall:ops"),
          EscalationLevel(at=1.0, notify="li")]
EXTERNAL_URL = "https://itops.example.cn"
S = IncidentState


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def hooks():
    made = {"wang-hook": WebhookReceiver(), "li-hook": WebhookReceiver()}
    yield made
    for hook in made.values():
        hook.close()


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'incidents.db'}"


@pytest.fixture
def store(store_url):
    store = IncidentStore.open(store_url)
    yield store
    store.dispose()


@pytest.fixture
def notification_log():
    log = NotificationLog()
    yield log
    log.close()


def make_escalator(store, urls: dict[str, str], notification_log, levels=LADDER,
                   metrics: NotificationMetrics | None = None) -> Escalator:
    oncall_config = load_text(ONCALL, OnCallConfig)
    receivers = {name: [WebhookNotifier(WebhookConfig(url=url))] for name, url in urls.items()}
    return Escalator(store, SlaPolicy(SlaConfig()), OnCall(oncall_config), oncall_config, levels, receivers,
                     notification_log, {"language": "zh-CN", "time_zone": "Asia/Shanghai", "external_url": EXTERNAL_URL},
                     metrics=metrics)


def urls_of(hooks) -> dict[str, str]:
    return {name: hook.url for name, hook in hooks.items()}


def p1_incident(store) -> str:  # default SLA: P1 must be acknowledged within 10 minutes, 7x24
    return store.open_incident(title="核心交换机宕机", severity=Severity.P1, category=Category.NETWORK,
                               reporter="alerting", at=T0, assets=[AffectedAsset("sw-core")]).id


def tick(escalator: Escalator, at: datetime):
    return asyncio.run(escalator.tick(at))


def escalations(store, incident_id: str) -> list[tuple[str, str]]:
    return [(e.to_value, e.text) for e in store.timeline(incident_id) if e.kind is TimelineKind.ESCALATED]


def levels_received(hook) -> list[str]:
    return [body["alerts"][0]["labels"]["level"] for body in hook.bodies()]


def test_each_level_is_told_once_as_the_response_target_runs_down(store, hooks, notification_log):
    incident_id = p1_incident(store)
    escalator = make_escalator(store, urls_of(hooks), notification_log)
    for at in (0, 2, 4.9, 5, 7, 10, 12):
        tick(escalator, minutes(at))
    assert levels_received(hooks["wang-hook"]) == ["0", "1"]  # at 0 and at 5 min (half of 10)
    assert levels_received(hooks["li-hook"]) == ["2"]  # at 10 min, the target
    assert escalations(store, incident_id) == [("0", "wang"), ("1", "wang"), ("2", "li")]
    assert [e.at for e in store.timeline(incident_id) if e.kind is TimelineKind.ESCALATED] == [
        minutes(0), minutes(5), minutes(10)]


def test_the_escalation_message_says_what_whom_and_where(store, hooks, notification_log):
    incident_id = p1_incident(store)
    tick(make_escalator(store, urls_of(hooks), notification_log), minutes(6))
    [body] = hooks["wang-hook"].bodies()
    [alert] = body["alerts"]
    assert alert["labels"] == {"alertname": "IncidentEscalation", "incident": incident_id, "severity": "P1",
                               "level": "1", "person": "wang"}
    link = f"{EXTERNAL_URL}/console/#/incidents/{incident_id}"
    annotations = alert["annotations"]
    assert annotations["summary_zh"] == f"故障单 {incident_id} 已 6 分钟未响应（第 2 级升级）：核心交换机宕机"
    assert annotations["summary"] == f"Incident {incident_id} unacknowledged for 6 min (escalation level 2): 核心交换机宕机"
    # deadline: opened 09:00 Shanghai + 10 min on the 7x24 calendar
    assert "2026-03-02 09:10" in annotations["description_zh"] and link in annotations["description_zh"]
    assert "王工" in annotations["description_zh"]
    assert "2026-03-02 09:10" in annotations["description"] and link in annotations["description"]
    assert annotations["incident_url"] == link


def test_levels_reached_together_for_one_person_make_one_message(store, hooks, notification_log):
    incident_id = p1_incident(store)
    tick(make_escalator(store, urls_of(hooks), notification_log), minutes(11))  # the collector was down till now
    assert levels_received(hooks["wang-hook"]) == ["1"]
    assert levels_received(hooks["li-hook"]) == ["2"]
    assert escalations(store, incident_id) == [("0", "wang"), ("1", "wang"), ("2", "li")]


def test_acknowledging_stops_the_ladder(store, hooks, notification_log):
    incident_id = p1_incident(store)
    escalator = make_escalator(store, urls_of(hooks), notification_log)
    tick(escalator, minutes(1))
    store.acknowledge(incident_id, "wang", minutes(3))
    assert tick(escalator, minutes(20)) == []
    assert levels_received(hooks["wang-hook"]) == ["0"] and hooks["li-hook"].bodies() == []


def test_a_reopened_incident_climbs_the_ladder_again_until_acknowledged_anew(store, hooks, notification_log):
    incident_id = p1_incident(store)
    escalator = make_escalator(store, urls_of(hooks), notification_log)
    tick(escalator, minutes(0))
    store.acknowledge(incident_id, "wang", minutes(2))
    store.transition(incident_id, S.IN_PROGRESS, "wang", minutes(3))
    store.resolve(incident_id, "wang", minutes(30), "c", "r")
    store.transition(incident_id, S.OPEN, "alerting", minutes(60), note="fired again")  # reopened
    for at in (60, 64, 65, 70):  # the ladder counts from the reopening: 0 at 60, 0.5 at 65, 1.0 at 70
        tick(escalator, minutes(at))
    assert levels_received(hooks["wang-hook"]) == ["0", "0", "1"] and levels_received(hooks["li-hook"]) == ["2"]
    [body] = [b for b in hooks["wang-hook"].bodies() if b["alerts"][0]["labels"]["level"] == "1"]
    assert "已 5 分钟未响应" in body["alerts"][0]["annotations"]["summary_zh"]  # since the reopening
    store.acknowledge(incident_id, "wang", minutes(71))
    assert tick(escalator, minutes(90)) == []
    # the SLA's response time still runs from the opening to the first acknowledgement: 2 min, met
    assert SlaPolicy(SlaConfig()).status(store.get(incident_id), store.timeline(incident_id), minutes(90)
                                         ).response.elapsed_s == 120


def test_a_new_escalator_over_the_same_database_does_not_notify_again(store_url, store, hooks, notification_log):
    p1_incident(store)
    tick(make_escalator(store, urls_of(hooks), notification_log), minutes(6))
    restarted = IncidentStore.open(store_url)
    try:
        assert tick(make_escalator(restarted, urls_of(hooks), NotificationLog()), minutes(7)) == []
    finally:
        restarted.dispose()
    assert levels_received(hooks["wang-hook"]) == ["1"]


def test_every_attempt_is_in_the_notification_log(store, hooks, notification_log):
    incident_id = p1_incident(store)
    tick(make_escalator(store, urls_of(hooks), notification_log), minutes(0))
    [attempt] = notification_log.query(receiver="wang-hook")
    assert (attempt.outcome, attempt.status, attempt.attempt, attempt.integration) == (
        Outcome.SENT, "firing", 1, "WebhookNotifier[0]")
    assert attempt.group_key == f"IncidentEscalation:{incident_id}:0"


def test_a_retryable_failure_is_tried_again_on_the_next_tick(store, hooks, notification_log):
    flaky = WebhookReceiver(failures=2)
    try:
        incident_id = p1_incident(store)
        escalator = make_escalator(store, urls_of(hooks) | {"wang-hook": flaky.url}, notification_log)
        assert [e.outcome for e in tick(escalator, minutes(0))] == ["retrying"]
        assert escalations(store, incident_id) == []
        assert [e.outcome for e in tick(escalator, minutes(0.1))] == ["retrying"]
        assert [e.outcome for e in tick(escalator, minutes(0.2))] == ["sent"]
        assert tick(escalator, minutes(0.3)) == []
        assert len(flaky.received) == 3
        assert escalations(store, incident_id) == [("0", "wang")]
        logged = [(a.outcome, a.attempt) for a in reversed(notification_log.query(receiver="wang-hook"))]
        assert logged == [(Outcome.RETRYING, 1), (Outcome.RETRYING, 2), (Outcome.SENT, 3)]
    finally:
        flaky.close()


def webhook_figures(registry: CollectorRegistry) -> tuple[float, float, float]:
    """Webhook notifications sent, failed, and attempts timed."""
    def value(name: str, **labels: str) -> float:
        return registry.get_sample_value(name, {"notifier": "webhook", **labels}) or 0.0
    return (value("itops_notifications_total", outcome="sent"), value("itops_notifications_total", outcome="failed"),
            value("itops_notification_duration_seconds_count"))


def test_escalations_count_as_notifications_of_their_plugin_once_delivered(store, hooks, notification_log):
    registry, flaky = CollectorRegistry(), WebhookReceiver(failures=1)
    try:
        p1_incident(store)
        escalator = make_escalator(store, urls_of(hooks) | {"wang-hook": flaky.url}, notification_log,
                                   metrics=NotificationMetrics(registry))
        tick(escalator, minutes(0))
        assert webhook_figures(registry) == (0, 0, 1)  # an attempt, retrying: no outcome yet
        tick(escalator, minutes(0.1))
        assert webhook_figures(registry) == (1, 0, 2)
    finally:
        flaky.close()


def test_a_channel_failing_for_good_is_recorded_and_not_retried(store, hooks, notification_log):
    flaky = WebhookReceiver(failures=100)
    try:
        incident_id = p1_incident(store)
        escalator = make_escalator(store, urls_of(hooks) | {"wang-hook": flaky.url}, notification_log)
        outcomes = [e.outcome for at in range(10) for e in tick(escalator, minutes(at * 0.1))]
        assert outcomes == ["retrying"] * 5 + ["failed"]
        assert escalations(store, incident_id) == [("0", "wang (not delivered: wang-hook channels [0])")]
        assert len(flaky.received) == 6
    finally:
        flaky.close()


def test_no_ladder_means_no_escalation(store, hooks, notification_log):
    p1_incident(store)
    assert tick(make_escalator(store, urls_of(hooks), notification_log, levels=[]), minutes(30)) == []
    assert hooks["wang-hook"].bodies() == []
