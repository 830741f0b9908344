"""Which runbooks an incident's alerts name: a held alert by its annotation, one resolved and forgotten by the
runbook of its rule, rendered with the labels it fired with (the alert history keeps them)."""

from datetime import UTC, datetime, timedelta

import pytest

from itops.alerting.rules.alert_history import AlertHistory
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.alerting.rules.loader import load_rules
from itops.alerting.dispatch.runbooks import runbooks_of_alerts

FIRED = datetime(2031, 3, 4, 1, 0, tzinfo=UTC)
RULES = """\
rules:
  - {name: DiskFull, metric: disk, function: last, op: ">", threshold: 0.9, severity: P2,
     annotations: {runbook: HostFilesystemFull}}
  - {name: PortDown, metric: port, function: last, op: "<", threshold: 1, severity: P3,
     annotations: {runbook: "Port{{ labels.kind }}"}}
  - {name: NoRunbook, metric: other, function: last, op: ">", threshold: 1, severity: P4}
"""


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    return load_rules([path])


@pytest.fixture
def history(tmp_path):
    kept = AlertHistory(tmp_path / "history.sqlite3")
    yield kept
    kept.close()


def fired(rule: str, host: str, runbook: str | None = None, **labels: str) -> Alert:
    return Alert(rule=rule, labels={"alertname": rule, "host": host, **labels},
                 annotations={"runbook": runbook} if runbook else {}, severity=Severity.P2,
                 state=AlertState.RESOLVED, firing_since=FIRED, resolved_at=FIRED + timedelta(minutes=5))


def test_a_held_alert_names_its_runbook_by_its_annotation(rules, history):
    alert = fired("DiskFull", "pc-1", runbook="HostFilesystemFull")
    assert runbooks_of_alerts([alert.fingerprint], [alert], rules, history) == {"HostFilesystemFull": [alert.fingerprint]}


def test_a_forgotten_alert_names_its_rules_runbook_rendered_with_its_labels(rules, history):
    disk, port = fired("DiskFull", "pc-1"), fired("PortDown", "sw-1", kind="Uplink")
    history.record([disk, port])
    assert runbooks_of_alerts([port.fingerprint, disk.fingerprint], [], rules, history) == {
        "PortUplink": [port.fingerprint], "HostFilesystemFull": [disk.fingerprint]}


def test_alerts_of_one_runbook_are_listed_together_in_the_order_given(rules, history):
    first, second = fired("DiskFull", "pc-1"), fired("DiskFull", "pc-2", runbook="HostFilesystemFull")
    history.record([first])
    assert runbooks_of_alerts([second.fingerprint, first.fingerprint], [second], rules, history) == {
        "HostFilesystemFull": [second.fingerprint, first.fingerprint]}


def test_no_runbook_for_an_unknown_alert_a_rule_without_one_or_a_rule_gone(rules, history):
    quiet, gone = fired("NoRunbook", "pc-1"), fired("RemovedRule", "pc-1")
    history.record([quiet, gone])
    assert runbooks_of_alerts([quiet.fingerprint, gone.fingerprint, "0123456789abcdef"], [], rules, history) == {}
