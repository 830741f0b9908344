"""Alertmanager: an alert as its v2 API takes it (postableAlert), and the options refused."""

from datetime import UTC, datetime, timedelta, timezone

from itops.alerting.notifiers.alertmanager.alertmanager import (
    alertmanager_alert,
    rfc3339,
)
from itops.alerting.notifiers.alertmanager.config import AlertmanagerConfig
from tests.unit.alerting.notifiers.notifier_helpers import (
    EXTERNAL_URL,
    disk_alert,
    refused,
    resolved_disk_alert,
)

RUNBOOK_ANNOTATIONS = {"summary": "Disk on web1 is full", "runbook": "HostFilesystemFull"}


def test_a_firing_alert_has_labels_annotations_start_and_link_but_no_end():
    alert = disk_alert()
    assert alertmanager_alert(alert, EXTERNAL_URL, "zh-CN") == {
        "labels": alert.labels, "annotations": alert.annotations, "startsAt": "2024-05-01T02:00:00Z",
        "generatorURL": f"{EXTERNAL_URL}/console/#/alerts/{alert.fingerprint}",
    }


def test_a_resolved_alert_says_when_it_ended():
    assert alertmanager_alert(resolved_disk_alert(), EXTERNAL_URL, "zh-CN")["endsAt"] == "2024-05-01T02:05:00Z"


def test_a_pending_alert_starts_when_it_became_pending():
    pending = disk_alert(firing_since=None, pending_since=datetime(2024, 5, 1, 1, 58, tzinfo=UTC))
    assert alertmanager_alert(pending, EXTERNAL_URL, "zh-CN")["startsAt"] == "2024-05-01T01:58:00Z"


def test_without_external_url_there_is_no_link():
    fields = alertmanager_alert(disk_alert(annotations=RUNBOOK_ANNOTATIONS), "", "en")
    assert "generatorURL" not in fields
    assert fields["annotations"] == RUNBOOK_ANNOTATIONS


def test_a_named_runbook_becomes_the_consoles_runbook_page_in_the_channels_language():
    fields = alertmanager_alert(disk_alert(annotations=RUNBOOK_ANNOTATIONS), EXTERNAL_URL, "en")
    assert fields["annotations"]["runbook_url"] == f"{EXTERNAL_URL}/console/#/runbooks/HostFilesystemFull?language=en"


def test_the_rules_own_runbook_url_is_kept():
    annotations = RUNBOOK_ANNOTATIONS | {"runbook_url": "https://wiki.example.com/disk"}
    fields = alertmanager_alert(disk_alert(annotations=annotations), EXTERNAL_URL, "en")
    assert fields["annotations"]["runbook_url"] == "https://wiki.example.com/disk"


def test_rfc3339_is_utc_with_z():
    beijing = timezone(timedelta(hours=8))
    assert rfc3339(datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=beijing)) == "2024-05-01T02:00:00.250000Z"


def test_url_without_scheme_is_refused_naming_url():
    error = refused("url: alertmanager:9093\n", AlertmanagerConfig)
    assert (error.line, error.field) == (1, "url")


def test_header_values_are_text():
    error = refused("url: http://alertmanager:9093\nheaders:\n  X-Scope-OrgID: 7\n", AlertmanagerConfig)
    assert (error.line, error.field) == (3, "headers.X-Scope-OrgID")
