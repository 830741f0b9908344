"""Webhook: the two payload shapes (itops' own and Alertmanager's webhook, version 4), and the options refused."""

import dataclasses

from itops.alerting.notifiers.webhook.config import WebhookConfig
from itops.alerting.notifiers.webhook.webhook import alertmanager_payload, itops_payload
from tests.unit.alerting.notifiers.notifier_helpers import (
    EXTERNAL_URL,
    FIRING,
    disk_alert,
    refused,
    resolved_disk_alert,
)


def test_itops_payload_describes_the_group_and_each_alert():
    alert = disk_alert()
    payload = itops_payload([alert], FIRING, "zh-CN")
    assert {key: value for key, value in payload.items() if key != "alerts"} == {
        "version": "itops/1", "groupKey": FIRING.group_key, "status": "firing", "receiver": "ops",
        "groupLabels": {"alertname": "DiskFull"}, "externalURL": EXTERNAL_URL,
    }
    assert payload["alerts"] == [{
        "fingerprint": alert.fingerprint, "rule": "disk_full", "state": "firing", "severity": "P1",
        "labels": alert.labels, "annotations": alert.annotations, "value": 93.5,
        "startsAt": "2024-05-01T02:00:00Z", "endsAt": None, "flapping": False,
        "url": f"{EXTERNAL_URL}/console/#/alerts/{alert.fingerprint}", "runbookURL": None,
    }]


def test_itops_payload_of_a_resolved_alert_has_its_end():
    [sent] = itops_payload([resolved_disk_alert()], dataclasses.replace(FIRING, status="resolved"), "en")["alerts"]
    assert (sent["state"], sent["endsAt"]) == ("resolved", "2024-05-01T02:05:00Z")


def test_alertmanager_payload_has_alertmanagers_fields_and_go_zero_time_for_no_end():
    alert = disk_alert()
    payload = alertmanager_payload([alert], FIRING, "zh-CN")
    assert (payload["version"], payload["truncatedAlerts"], payload["status"]) == ("4", 0, "firing")
    assert payload["alerts"] == [{
        "status": "firing", "labels": alert.labels, "annotations": alert.annotations,
        "startsAt": "2024-05-01T02:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": f"{EXTERNAL_URL}/console/#/alerts/{alert.fingerprint}", "fingerprint": alert.fingerprint,
    }]


def test_common_labels_and_annotations_are_the_pairs_every_alert_shares():
    web1 = disk_alert("web1", annotations={"summary": "Disk full", "team": "ops"})
    web2 = disk_alert("web2", annotations={"summary": "Disk nearly full", "team": "ops"})
    payload = alertmanager_payload([web1, web2], FIRING, "en")
    assert payload["commonLabels"] == {"alertname": "DiskFull", "severity": "P1"}
    assert payload["commonAnnotations"] == {"team": "ops"}


def test_an_unknown_format_is_refused_naming_it():
    error = refused("url: https://hooks.example.com/itops\nformat: prometheus\n", WebhookConfig)
    assert (error.line, error.field) == (2, "format")


def test_url_without_scheme_is_refused_naming_url():
    error = refused("url: hooks.example.com/itops\n", WebhookConfig)
    assert (error.line, error.field) == (1, "url")
