"""The alerting stack as build_alerting wires it runs on the one clock it is given: alert times, maintenance,
incidents, escalation and the notification log all read it, never the real time. The instant is far from
any real one, at an hour a daily maintenance window covers."""

import asyncio
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from itops.alerting.assembly import build_alerting
from itops.alerting.config import AlertingConfig
from itops.alerting.incidents.model import TimelineKind
from itops.alerting.rules.model import ObservedBatch, SampleObservation
from itops.common.yaml_config import load_text

from tests.simulators.webhook_receiver import WebhookReceiver

T = datetime(2031, 3, 4, 19, 30, tzinfo=UTC)  # 03:30 on 5 March in Shanghai, inside the 03:00 window
RULE = "rules:\n  - {name: ValueHigh, metric: m, function: last, op: '>', threshold: 10, severity: P2}\n"


def config(rules_path, hook_url: str) -> AlertingConfig:
    return load_text(f"""
shipped_rules: false
rule_files: ['{rules_path}']
receivers:
  wang-hook: [{{type: webhook, url: '{hook_url}'}}]
maintenance:
  windows: [{{name: nightly, matchers: ['host="pc-2"'], cron: '0 3 * * *', duration: 1h}}]
incidents:
  oncall:
    people: {{wang: {{display_name: 王工, receiver: wang-hook}}}}
  escalation:
    levels: [{{at: 0, notify: wang}}]
""", AlertingConfig)


@pytest.fixture
def hook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def alerting(tmp_path, hook):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULE)
    built = build_alerting(config(rules, hook.url), str(tmp_path / "alerting"), lambda: T)
    yield built
    built.incidents.dispose()


def high_value_on(*hosts: str) -> ObservedBatch:
    ms = int(T.timestamp() * 1000)
    return ObservedBatch("a1", ms, samples=tuple(SampleObservation("m", {"host": host}, (ms,), (50.0,)) for host in hosts))


def observe(alerting, batch: ObservedBatch, then_pass: bool = False) -> None:
    async def main():  # the dispatcher takes alerts on a running loop
        alerting.pipeline.observe(batch)
        if then_pass:
            await alerting.run_once()
    asyncio.run(main())


def test_alerts_fire_at_the_given_time_and_maintenance_then_keeps_one_from_opening_an_incident(alerting):
    observe(alerting, high_value_on("pc-1", "pc-2"))
    assert [a.firing_since for a in alerting.pipeline.evaluator.alerts()] == [T, T]
    [incident] = alerting.incidents.list()
    assert [asset.name for asset in incident.assets] == ["pc-1"]
    assert incident.opened_at == T


def test_the_periodic_pass_escalates_at_the_given_time(alerting, hook):
    observe(alerting, high_value_on("pc-1"), then_pass=True)
    [incident] = alerting.incidents.list()
    escalated = [e for e in alerting.incidents.timeline(incident.id) if e.kind is TimelineKind.ESCALATED]
    assert [e.at for e in escalated] == [T]
    assert [n.at for n in alerting.notification_log.query()] == [T]
    assert len(hook.bodies()) == 1


def test_evaluation_and_escalation_are_measured_on_the_registry_given(tmp_path, hook):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULE)
    registry = CollectorRegistry()
    built = build_alerting(config(rules, hook.url), str(tmp_path / "alerting"), lambda: T, registry)
    try:
        observe(built, high_value_on("pc-1"), then_pass=True)
    finally:
        built.incidents.dispose()
    assert registry.get_sample_value("itops_rule_evaluation_duration_seconds_count", {"trigger": "batch"}) == 1
    assert registry.get_sample_value("itops_rule_evaluation_duration_seconds_count", {"trigger": "tick"}) == 1
    assert registry.get_sample_value("itops_notifications_total", {"notifier": "webhook", "outcome": "sent"}) == 1
