"""What the notifier tests share: an alert as the rules raise it, its message, a robot's refusal and a channel
config refused."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

import pytest

from itops.alerting.dispatch.messages import (
    Language,
    Message,
    MessageSettings,
    render_message,
)
from itops.alerting.notifiers.base import NotificationContext, NotifyError
from itops.alerting.notifiers.http_post import check_robot_answer
from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.common.yaml_config import ConfigError, load_text

SINCE = datetime(2024, 5, 1, 2, 0, 0, tzinfo=UTC)
RESOLVED_AT = datetime(2024, 5, 1, 2, 5, 0, tzinfo=UTC)
EXTERNAL_URL = "https://itops.example.com"
FIRING = NotificationContext(group_key='{}:{alertname="DiskFull"}', receiver="ops", status="firing",
                             external_url=EXTERNAL_URL, group_labels={"alertname": "DiskFull"})


def disk_alert(host: str = "web1", **changes) -> Alert:
    fields = {
        "rule": "disk_full", "labels": {"alertname": "DiskFull", "severity": "P1", "host": host},
        "annotations": {"summary": f"Disk on {host} is full", "summary_zh": f"{host} 磁盘已满"},
        "severity": Severity.P1, "state": AlertState.FIRING, "value": 93.5, "firing_since": SINCE,
    }
    return Alert(**(fields | changes))


def resolved_disk_alert(host: str = "web1") -> Alert:
    return disk_alert(host, state=AlertState.RESOLVED, resolved_at=RESOLVED_AT)


def message(alerts: list[Alert], language: Language = "zh-CN", resolved: bool = False) -> Message:
    return render_message(alerts, resolved, MessageSettings(language=language, external_url=EXTERNAL_URL))


def robot_refusal(answer: bytes, code_field: str, retryable_codes: Collection[int], channel: str) -> NotifyError:
    """The error a robot's HTTP 200 ``answer`` with a non-zero code is turned into."""
    with pytest.raises(NotifyError) as caught:
        check_robot_answer(answer, code_field, retryable_codes, channel)
    return caught.value


def refused(text: str, model: type) -> ConfigError:
    """The error loading ``text`` (one channel of a receiver) into ``model`` gives."""
    with pytest.raises(ConfigError) as caught:
        load_text(text, model, "collector.yaml")
    return caught.value
