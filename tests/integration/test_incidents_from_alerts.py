"""Incidents from alerts in the real collector: a batch over gRPC makes a rule fire → an incident is opened in
the collector's incident database → the on-call person's webhook gets the escalation → the alert resolves →
the incident's timeline notes it. The incident database is read directly (IncidentStore on its SQLite file)."""

import pytest

from itops.alerting.incidents.model import Category, IncidentState, Source, TimelineKind
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.rules.model import Severity

from tests.simulators.webhook_receiver import WebhookReceiver

from .conftest import CollectorProcess, wait_until
from .test_alerting import _push

pytestmark = pytest.mark.integration

RULES = """\
rules:
  - name: SwitchUplinkErrors
    metric: itops_test_value
    function: last
    op: ">"
    threshold: 10
    severity: P2
    labels: {category: network}
    annotations:
      summary: "uplink errors {{ value }} on {{ labels.host }}"
      summary_zh: "{{ labels.host }} 上联口错误 {{ value }}"
  - name: AttendanceClockFast
    metric: itops_attendance_clock_drift_seconds
    function: last
    op: ">"
    threshold: 60
    severity: P3
    labels: {category: application}
    annotations:
      summary: "{{ labels.clock }} is {{ value }} s fast"
      summary_zh: "{{ labels.clock }} 快了 {{ value }} 秒"
"""
CLOCK_KEY = 'itops_attendance_clock_drift_seconds{asset_number="ZC-0042",clock="main-entrance",host="pc-1"}'


@pytest.fixture
def hooks():
    made = {"ops": WebhookReceiver(), "wang": WebhookReceiver()}
    yield made
    for hook in made.values():
        hook.close()


@pytest.fixture
def incident_collector(tmp_path, tls_dir, agent_token, hooks):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    config = (
        f"alerting:\n  shipped_rules: false\n  rule_files: ['{rules}']\n  evaluation_interval: 0.5s\n"
        f"  external_url: https://itops.example.cn\n"
        f"  receivers:\n    ops:\n      - type: webhook\n        url: {hooks['ops'].url}\n"
        f"    wang-phone:\n      - type: webhook\n        url: {hooks['wang'].url}\n"
        f"  dispatch:\n    route:\n      receiver: ops\n      group_wait: 0s\n      group_interval: 1s\n"
        f"  incidents:\n"
        f"    oncall:\n      people:\n        wang: {{display_name: 王工, receiver: wang-phone}}\n"
        f"      schedules:\n        ops:\n          time_zone: Asia/Shanghai\n"
        f"          rotation: {{members: [wang], start: '2026-01-05 09:00', shift: 1w}}\n"
        f"    escalation:\n      levels:\n        - {{at: 0.0, notify: 'oncall:ops'}}\n"
    )
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}, extra_config=config).start()
    yield collector
    if collector.process.poll() is None:
        collector.process.kill()


@pytest.fixture
def incidents(tmp_path):
    opened: list[IncidentStore] = []

    def open_store() -> IncidentStore:
        opened.append(IncidentStore.open(f"sqlite:///{tmp_path / 'state' / 'alerting' / 'incidents.sqlite3'}"))
        return opened[-1]

    yield open_store
    for store in opened:
        store.dispose()


@pytest.mark.timeout(120)
def test_firing_alert_opens_an_incident_escalates_and_notes_the_resolution(
        incident_collector, tls_dir, agent_token, hooks, incidents):
    _push(incident_collector, tls_dir, agent_token, 1, 50.0)
    wait_until(lambda: hooks["ops"].bodies(), 15, "the alert notification")
    store = incidents()
    [incident] = store.list()
    assert (incident.title, incident.severity, incident.category) == ("pc-1 上联口错误 50", Severity.P2, Category.NETWORK)
    assert (incident.source, incident.reporter, incident.state) == (Source.ALERT, "alerting", IncidentState.OPEN)
    assert [a.name for a in incident.assets] == ["pc-1"]
    assert incident.fingerprints == (hooks["ops"].bodies()[0]["alerts"][0]["fingerprint"],)

    wait_until(lambda: hooks["wang"].bodies(), 15, "the escalation to the on-call person")
    [escalation] = hooks["wang"].bodies()[0]["alerts"]
    assert escalation["labels"]["incident"] == incident.id and escalation["labels"]["person"] == "wang"
    assert f"https://itops.example.cn/console/#/incidents/{incident.id}" in escalation["annotations"]["description_zh"]
    # the escalator writes its timeline entry once the notifier returned, which is after the hook got the body
    escalated = wait_until(lambda: [e for e in store.timeline(incident.id) if e.kind is TimelineKind.ESCALATED], 15,
                           "the escalation on the timeline")
    assert [(e.to_value, e.text) for e in escalated] == [("0", "wang")]

    _push(incident_collector, tls_dir, agent_token, 2, 1.0)
    wait_until(lambda: store.timeline(incident.id)[-1].kind is TimelineKind.NOTE, 15, "the resolution note")
    note = store.timeline(incident.id)[-1]
    assert note.who == "alerting" and note.text.startswith("告警已恢复：SwitchUplinkErrors — pc-1 上联口错误")
    assert store.get(incident.id).state is IncidentState.OPEN  # auto_resolve is off by default
    assert len(hooks["wang"].bodies()) == 1, "a level is told once"


@pytest.mark.timeout(120)
def test_a_clock_incident_names_the_clock_as_its_asset_not_the_host_polling_it(
        incident_collector, tls_dir, agent_token, incidents):
    _push(incident_collector, tls_dir, agent_token, 1, 600.0, CLOCK_KEY)
    store = incidents()
    [incident] = wait_until(lambda: store.list(), 15, "the clock's incident")
    assert incident.title == "main-entrance 快了 600 秒"
    assert [(a.name, a.asset_number) for a in incident.assets] == [("main-entrance", "ZC-0042"), ("pc-1", None)]
